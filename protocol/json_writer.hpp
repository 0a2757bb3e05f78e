#pragma once
// JSON text for a boost::json::value with numbers in plain decimal
// (Boost 1.81 writes doubles as "1.225E1"). Thread-safe.
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace orator::protocol {

[[nodiscard]] std::string to_json(const boost::json::value& value);
// Appends `value`'s JSON text to `out` (what to_json returns).
void append_json(std::string& out, const boost::json::value& value);
// Appends a number as to_json writes a double: fixed notation, shortest
// digits that round-trip, null when not finite.
void append_json_number(std::string& out, double value);

// Whether `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points past U+10FFFF): text frames must be, so user-supplied strings are
// checked before they are echoed.
[[nodiscard]] bool is_valid_utf8(std::string_view text);

// At most `max_bytes` of `text` safe to quote in an error message: printable
// ASCII kept, anything else shown as '?'.
[[nodiscard]] std::string quotable(std::string_view text, std::size_t max_bytes = 32);

}  // namespace orator::protocol
