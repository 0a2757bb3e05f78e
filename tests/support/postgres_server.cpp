#include "support/postgres_server.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace orator::test_support {
namespace {

std::optional<std::string> find_bin() {
  std::optional<std::string> best;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
    if (std::filesystem::exists(e.path() / "bin" / "initdb") && (!best || e.path().string() > *best)) best = e.path().string();
  if (best) return *best + "/bin";
  return std::nullopt;
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

PostgresServer* PostgresServer::instance(std::string* why) {
  static std::unique_ptr<PostgresServer> server;
  static std::string failure;
  if (server) return server.get();
  if (!failure.empty()) {
    if (why) *why = failure;
    return nullptr;
  }
  const auto bin = find_bin();
  if (!bin) {
    failure = "PostgreSQL is not installed (scripts/setup.sh --test installs it)";
    if (why) *why = failure;
    return nullptr;
  }
  char tmpl[] = "/tmp/orator-pg-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  try {
    server.reset(new PostgresServer(*bin, tmpl, free_port()));
  } catch (const std::exception& e) {
    failure = e.what();
    if (why) *why = failure;
    return nullptr;
  }
  return server.get();
}

PostgresServer::PostgresServer(std::string bin, std::string dir, int port) : bin_(std::move(bin)), dir_(std::move(dir)), port_(port) {
  if (geteuid() == 0 && std::system(("chown postgres " + dir_).c_str()) != 0) throw std::runtime_error("chown failed");
  const std::string data = dir_ + "/data";
  if (std::system(run_as_owner(bin_ + "/initdb -D " + data + " -A trust -U postgres -E UTF8 --no-sync > " + dir_ + "/initdb.log 2>&1").c_str()) != 0)
    throw std::runtime_error("initdb failed; see " + dir_ + "/initdb.log");
  const std::string opts = std::string("-p ") + std::to_string(port_) + " -k " + dir_ +
                           " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  if (std::system(run_as_owner(bin_ + "/pg_ctl -D " + data + " -o '" + opts + "' -l " + dir_ + "/server.log -w -t 30 start > /dev/null").c_str()) != 0)
    throw std::runtime_error("PostgreSQL did not start; see " + dir_ + "/server.log");
}

PostgresServer::~PostgresServer() {
  (void)std::system(run_as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop > /dev/null 2>&1").c_str());
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PostgresServer::run_as_owner(const std::string& command) const {
  // PostgreSQL refuses to run as root.
  if (geteuid() == 0) return "runuser -u postgres -- sh -c \"" + command + "\"";
  return command;
}

std::string PostgresServer::next_name() {
  return std::string("orator_test_") + std::to_string(getpid()) + std::string("_") + std::to_string(++databases_);
}

std::string PostgresServer::url_of(const std::string& name) const {
  return std::string("postgresql://postgres@127.0.0.1:") + std::to_string(port_) + "/" + name;
}

std::string PostgresServer::create_database() {
  const std::string name = next_name();
  const std::string cmd = bin_ + std::string("/createdb -h 127.0.0.1 -p ") + std::to_string(port_) + " -U postgres " + name;
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("createdb failed");
  return url_of(name);
}

std::string PostgresServer::create_database_on(const std::string& directory) {
  const std::string name = next_name();
  if (geteuid() == 0 && std::system(("chown postgres " + directory).c_str()) != 0) throw std::runtime_error("chown failed");
  const std::string connect = std::string(" -h 127.0.0.1 -p ") + std::to_string(port_) + " -U postgres ";
  const std::string create_space = bin_ + "/psql -q" + connect + "-d postgres -c \"CREATE TABLESPACE " + name + " LOCATION '" + directory + "'\"";
  if (std::system(create_space.c_str()) != 0) throw std::runtime_error("CREATE TABLESPACE failed");
  if (std::system((bin_ + "/createdb" + connect + "--tablespace=" + name + " " + name).c_str()) != 0) throw std::runtime_error("createdb failed");
  return url_of(name);
}

void PostgresServer::drop_database(const std::string& url) {
  const std::string name = url.substr(url.rfind('/') + 1);
  const std::string cmd = bin_ + std::string("/dropdb --force -h 127.0.0.1 -p ") + std::to_string(port_) + " -U postgres " + name;
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("dropdb failed");
  // Its tablespace, when create_database_on made one.
  const std::string drop_space = bin_ + "/psql -q -h 127.0.0.1 -p " + std::to_string(port_) +
                                 " -U postgres -d postgres -c \"DROP TABLESPACE IF EXISTS " + name + "\"";
  if (std::system(drop_space.c_str()) != 0) throw std::runtime_error("DROP TABLESPACE failed");
}

}  // namespace orator::test_support
