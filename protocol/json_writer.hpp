#pragma once
// JSON text for a boost::json::value with numbers in plain decimal
// (Boost 1.81 writes doubles as "1.225E1"). Thread-safe.
#include <boost/json/value.hpp>

#include <string>

namespace orator::protocol {

[[nodiscard]] std::string to_json(const boost::json::value& value);

}  // namespace orator::protocol
