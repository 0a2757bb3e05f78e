#include "storage/sql.hpp"

#include <charconv>

namespace orator::storage {

std::int64_t SqlRow::integer(std::size_t i) const {
  const auto v = optional_integer(i);
  if (!v) throw StorageError("column " + std::to_string(i) + " is null");
  return *v;
}

std::optional<std::int64_t> SqlRow::optional_integer(std::size_t i) const {
  const auto& f = fields_.at(i);
  if (!f) return std::nullopt;
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(f->data(), f->data() + f->size(), v);
  if (ec != std::errc()) throw StorageError("column " + std::to_string(i) + " is not an integer: " + *f);
  return v;
}

double SqlRow::real(std::size_t i) const {
  const auto v = optional_real(i);
  if (!v) throw StorageError("column " + std::to_string(i) + " is null");
  return *v;
}

std::optional<double> SqlRow::optional_real(std::size_t i) const {
  const auto& f = fields_.at(i);
  if (!f) return std::nullopt;
  try {
    return std::stod(*f);
  } catch (const std::exception&) {
    throw StorageError("column " + std::to_string(i) + " is not a number: " + *f);
  }
}

}  // namespace orator::storage
