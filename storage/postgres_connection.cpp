#include "storage/postgres_connection.hpp"

#include <pqxx/pqxx>

#include <charconv>
#include <optional>

namespace orator::storage {
namespace {

std::optional<std::string> to_text(const SqlValue& v) {
  return std::visit(
      [](const auto& x) -> std::optional<std::string> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) return std::nullopt;
        else if constexpr (std::is_same_v<T, std::int64_t>) return std::to_string(x);
        else if constexpr (std::is_same_v<T, double>) {
          char buf[64];
          const auto res = std::to_chars(buf, buf + sizeof buf, x);
          return std::string(buf, res.ptr);
        } else {
          return x;
        }
      },
      v);
}

class PostgresConnection final : public SqlConnection {
 public:
  explicit PostgresConnection(const std::string& url) try : conn_(url) {
  } catch (const std::exception& e) {
    // libpq's message can echo the URI: say which host, never the password.
    throw StorageError(std::string("cannot connect to PostgreSQL: ") + e.what());
  }

  std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> params) override {
    std::vector<std::optional<std::string>> args;
    args.reserve(params.size());
    for (const auto& p : params) args.push_back(to_text(p));
    try {
      pqxx::result r;
      if (tx_) {
        r = tx_->exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(args));
      } else {
        pqxx::nontransaction tx(conn_);
        r = tx.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(args));
      }
      std::vector<SqlRow> rows;
      rows.reserve(r.size());
      for (const auto& row : r) {
        std::vector<std::optional<std::string>> fields;
        fields.reserve(row.size());
        for (const auto& f : row) {
          if (f.is_null()) fields.emplace_back(std::nullopt);
          else fields.emplace_back(std::string(f.c_str(), f.size()));
        }
        rows.emplace_back(std::move(fields));
      }
      return rows;
    } catch (const pqxx::unique_violation& e) {
      throw StorageError(std::string("PostgreSQL: ") + e.what(), true);
    } catch (const pqxx::disk_full& e) {
      throw StorageError(std::string("PostgreSQL: ") + e.what(), false, true);
    } catch (const pqxx::failure& e) {
      throw StorageError(std::string("PostgreSQL: ") + e.what());
    }
  }

  void execute_script(std::string_view sql) override {
    try {
      if (tx_) {
        tx_->exec(std::string(sql));
      } else {
        pqxx::nontransaction tx(conn_);
        tx.exec(std::string(sql));
      }
    } catch (const pqxx::failure& e) {
      throw StorageError(std::string("PostgreSQL: ") + e.what());
    }
  }

  void begin() override {
    if (tx_) throw StorageError("nested transaction");
    tx_.emplace(conn_);
  }
  void commit() override {
    try {
      tx_->commit();
    } catch (const pqxx::failure& e) {
      tx_.reset();
      throw StorageError(std::string("PostgreSQL commit: ") + e.what());
    }
    tx_.reset();
  }
  void rollback() override {
    if (tx_) tx_->abort();
    tx_.reset();
  }
  std::string_view backend() const override { return "postgresql"; }

 private:
  pqxx::connection conn_;
  std::optional<pqxx::work> tx_;
};

}  // namespace

std::unique_ptr<SqlConnection> open_postgres(const std::string& url) { return std::make_unique<PostgresConnection>(url); }

}  // namespace orator::storage
