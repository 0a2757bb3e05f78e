// A really full disk (issue "Hardening", review item 4): the data directory
// on a small tmpfs, filled to the last byte while the server is down. The
// server must still start, serve reads, refuse writes with 507, say
// `unhealthy`, and once space is freed recover what the killed run left.
// Then PostgreSQL's disk: a database in a tablespace on a small tmpfs.
// Mounting needs CAP_SYS_ADMIN (root on CI); elsewhere the test skips.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "support/postgres_server.hpp"
#include "support/server_process.hpp"
#include "support/signals.hpp"
#include "support/stream_checks.hpp"
#include "support/ws_client.hpp"

namespace {
using namespace orator::test_support;

// A tmpfs of `size` mounted on a fresh directory, unmounted at the end.
class SmallDisk {
 public:
  explicit SmallDisk(const char* size) {
    char tmpl[] = "/tmp/orator-full-disk-XXXXXX";
    if (!mkdtemp(tmpl)) return;
    path_ = tmpl;
    const std::string options = std::string("size=") + size + ",mode=0700";
    if (mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      why_ = std::strerror(errno);
    }
  }
  ~SmallDisk() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove(path_, ec);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_; }
  const std::string& path() const { return path_; }

  // Writes `name` until the disk refuses another byte; the bytes written.
  std::size_t fill(const std::string& name) const {
    const int fd = open((path_ + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return 0;
    std::size_t written = 0;
    const std::vector<char> chunk(64 * 1024, 'x');
    for (std::size_t piece = chunk.size(); piece > 0; piece /= 2)
      for (ssize_t n; (n = write(fd, chunk.data(), piece)) > 0;) written += static_cast<std::size_t>(n);
    close(fd);
    return written;
  }

 private:
  std::string path_;
  std::string why_;
  bool mounted_ = false;
};

std::string status_of(int port, const std::string& id, const std::string& token) {
  const auto r = http_request(port, "GET", "/v1/sessions/" + id, "", {{"Authorization", "Bearer " + token}});
  return r.status == 200 ? std::string(r.json().at("status").as_string()) : "HTTP " + std::to_string(r.status);
}

TEST(FullDiskTest, TheServerStartsOnAFullDiskServesReadsAndRecoversOnceSpaceIsFreed) {
  SmallDisk disk("16m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << disk.why_not() << "): needs CAP_SYS_ADMIN";
  const std::string data_dir = disk.path() + "/data";
  // Free space below 1 MB reads as nearly full; the fill goes far below it.
  const std::vector<std::string> flags = {"--asr-threads", "0", "--data-dir", data_dir, "--min-free-disk-bytes", "1048576",
                                          "--instance-lease-seconds", "3", "--disk-reserve-bytes", "2097152"};
  const std::string reserve = data_dir + "/disk-reserve";
  auto first = std::make_unique<ServerProcess>(flags);
  const auto registered = http_request(first->port(), "POST", "/v1/auth/register",
                                       R"({"email":"ada@example.com","password":"a long enough password"})");
  ASSERT_EQ(registered.status, 201) << registered.body;
  const std::string token(registered.json().at("access_token").as_string());
  const std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer " + token}};
  const std::string kept(http_request(first->port(), "POST", "/v1/sessions", R"({"title":"kept"})", auth).json().at("id").as_string());
  const std::string unwanted(http_request(first->port(), "POST", "/v1/sessions", R"({"title":"unwanted"})", auth).json().at("id").as_string());
  const std::string left_live(http_request(first->port(), "POST", "/v1/sessions", "{}", auth).json().at("id").as_string());
  {
    WsClient ws(first->port(), "/v1/sessions/" + left_live + "/stream?interval_ms=1000&access_token=" + token);
    send_f32_frames(ws, intoned_syllables(16000, 6.0, 150, 30, 0.1), 16000, 1, 20);
    read_until_analysed(ws, 6.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the checkpoint write is asynchronous
    ASSERT_EQ(status_of(first->port(), left_live, token), "live");
    EXPECT_EQ(first->stop(SIGKILL), -SIGKILL);
  }
  ASSERT_EQ(std::filesystem::file_size(reserve), 2097152u) << "held back while there was room";
  const std::size_t filler = disk.fill("filler");
  ASSERT_GT(filler, 0u);
  std::printf("filled the 16 MiB disk with %.1f MiB beside the database\n", static_cast<double>(filler) / 1048576.0);

  // Recovery must write (the live session becomes interrupted): it cannot yet.
  ServerProcess second(flags);  // throws if the server did not start
  EXPECT_TRUE(second.wait_for_log("could not be recovered yet")) << second.log();
  EXPECT_EQ(status_of(second.port(), kept, token), "created") << "reads are served";
  const auto list = http_request(second.port(), "GET", "/v1/sessions", "", auth);
  EXPECT_EQ(list.status, 200) << list.body;
  const auto [health_status, health] = http_get(second.port(), "/health");
  EXPECT_EQ(health_status, 503) << health;
  EXPECT_NE(health.find("unhealthy"), std::string::npos) << health;
  const auto refused = http_request(second.port(), "POST", "/v1/sessions", "{}", auth);
  EXPECT_EQ(refused.status, 507) << refused.body;
  EXPECT_NE(refused.body.find("INSUFFICIENT_STORAGE"), std::string::npos) << refused.body;
  EXPECT_EQ(status_of(second.port(), kept, token), "created") << "a refused write changed nothing";

  // The one write that must work: a delete, on the space held back for it.
  const auto deleted = http_request(second.port(), "DELETE", "/v1/sessions/" + unwanted, "", auth);
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_EQ(status_of(second.port(), unwanted, token), "HTTP 404");
  EXPECT_FALSE(std::filesystem::exists(reserve));
  // Space freed: the next lease beat recovers, and writes work again.
  std::filesystem::remove(disk.path() + "/filler");
  std::string recovered;
  for (int i = 0; i < 100 && (recovered = status_of(second.port(), left_live, token)) != "interrupted"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(recovered, "interrupted") << second.log();
  EXPECT_EQ(http_request(second.port(), "POST", "/v1/sessions", "{}", auth).status, 201);
  const auto [healthy_status, healthy] = http_get(second.port(), "/health");
  EXPECT_EQ(healthy_status, 200) << healthy;
  for (int i = 0; i < 50 && !std::filesystem::exists(reserve); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(std::filesystem::exists(reserve)) << "held back again once there is room";
}

// PostgreSQL's own disk full (SQLSTATE 53100, "could not extend file"): the
// database's tables in a tablespace on a small tmpfs, filled while the
// server runs (its WAL and --data-dir have room). Writes get 507 and change
// nothing, reads are served, and writes work again once space is freed.
TEST(FullDiskTest, APostgresDatabaseOnAFullDiskRefusesWritesWith507AndRecovers) {
  SmallDisk disk("16m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << disk.why_not() << "): needs CAP_SYS_ADMIN";
  std::string why;
  auto* pg = PostgresServer::instance(&why);
  if (!pg) {
    if (std::getenv("CI")) FAIL() << why;
    GTEST_SKIP() << why;
  }
  const std::string database = pg->create_database_on(disk.path());  // the tmpfs's root: empty, as a tablespace must be
  {
    ServerProcess server({"--asr-threads", "0", "--database", database});
    const auto registered = http_request(server.port(), "POST", "/v1/auth/register",
                                         R"({"email":"grace@example.com","password":"a long enough password"})");
    ASSERT_EQ(registered.status, 201) << registered.body;
    const std::string token(registered.json().at("access_token").as_string());
    const std::vector<std::pair<std::string, std::string>> auth = {{"Authorization", "Bearer " + token}};
    const std::string kept(http_request(server.port(), "POST", "/v1/sessions", R"({"title":"kept"})", auth).json().at("id").as_string());
    const std::size_t filler = disk.fill("filler");
    ASSERT_GT(filler, 0u);

    // Rows still fit in pages the tables have; the first write that needs a new page is refused.
    int created = 1;
    HttpResult refused;
    for (int i = 0; i < 5000; ++i) {
      const auto r = http_request(server.port(), "POST", "/v1/sessions", R"({"title":"one more"})", auth);
      if (r.status != 201) {
        refused = r;
        break;
      }
      ++created;
    }
    std::printf("PostgreSQL's tablespace filled (%.1f MiB of filler): %d sessions stored, then HTTP %d\n",
                static_cast<double>(filler) / 1048576.0, created, refused.status);
    ASSERT_EQ(refused.status, 507) << refused.body;
    EXPECT_NE(refused.body.find("INSUFFICIENT_STORAGE"), std::string::npos) << refused.body;
    EXPECT_EQ(http_request(server.port(), "POST", "/v1/sessions", "{}", auth).status, 507) << "still full";

    const auto list = http_request(server.port(), "GET", "/v1/sessions?per_page=1", "", auth);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.json().at_pointer("/pagination/total").as_int64(), created) << "a refused write changed nothing";
    EXPECT_EQ(status_of(server.port(), kept, token), "created") << "reads are served";

    std::filesystem::remove(disk.path() + "/filler");
    const auto again = http_request(server.port(), "POST", "/v1/sessions", "{}", auth);
    EXPECT_EQ(again.status, 201) << "space freed: " << again.body;
  }
  pg->drop_database(database);
}

}  // namespace
