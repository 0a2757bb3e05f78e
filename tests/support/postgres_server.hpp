#pragma once
// A throwaway PostgreSQL cluster for tests: initdb under /tmp, a free port on
// 127.0.0.1, trust authentication, fsync off; as root it runs as the postgres
// user. Started once per test process on first use, removed at exit.
#include <optional>
#include <string>

namespace orator::test_support {

class PostgresServer {
 public:
  // The shared instance, or nullptr (with `why` set) when PostgreSQL is not installed.
  static PostgresServer* instance(std::string* why = nullptr);
  // A new, empty database; returns its connection URL.
  std::string create_database();
  // A new, empty database whose tables live in `directory` (an empty
  // directory, given to the server's user): a tablespace of its own.
  std::string create_database_on(const std::string& directory);
  // Drops a database made by create_database, its open connections cut.
  void drop_database(const std::string& url);
  ~PostgresServer();

 private:
  PostgresServer(std::string bin, std::string dir, int port);
  std::string run_as_owner(const std::string& command) const;
  std::string next_name();                            // a database (and tablespace) name not used yet
  std::string url_of(const std::string& name) const;  // its connection URL

  std::string bin_, dir_;
  int port_;
  int databases_ = 0;
};

}  // namespace orator::test_support
