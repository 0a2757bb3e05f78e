#!/usr/bin/env python3
"""The outside review's attacks at full size, each against a fresh server.

Prints one line per attack: what was sent, what the server answered, and
its peak memory (VmHWM, since its start) against the 300 MB target. Needs
a build (ORATOR_BUILD, default build/release) and ~3 GB of free disk
under /tmp. Figures go to docs/security.md.
  loadtest/scripts/attacks.py [attack ...]   (default: all)
"""
import http.client
import json
import math
import os
import resource
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(os.environ.get("ORATOR_BUILD", os.path.join(ROOT, "build/release")), "server/orator-server")
TARGET_MB = 300
PASSWORD = "a long enough password"


class Server:
    def __init__(self, *flags, nofile=0, address_space=0, data_dir=None):
        self.dir = tempfile.mkdtemp(prefix="orator-attack-")
        self.data = data_dir or os.path.join(self.dir, "data")
        port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "server.log"), "w")

        def limits():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
            if address_space:
                resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

        args = [BINARY, "--port", "0", "--port-file", port_file, "--host", "127.0.0.1", "--data-dir", self.data,
                "--asr-threads", "0", *flags]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=limits)
        for _ in range(400):
            if os.path.exists(port_file) and open(port_file).read().strip():
                self.port = int(open(port_file).read())
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("server did not start: " + open(os.path.join(self.dir, "server.log")).read())

    def status_kb(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return -1

    def peak_mb(self):
        return self.status_kb("VmHWM") / 1024

    def cpu_seconds(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        self.log.flush()
        return open(os.path.join(self.dir, "server.log")).read()

    def stop(self, remove=True):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if remove and not os.environ.get("ORATOR_KEEP_TEST_LOGS"):
            shutil.rmtree(self.dir, ignore_errors=True)


def request(port, method, path, body=b"", token=None, content_type="application/json", source="127.0.0.1", timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = "Bearer " + token
    c.request(method, path, body=body if isinstance(body, (bytes, bytearray)) else body.encode(), headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def register(port, email):
    status, body = request(port, "POST", "/v1/auth/register", json.dumps({"email": email, "password": PASSWORD}))
    assert status == 201, body
    return json.loads(body)["access_token"]


def new_session(port, token, body="{}"):
    status, data = request(port, "POST", "/v1/sessions", body, token)
    assert status == 201, data
    return json.loads(data)["id"]


def wait_status(port, token, session_id, timeout_s=600):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        status = json.loads(request(port, "GET", "/v1/sessions/" + session_id, token=token)[1])["status"]
        if status not in ("processing", "created", "live"):
            return status
        time.sleep(0.5)
    return "timeout"


def analysed_upload(port, token, seconds, settings="{}"):
    """A session with an uploaded recording of `seconds`, once its analysis is done."""
    sid = new_session(port, token, settings)
    assert request(port, "POST", f"/v1/sessions/{sid}/upload", wav(seconds), token, "audio/wav")[0] == 202
    assert wait_status(port, token, sid) == "completed"
    return sid


def wav(seconds=0.0, total_bytes=0):
    """16 kHz mono PCM16 (`seconds` long, or `total_bytes` in all): a tone in syllable-like bursts."""
    second = bytearray()
    for i in range(16000):
        envelope = 1.0 if (i // 3200) % 2 == 0 else 0.05
        second += struct.pack("<h", int(3000 * envelope * math.sin(2 * math.pi * 180 * i / 16000)))
    size = (total_bytes - 44) // 2 * 2 if total_bytes else int(seconds * 16000) * 2
    data = (bytes(second) * (size // len(second) + 1))[:size]
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    return header + b"data" + struct.pack("<I", len(data)) + data


def raw_connection(port, source="127.0.0.1", receive_buffer=0):
    s = socket.socket()
    if receive_buffer:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def report(name, sent, answered, server, baseline_mb):
    peak = server.peak_mb()
    verdict = "ok" if peak < TARGET_MB and server.alive() else "OVER"
    print(f"{name}: {sent}; {answered}; alive {server.alive()}; RSS at start {baseline_mb:.0f} MB, "
          f"peak {peak:.0f} MB (target < {TARGET_MB}) {verdict}", flush=True)


def unauthenticated_upload_headers():
    """Item 1: Content-Length 100 MB and one byte, 20 times, under a 2 GB address space."""
    s = Server(address_space=2 << 30)
    base = s.peak_mb()
    conns, answers = [], {}
    for i in range(20):
        c = raw_connection(s.port)
        c.sendall(b"POST /v1/sessions/%d/upload HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\n"
                  b"Content-Length: 104857600\r\n\r\nx" % i)
        conns.append(c)
    for c in conns:
        c.settimeout(5)
        try:
            line = c.recv(64).split(b"\r\n")[0].decode()
        except socket.timeout:
            line = "no answer"
        answers[line] = answers.get(line, 0) + 1
        c.close()
    report("20 unauthenticated 100 MB upload headers (RLIMIT_AS 2 GB)", "1 byte of body each", answers, s, base)
    s.stop()


def idle_connections_from_one_address():
    """Item 2: 4,200 idle connections from one address; a healthy client elsewhere for 60 s."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    s = Server()
    base = s.peak_mb()
    idle = []
    for _ in range(4200):
        try:
            idle.append(raw_connection(s.port))
        except OSError:
            break
    ok = tried = 0
    end = time.time() + 60
    while time.time() < end:
        tried += 1
        try:
            ok += request(s.port, "GET", "/health", source="127.0.0.2", timeout=5)[0] == 200
        except OSError:
            pass
        time.sleep(0.25)
    lines = s.log_text().count("\n")
    for c in idle:
        c.close()
    report("4,200 idle connections from 127.0.0.1", f"{len(idle)} connected", f"healthy client {ok}/{tried} in 60 s, "
           f"{lines} log lines", s, base)
    s.stop()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def descriptors_exhausted():
    """Item 3: accept under a 256-descriptor limit, 400 connections held for 10 s."""
    s = Server(nofile=256)
    base = s.peak_mb()
    held = []
    for _ in range(400):
        try:
            held.append(raw_connection(s.port))
        except OSError:
            break
    cpu = s.cpu_seconds()
    time.sleep(10)
    cpu = s.cpu_seconds() - cpu
    for c in held[:200]:
        c.close()
    time.sleep(1.5)
    status = request(s.port, "GET", "/health", source="127.0.0.3", timeout=10)[0]
    for c in held[200:]:
        c.close()
    report("400 connections under RLIMIT_NOFILE 256", f"{len(held)} connected", f"server CPU {cpu:.2f} s in 10 s; "
           f"/health {status} once 200 closed", s, base)
    s.stop()


def stalled_audio_downloads():
    """Item 5: 30 GET .../audio of a 30-minute recording that never read."""
    s = Server()
    token = register(s.port, "ada@example.com")
    sid = analysed_upload(s.port, token, 1800, '{"record":true}')
    base = s.peak_mb()
    conns = []
    for _ in range(30):
        c = raw_connection(s.port, receive_buffer=4096)
        c.sendall(f"GET /v1/sessions/{sid}/audio HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        conns.append(c)
    time.sleep(20)
    status = request(s.port, "GET", "/v1/sessions", token=token)[0]
    for c in conns:
        c.close()
    report("30 stalled downloads of a 30-minute recording (57.6 MB WAV each)", "none read", f"GET /v1/sessions {status} "
           "meanwhile", s, base)
    s.stop()


def ogg_of_empty_packets():
    """Item 5: a 100 MB Ogg of empty packets."""
    def page(lacing, data, flags):
        return b"OggS\0" + bytes([flags]) + bytes(8) + b"\1\0\0\0" + bytes(8) + bytes([len(lacing)]) + bytes(lacing) + data
    head = b"OpusHead" + bytes([1, 1, 0x38, 0x01, 0x80, 0x3e, 0, 0, 0, 0, 0])
    empty = page([0] * 255, b"", 0)
    ogg = page([len(head)], head, 2) + page([8], b"OpusTags", 0) + empty * ((100 << 20) // len(empty))
    s = Server()
    token = register(s.port, "ada@example.com")
    sid = new_session(s.port, token)
    base = s.peak_mb()
    status = request(s.port, "POST", f"/v1/sessions/{sid}/upload", ogg, token, "audio/ogg", timeout=120)[0]
    outcome = wait_status(s.port, token, sid)
    report("a 100 MB Ogg of empty packets", f"{len(ogg) // len(empty) * 255:,} packets", f"upload {status}, then {outcome}",
           s, base)
    s.stop()


def concurrent_large_uploads():
    """Item 5: 20 concurrent 100 MB uploads."""
    s = Server("--max-queued-uploads", "32", "--max-sessions-per-hour", "1000", "--upload-timeout", "1200")
    token = register(s.port, "ada@example.com")
    ids = [new_session(s.port, token) for _ in range(20)]
    body = wav(total_bytes=100 << 20)  # 54.6 minutes: --max-upload-bytes exactly
    base = s.peak_mb()
    statuses = []
    started = time.time()
    threads = [threading.Thread(target=lambda i=i: statuses.append(
        request(s.port, "POST", f"/v1/sessions/{i}/upload", body, token, "audio/wav", timeout=1200)[0])) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    received = time.time() - started
    outcomes = {}
    for i in ids:
        o = wait_status(s.port, token, i, 1800)
        outcomes[o] = outcomes.get(o, 0) + 1
    report("20 concurrent 100 MB uploads", f"all received in {received:.0f} s", f"answers {sorted(statuses)[0]}..{sorted(statuses)[-1]}, "
           f"then {outcomes} after {time.time() - started:.0f} s", s, base)
    s.stop()


def stats_of_many_sessions():
    """Item 5: /v1/stats/summary for a user with 63,000 sessions, 8 callers, and an unrelated user's latency."""
    s = Server()
    token = register(s.port, "ada@example.com")
    other = register(s.port, "bob@example.com")
    sid = analysed_upload(s.port, token, 300)
    analysed_upload(s.port, other, 60)
    data_dir = s.data
    s.stop(remove=False)
    db = sqlite3.connect(os.path.join(data_dir, "orator.db"))
    columns = [r[1] for r in db.execute("PRAGMA table_info(sessions)")]
    row = db.execute("SELECT * FROM sessions WHERE id = ?", (sid,)).fetchone()
    at = columns.index("id")
    created = columns.index("created_at")
    copies = []
    for n in range(63000 - 1):
        copy = list(row)
        copy[at] = str(uuid.uuid4())
        copy[created] = row[created] - n * 1000
        copies.append(copy)
    db.executemany(f"INSERT INTO sessions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", copies)
    db.commit()
    db.close()
    s = Server("--rate-limit", "1000000", data_dir=data_dir)
    base = s.peak_mb()
    stop = time.time() + 20
    answers = {}

    def caller():
        while time.time() < stop:
            status = request(s.port, "GET", "/v1/stats/summary", token=token, timeout=60)[0]
            answers[status] = answers.get(status, 0) + 1
    callers = [threading.Thread(target=caller) for _ in range(8)]
    for t in callers:
        t.start()
    latencies = []
    while time.time() < stop:
        t0 = time.time()
        request(s.port, "GET", "/v1/stats/summary", token=other)
        latencies.append(time.time() - t0)
        time.sleep(0.2)
    for t in callers:
        t.join()
    latencies.sort()
    report("8 callers of /v1/stats/summary over 63,000 sessions for 20 s", f"answers {answers}",
           f"an unrelated user's summary: median {latencies[len(latencies) // 2] * 1000:.0f} ms, "
           f"max {latencies[-1] * 1000:.0f} ms", s, base)
    s.stop()
    shutil.rmtree(os.path.dirname(data_dir), ignore_errors=True)


def stream_upgrade_flood():
    """Item 4: stream upgrades as fast as one user can send them, for 20 s."""
    s = Server()
    token = register(s.port, "ada@example.com")
    base = s.peak_mb()
    answers = {}
    stop = time.time() + 20
    while time.time() < stop:
        c = raw_connection(s.port)
        c.sendall(f"GET /v1/stream?access_token={token} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".encode())
        line = c.recv(256).split(b"\r\n")[0].decode()
        answers[line] = answers.get(line, 0) + 1
        c.close()
    for _ in range(30):  # the flood used up the rate limit too
        status, body = request(s.port, "GET", "/v1/sessions?limit=1", token=token)
        if status == 200:
            break
        time.sleep(1)
    total = json.loads(body).get("pagination", {}).get("total", "?")
    report("stream upgrades from one user for 20 s", f"{sum(answers.values())} upgrades", f"{answers}; sessions stored {total}",
           s, base)
    s.stop()


ATTACKS = {f.__name__: f for f in (unauthenticated_upload_headers, idle_connections_from_one_address, descriptors_exhausted,
                                   stream_upgrade_flood, stalled_audio_downloads, ogg_of_empty_packets,
                                   concurrent_large_uploads, stats_of_many_sessions)}

if __name__ == "__main__":
    for name in sys.argv[1:] or ATTACKS:
        ATTACKS[name]()
