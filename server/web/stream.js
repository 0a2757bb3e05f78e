// One live practice stream: microphone -> AudioWorklet (Float32 at the
// AudioContext's rate) -> WebSocket, either as raw f32 frames or as Opus
// packets from WebCodecs' AudioEncoder where the browser has it.
import { call, streamToken } from './api.js';

const FRAME_MS = 20;
const MAX_BUFFERED = 1 << 20;  // bytes waiting in the socket; beyond it frames are dropped, not queued

async function opusSupported(sampleRate) {
  if (typeof AudioEncoder === 'undefined' || typeof AudioData === 'undefined') return false;
  try {
    const r = await AudioEncoder.isConfigSupported(opusConfig(sampleRate));
    return r.supported === true;
  } catch { return false; }
}

function opusConfig(sampleRate) {
  return { codec: 'opus', sampleRate, numberOfChannels: 1, bitrate: 32000, opus: { frameDuration: FRAME_MS * 1000 } };
}

export class LiveStream {
  // handlers: onMessage(msg), onClose({code, reason}), onDropped(count)
  // sentenceId and practiceSessionId: a pronunciation reading of a library
  // sentence, its attempt kept in that practice session.
  constructor({ mode, codec, record, title, transcript, sentenceId, practiceSessionId }, handlers) {
    this.options = { mode, codec, record, title, transcript, sentenceId, practiceSessionId };
    this.handlers = handlers;
    this.dropped = 0;
    this.stopping = false;
  }

  async start() {
    const { mode, record, title } = this.options;
    const wantOpus = this.options.codec === 'opus';
    this.media = await navigator.mediaDevices.getUserMedia({
      // The raw voice: processing would distort the volume and pitch we measure.
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    // Whether the microphone is open, for the page (and its tests) to see.
    document.documentElement.dataset.capturing = 'true';
    if (this.stopping) { this.release(); throw new Error('stopped'); }
    // Opus runs at 48 kHz; f32 streams at whatever rate the device context has.
    this.context = new AudioContext(wantOpus ? { sampleRate: 48000 } : {});
    const rate = this.context.sampleRate;
    this.codec = wantOpus && await opusSupported(rate) ? 'opus' : 'f32';
    this.fellBack = wantOpus && this.codec !== 'opus';

    this.session = await call('POST', '/v1/sessions', { type: mode, record, title });
    const token = await streamToken();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = new URLSearchParams({ access_token: token, codec: this.codec, sample_rate: String(rate), channels: '1', mode,
                                        transcript: String(Boolean(this.options.transcript)) });
    if (this.options.sentenceId) query.set('sentence_id', this.options.sentenceId);
    if (this.options.practiceSessionId) query.set('practice_session_id', this.options.practiceSessionId);
    this.ws = new WebSocket(`${scheme}//${location.host}/v1/sessions/${this.session.id}/stream?${query}`);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onmessage = (e) => {
      if (typeof e.data === 'string') this.handlers.onMessage(JSON.parse(e.data));
    };
    this.closed = new Promise((resolve) => {
      this.ws.onclose = (e) => {
        this.release();
        this.handlers.onClose({ code: e.code, reason: e.reason });
        resolve();
      };
    });
    await new Promise((resolve, reject) => {
      this.ws.onopen = resolve;
      this.ws.onerror = () => reject(new Error('the stream could not be opened'));
    });

    if (this.codec === 'opus') {
      this.encoder = new AudioEncoder({
        output: (chunk) => {
          const packet = new Uint8Array(chunk.byteLength);
          chunk.copyTo(packet);
          this.sendAudio(packet);
        },
        error: (e) => this.handlers.onMessage({ type: 'error', code: 'ENCODER', message: String(e) }),
      });
      this.encoder.configure(opusConfig(rate));
      this.timestampUs = 0;
    }

    await this.context.audioWorklet.addModule('/web/capture-worklet.js');
    this.source = this.context.createMediaStreamSource(this.media);
    this.worklet = new AudioWorkletNode(this.context, 'orator-capture', {
      numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit',
      processorOptions: { frameSamples: Math.round(rate * FRAME_MS / 1000) },
    });
    this.worklet.port.onmessage = (e) => this.onFrame(e.data, rate);
    this.source.connect(this.worklet);
  }

  onFrame(frame, rate) {
    if (this.stopping) return;
    if (this.encoder) {
      const data = new AudioData({ format: 'f32', sampleRate: rate, numberOfFrames: frame.length, numberOfChannels: 1,
                                   timestamp: this.timestampUs, data: frame });
      this.timestampUs += Math.round(frame.length * 1e6 / rate);
      this.encoder.encode(data);
      data.close();
    } else {
      this.sendAudio(frame.buffer);
    }
  }

  sendAudio(bytes) {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED) {
      this.dropped++;
      this.handlers.onDropped?.(this.dropped);
      return;
    }
    this.ws.send(bytes);
  }

  // Sends what is left, then stop; resolves once the server closed the stream
  // (after the assessment).
  async stop() {
    if (this.stopping) return this.closed;
    this.stopping = true;
    this.source?.disconnect();
    if (this.encoder && this.encoder.state === 'configured') await this.encoder.flush().catch(() => {});
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'stop' }));
    return this.closed;
  }

  release() {
    this.stopping = true;
    this.source?.disconnect();
    this.media?.getTracks().forEach((t) => t.stop());
    document.documentElement.dataset.capturing = 'false';
    if (this.encoder && this.encoder.state !== 'closed') this.encoder.close();
    if (this.context && this.context.state !== 'closed') this.context.close();
  }
}
