#include "protocol/stored_report.hpp"

#include <boost/json.hpp>

#include "protocol/json_writer.hpp"
#include "protocol/messages.hpp"

namespace orator::protocol {
namespace json = boost::json;
namespace {

// Typed access that names what is wrong instead of throwing json's errors.
struct Reader {
  std::string error;

  const json::value* field(const json::object& o, std::string_view key, std::string_view where) {
    const auto* v = o.if_contains(key);
    if (!v && error.empty()) error = std::string(where) + "." + std::string(key) + " is missing";
    return v;
  }
  double number(const json::object& o, std::string_view key, std::string_view where) {
    const auto* v = field(o, key, where);
    if (!v) return 0;
    if (v->is_number()) return v->to_number<double>();
    if (error.empty()) error = std::string(where) + "." + std::string(key) + " is not a number";
    return 0;
  }
  std::optional<double> optional_number(const json::object& o, std::string_view key, std::string_view where) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    return number(o, key, where);
  }
  std::string text(const json::object& o, std::string_view key, std::string_view where) {
    const auto* v = field(o, key, where);
    if (v && v->is_string()) return std::string(v->as_string());
    if (v && error.empty()) error = std::string(where) + "." + std::string(key) + " is not a string";
    return {};
  }
  const json::object* object(const json::object& o, std::string_view key, std::string_view where) {
    const auto* v = field(o, key, where);
    if (v && v->is_object()) return &v->as_object();
    if (v && error.empty()) error = std::string(where) + "." + std::string(key) + " is not an object";
    return nullptr;
  }
  const json::array* array(const json::object& o, std::string_view key, std::string_view where) {
    const auto* v = field(o, key, where);
    if (v && v->is_array()) return &v->as_array();
    if (v && error.empty()) error = std::string(where) + "." + std::string(key) + " is not an array";
    return nullptr;
  }
};

}  // namespace

std::optional<StoredReport> read_stored_report(std::string_view text, std::string& error) {
  boost::system::error_code ec;
  const auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) {
    error = "the report is not a JSON object";
    return std::nullopt;
  }
  const auto& o = doc.as_object();
  Reader r;
  StoredReport out;
  out.session_id = r.text(o, "session_id", "report");
  out.status = r.text(o, "status", "report");
  out.mode = r.text(o, "mode", "report");
  out.duration = r.number(o, "duration", "report");
  out.speaking_time = r.number(o, "speaking_time", "report");
  if (const auto* s = r.object(o, "scores", "report")) {
    out.scores.overall = static_cast<int>(r.number(*s, "overall", "scores"));
    out.scores.clarity = static_cast<int>(r.number(*s, "clarity", "scores"));
    out.scores.pace = static_cast<int>(r.number(*s, "pace", "scores"));
    out.scores.engagement = static_cast<int>(r.number(*s, "engagement", "scores"));
    out.scores.confidence = static_cast<int>(r.number(*s, "confidence", "scores"));
  }
  if (const auto* timeline = r.array(o, "timeline", "report"))
    for (const auto& v : *timeline) {
      if (!v.is_object()) {
        r.error = "a timeline point is not an object";
        break;
      }
      const auto& p = v.as_object();
      out.timeline.push_back({r.number(p, "t", "timeline"), r.number(p, "volume_db", "timeline"),
                              r.number(p, "speech_ratio", "timeline"), r.optional_number(p, "pitch", "timeline"),
                              r.optional_number(p, "wpm", "timeline")});
    }
  if (const auto* metrics = r.object(o, "metrics", "report"))
    if (const auto* pauses = r.array(*metrics, "pauses", "metrics"))
      for (const auto& v : *pauses) {
        if (!v.is_object()) {
          r.error = "a pause is not an object";
          break;
        }
        const auto& p = v.as_object();
        out.pauses.push_back({r.number(p, "start", "pause"), r.number(p, "end", "pause"), r.number(p, "duration", "pause")});
      }
  if (!r.error.empty()) {
    error = "the report is damaged: " + r.error;
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> report_with_fluency(std::string_view text, const speech::FluencyReport& fluency) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  v.as_object()["fluency"] = fluency_json(fluency);
  return to_json(v);
}

}  // namespace orator::protocol
