#include "server/api/dictation_common.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "server/api/time_zone.hpp"
#include "speech/dictation_scoring.hpp"

namespace orator::server::api {
namespace json = boost::json;

std::string canonical_locale(const std::string& tag, const std::string& field) {
  std::string out;
  std::size_t index = 0;
  bool valid = !tag.empty() && tag.size() <= 35;
  for (std::size_t start = 0; valid && start <= tag.size(); ++index) {
    const auto end = std::min(tag.find_first_of("-_", start), tag.size());
    std::string sub = tag.substr(start, end - start);
    valid = !sub.empty() && sub.size() <= 8 &&
            std::all_of(sub.begin(), sub.end(), [](unsigned char c) { return std::isalnum(c); });
    if (index == 0) valid = valid && sub.size() >= 2 && sub.size() <= 3 &&
                            std::all_of(sub.begin(), sub.end(), [](unsigned char c) { return std::isalpha(c); });
    for (auto& c : sub) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (index > 0 && sub.size() == 2) for (auto& c : sub) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (index > 0 && sub.size() == 4 && std::isalpha(static_cast<unsigned char>(sub[0])))
      sub[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(sub[0])));
    out += (index ? "-" : "") + sub;
    start = end + 1;
  }
  if (!valid) throw validation_error(field + " must be a BCP-47 language tag such as en-US, fi-FI or es-ES", {{"field", field}});
  return out;
}

std::vector<storage::ItemTag> parse_tags(const json::array& tags, const std::string& field) {
  if (tags.size() > kMaxTags) throw validation_error(field + " may hold at most 20 tags", {{"field", field}});
  std::vector<storage::ItemTag> out;
  for (const auto& t : tags) {
    if (!t.is_string()) throw validation_error(field + " must be an array of strings", {{"field", field}});
    std::string name(t.as_string());
    const auto first = name.find_first_not_of(" \t\r\n");
    name = first == std::string::npos ? "" : name.substr(first, name.find_last_not_of(" \t\r\n") - first + 1);
    if (name.empty() || speech::code_points(name) > kMaxTagCharacters)
      throw validation_error("each tag must be 1-50 characters", {{"field", field}});
    std::string folded = speech::fold_case(name);
    if (std::none_of(out.begin(), out.end(), [&](const auto& o) { return o.folded == folded; }))
      out.push_back({std::move(name), std::move(folded)});
  }
  return out;
}

void check_text_length(const std::string& text, const std::string& field, std::size_t min) {
  const auto n = speech::code_points(text);
  if (n < min || n > kMaxItemCharacters)
    throw validation_error(field + " must be " + std::to_string(min) + "-10000 characters", {{"field", field}});
}

json::object item_json(const storage::DictationItem& i) {
  json::array tags;
  for (const auto& t : i.tags) tags.push_back(json::string(t.name));
  const bool ready = i.tts_status == storage::TtsStatus::ready;
  const std::string audio = "/v1/items/" + i.id + "/audio";
  return {{"id", i.id},
          {"locale", i.locale},
          {"text", i.text},
          {"difficulty", i.difficulty},
          {"difficulty_source", i.difficulty_computed ? "computed" : "given"},
          {"tags", std::move(tags)},
          {"tts_status", storage::tts_status_name(i.tts_status)},
          {"tts_error", i.tts_error ? json::value(*i.tts_error) : json::value(nullptr)},
          {"voice", i.voice.empty() ? json::value(nullptr) : json::value(i.voice)},
          {"audio_url", ready ? json::value(audio) : json::value(nullptr)},
          {"slow_audio_url", ready ? json::value(audio + "?rate=slow") : json::value(nullptr)},
          {"attempt_count", i.attempt_count},
          {"last_practiced_at", i.last_practiced_at ? json::value(format_time(*i.last_practiced_at)) : json::value(nullptr)},
          {"created_at", format_time(i.created_at)},
          {"updated_at", format_time(i.updated_at)}};
}

json::object attempt_json(const storage::DictationAttempt& a) {
  boost::system::error_code ec;
  auto alignment = json::parse(a.alignment_json, ec);
  if (ec) alignment = json::array();
  const auto* o = alignment.if_object();
  return {{"id", a.id},
          {"item_id", a.item_id},
          {"text", a.text},
          {"wer", a.wer},
          {"percentage", a.percentage},
          {"words_ref", a.words_ref},
          {"words_correct", a.words_correct},
          {"substitutions", o && o->contains("substitutions") ? o->at("substitutions") : json::value(0)},
          {"deletions", o && o->contains("deletions") ? o->at("deletions") : json::value(0)},
          {"insertions", o && o->contains("insertions") ? o->at("insertions") : json::value(0)},
          {"alignment", o && o->contains("words") ? o->at("words") : json::value(json::array())},
          {"ignore_accents", a.ignore_accents},
          {"duration_ms", a.duration_ms},
          {"duration_estimated", a.duration_estimated},
          {"created_at", format_time(a.created_at)}};
}

}  // namespace orator::server::api
