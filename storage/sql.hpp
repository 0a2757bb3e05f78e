#pragma once
// The smallest SQL surface both backends share: parameterised statements
// ($1, $2, ... placeholders, always bound, never spliced), rows of typed
// values, and transactions. Repository code above it is written once.
//
// A SqlConnection is used by one thread at a time (the pool hands it out).
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace orator::storage {

using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

class SqlRow {
 public:
  explicit SqlRow(std::vector<std::optional<std::string>> fields) : fields_(std::move(fields)) {}
  [[nodiscard]] bool is_null(std::size_t i) const { return !fields_.at(i).has_value(); }
  [[nodiscard]] std::string text(std::size_t i) const { return fields_.at(i).value_or(""); }
  [[nodiscard]] std::optional<std::string> optional_text(std::size_t i) const { return fields_.at(i); }
  [[nodiscard]] std::int64_t integer(std::size_t i) const;
  [[nodiscard]] std::optional<std::int64_t> optional_integer(std::size_t i) const;
  [[nodiscard]] double real(std::size_t i) const;
  [[nodiscard]] std::optional<double> optional_real(std::size_t i) const;

 private:
  std::vector<std::optional<std::string>> fields_;  // text form, as both backends return it
};

// Thrown for every database failure; `conflict` marks unique-constraint
// violations, `full` a write refused because the database's disk is full.
class StorageError : public std::runtime_error {
 public:
  StorageError(const std::string& what, bool conflict = false, bool full = false)
      : std::runtime_error(what), conflict_(conflict), full_(full) {}
  bool conflict() const { return conflict_; }
  bool full() const { return full_; }

 private:
  bool conflict_;
  bool full_;
};

// Query parameters numbered as they are added ("$1", "$2" ...), so that
// optional filters compose into one parameterised statement.
struct SqlParams {
  std::vector<SqlValue> values;
  std::string add(SqlValue v) {
    values.push_back(std::move(v));
    return "$" + std::to_string(values.size());
  }
  // " AND column >= $n AND column <= $m", each bound only when given.
  std::string range(const std::string& column, std::optional<std::int64_t> from, std::optional<std::int64_t> to) {
    std::string out;
    if (from) out += " AND " + column + " >= " + add(*from);
    if (to) out += " AND " + column + " <= " + add(*to);
    return out;
  }
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs one statement; returns its rows (empty for statements without RETURNING).
  virtual std::vector<SqlRow> query(std::string_view sql, std::span<const SqlValue> params = {}) = 0;
  // Runs one or more statements without parameters (schema changes).
  virtual void execute_script(std::string_view sql) = 0;
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  [[nodiscard]] virtual std::string_view backend() const = 0;  // "sqlite" or "postgresql"
};

// A row-lock clause (" FOR UPDATE", " FOR UPDATE SKIP LOCKED") on PostgreSQL;
// nothing on SQLite, where one writer at a time already serialises them.
[[nodiscard]] inline std::string_view row_lock(const SqlConnection& c, std::string_view clause) {
  return c.backend() == "postgresql" ? clause : std::string_view{};
}

// Commits on commit(), rolls back if destroyed first.
class Transaction {
 public:
  explicit Transaction(SqlConnection& c) : c_(c) { c_.begin(); }
  ~Transaction() {
    if (!done_) {
      try { c_.rollback(); } catch (...) {}
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() { c_.commit(); done_ = true; }

 private:
  SqlConnection& c_;
  bool done_ = false;
};

}  // namespace orator::storage
