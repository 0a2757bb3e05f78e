#include "protocol/messages.hpp"

#include <boost/json.hpp>

#include "protocol/json_writer.hpp"
#include "speech/phonemes.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace orator::protocol {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxSessionId = 128;
constexpr std::size_t kMaxLang = 35;
constexpr std::size_t kMaxTargetText = 4096;

std::optional<int> parse_int(std::string_view text) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

bool all_of(std::string_view s, bool (*ok)(char)) { return std::all_of(s.begin(), s.end(), ok); }

ProtocolError invalid(std::string_view key, std::string_view why) {
  return {"INVALID_PARAMETER", std::string(key) + ": " + std::string(why)};
}

// Rounds for the wire: fewer digits, same meaning.
double r(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

json::value opt(const std::optional<double>& v, int digits) {
  if (!v) return nullptr;
  return r(*v, digits);
}

json::object stat_json(const dsp::SummaryStat& s, int digits) {
  return {{"mean", r(s.mean, digits)}, {"std", r(s.std, digits)}, {"min", r(s.min, digits)},
          {"max", r(s.max, digits)}, {"trend", s.trend}, {"slope_per_min", r(s.slope_per_min, digits)}};
}

json::object pause_json(const dsp::PauseRecord& p) {
  return {{"start", r(p.start, 2)}, {"end", r(p.end, 2)}, {"duration", r(p.duration, 2)}};
}

}  // namespace

std::optional<ProtocolError> apply_param(StreamParams& p, std::string_view key, std::string_view value) {
  if (key == "codec") {
    const auto codec = parse_codec(value);
    if (!codec) return ProtocolError{"UNSUPPORTED_CODEC", "codec must be one of f32, s16, opus; got '" + quotable(value) + "'"};
    p.format.codec = *codec;
  } else if (key == "sample_rate") {
    const auto v = parse_int(value);
    if (!v || *v < 8000 || *v > 48000) return invalid(key, "must be an integer from 8000 to 48000");
    p.format.sample_rate = *v;
  } else if (key == "channels") {
    const auto v = parse_int(value);
    if (!v || (*v != 1 && *v != 2)) return invalid(key, "must be 1 or 2");
    p.format.channels = *v;
  } else if (key == "interval_ms") {
    const auto v = parse_int(value);
    if (!v || *v < 100 || *v > 2000) return invalid(key, "must be an integer from 100 to 2000");
    p.interval_ms = *v;
  } else if (key == "mode") {
    const auto m = dsp::parse_mode(value);
    if (!m) return invalid(key, "must be one of " + std::string(dsp::mode_choices()));
    p.mode = *m;
    p.mode_given = true;
  } else if (key == "session_id") {
    if (value.empty() || value.size() > kMaxSessionId ||
        !all_of(value, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':'; }))
      return invalid(key, "must be 1-128 characters of letters, digits, '-', '_', '.', ':'");
    p.session_id = value;
  } else if (key == "lang") {
    if (value.empty() || value.size() > kMaxLang ||
        !all_of(value, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }))
      return invalid(key, "must be a BCP 47 tag such as en-US");
    p.lang = value;
  } else if (key == "transcript") {
    if (value != "true" && value != "false" && value != "1" && value != "0") return invalid(key, "must be true or false");
    p.transcript = value == "true" || value == "1";
    p.transcript_given = true;
  } else if (key == "target_text") {
    if (value.size() > kMaxTargetText) return invalid(key, "longer than 4096 bytes");
    if (!is_valid_utf8(value)) return invalid(key, "is not valid UTF-8");
    p.target_text = value;
  } else if (key == "sentence_id") {
    if (value.size() > kMaxSessionId ||
        !all_of(value, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }))
      return invalid(key, "must be a sentence id such as snt_1a2b3c4d");
    p.sentence_id = value;
  }
  return std::nullopt;
}

ClientMessage parse_client_message(std::string_view text, const StreamParams& current) {
  ClientMessage msg;
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 16;
  const json::value v = json::parse(text, ec, {}, opts);
  if (ec) {
    msg.error = {"INVALID_JSON", "text frame is not valid JSON: " + ec.message()};
    return msg;
  }
  const json::object* obj = v.if_object();
  if (!obj) {
    msg.error = {"INVALID_MESSAGE", "text frames must be JSON objects"};
    return msg;
  }
  if (const auto* eof = obj->if_contains("eof"); eof && !obj->contains("type")) {
    if ((eof->is_int64() && eof->as_int64() == 1) || (eof->is_bool() && eof->as_bool())) {
      msg.kind = ClientMessage::Kind::stop;
    } else {
      msg.error = {"INVALID_MESSAGE", "eof must be 1"};
    }
    return msg;
  }
  const auto* type = obj->if_contains("type");
  if (!type || !type->is_string()) {
    msg.error = {"INVALID_MESSAGE", "message needs a string field 'type'"};
    return msg;
  }
  const std::string_view t = type->as_string();
  if (t == "stop") {
    msg.kind = ClientMessage::Kind::stop;
    return msg;
  }
  if (t != "start") {
    msg.error = {"UNKNOWN_MESSAGE_TYPE", "unknown message type '" + std::string(t.substr(0, 32)) + "'"};
    return msg;
  }
  msg.params = current;
  for (const auto& [key, value] : *obj) {
    if (key == "type") continue;
    std::string text_value;
    if (value.is_string()) text_value = value.as_string();
    else if (value.is_int64()) text_value = std::to_string(value.as_int64());
    else if (value.is_uint64()) text_value = std::to_string(value.as_uint64());
    else if (value.is_bool() && key == "transcript") text_value = value.as_bool() ? "true" : "false";
    else if (value.is_null()) continue;
    else if (key == "codec" || key == "sample_rate" || key == "channels" || key == "interval_ms" || key == "mode" ||
             key == "session_id" || key == "lang" || key == "target_text" || key == "sentence_id" || key == "transcript") {
      msg.error = invalid(key, "has the wrong type");
      return msg;
    } else {
      continue;  // unknown extension field
    }
    if (auto err = apply_param(msg.params, key, text_value)) {
      msg.error = *err;
      return msg;
    }
  }
  msg.kind = ClientMessage::Kind::start;
  return msg;
}

std::string_view delivery_name(TranscriptDelivery d) {
  switch (d) {
    case TranscriptDelivery::live: return "live";
    case TranscriptDelivery::deferred: return "deferred";
    case TranscriptDelivery::off: break;
  }
  return "off";
}

namespace {
// What the live meters compare against: the mode's comfortable pace and the
// paces at which the too_fast / too_slow nudges fire (null when they do not).
json::object targets_json(dsp::Mode mode) {
  const auto t = dsp::mode_targets(mode);
  const auto nudges = dsp::thresholds_for(mode);
  return json::object{{"wpm", json::array{t.low_wpm, t.high_wpm}},
                      {"volume_db", json::array{t.level_low_db, t.level_high_db}},
                      {"pitch_std_semitones", t.pitch_std_st},
                      {"long_pause_s", t.long_pause_s},
                      {"too_fast_wpm", nudges.fast_enabled ? json::value(nudges.fast_wpm) : json::value(nullptr)},
                      {"too_slow_wpm", nudges.slow_enabled ? json::value(nudges.slow_wpm) : json::value(nullptr)},
                      {"too_quiet_db", nudges.quiet_db}};
}
}  // namespace

std::string ready_json(const StreamParams& p, TranscriptDelivery transcript, bool pronunciation) {
  return to_json(json::object{{"type", "ready"},
                                      {"protocol", kProtocolVersion},
                                      {"session_id", p.session_id},
                                      {"codec", codec_name(p.format.codec)},
                                      {"sample_rate", p.format.sample_rate},
                                      {"channels", p.format.channels},
                                      {"interval_ms", p.interval_ms},
                                      {"mode", dsp::mode_name(p.mode)},
                                      {"lang", p.lang},
                                      {"transcript", delivery_name(transcript)},
                                      {"pronunciation", pronunciation ? "live" : "off"},
                                      {"targets", targets_json(p.mode)}});
}

std::string metrics_json(const dsp::IntervalMetrics& m) {
  json::array pauses;
  for (const auto& p : m.pauses) pauses.push_back(pause_json(p));
  json::object data{{"t", r(m.t, 3)},
                    {"analysed_t", r(m.analysed_t, 3)},
                    {"volume", r(m.volume, 5)},
                    {"volume_db", r(m.volume_db, 1)},
                    {"peak", r(m.peak, 4)},
                    {"is_speaking", m.is_speaking},
                    {"pitch", opt(m.pitch, 1)},
                    {"pitch_semitones", opt(m.pitch_semitones, 2)},
                    {"wpm", m.wpm ? json::value(std::lround(*m.wpm)) : json::value(nullptr)},
                    {"syllables_per_sec", opt(m.syllables_per_sec, 2)},
                    {"session_wpm", m.session_wpm ? json::value(std::lround(*m.session_wpm)) : json::value(nullptr)},
                    {"speaking_time", r(m.speaking_time, 2)},
                    {"pause_count", m.pause_count},
                    {"pauses", std::move(pauses)},
                    {"nudge", m.nudge ? json::value(dsp::nudge_message(*m.nudge)) : json::value(nullptr)}};
  if (m.nudge) data["nudge_code"] = dsp::nudge_code_name(*m.nudge);
  return to_json(json::object{{"type", "metrics"}, {"data", std::move(data)}});
}

std::string nudge_json(const dsp::Nudge& n, const dsp::NudgeInputs& in) {
  json::object data{{"is_speaking", in.speaking}};
  switch (n.code) {
    case dsp::NudgeCode::too_quiet: data["volume_db"] = r(n.value, 1); data["volume"] = r(std::pow(10.0, n.value / 20.0), 4); break;
    case dsp::NudgeCode::too_loud: data["clipping_ratio"] = r(n.value, 4); break;
    case dsp::NudgeCode::too_fast:
    case dsp::NudgeCode::too_slow: data["wpm"] = std::lround(n.value); break;
    case dsp::NudgeCode::monotone: data["pitch_std_semitones"] = r(n.value, 2); break;
    case dsp::NudgeCode::long_pause: data["pause_duration"] = r(n.value, 2); break;
    case dsp::NudgeCode::filler_words: data["fillers_per_min"] = r(n.value, 1); break;
  }
  return to_json(json::object{{"type", "nudge"},
                                      {"code", dsp::nudge_code_name(n.code)},
                                      {"message", dsp::nudge_message(n.code)},
                                      {"t", r(n.t, 2)},
                                      {"data", std::move(data)}});
}

std::string vad_json(bool speech_start, double t) {
  return to_json(json::object{{"type", "vad"}, {"event", speech_start ? "speech_start" : "speech_end"}, {"t", r(t, 2)}});
}

std::string error_json(std::string_view code, std::string_view message) {
  return to_json(json::object{{"type", "error"}, {"code", code}, {"message", message}});
}

std::string overloaded_json(std::string_view message, int retry_after_seconds) {
  return to_json(json::object{{"type", "error"}, {"code", "SERVER_OVERLOADED"}, {"message", message}, {"retry_after", retry_after_seconds}});
}

json::array words_json(std::span<const speech::Word> words) {
  json::array out;
  out.reserve(words.size());
  for (const auto& w : words)
    out.push_back(json::object{{"word", w.text}, {"start", r(w.start, 2)}, {"end", r(w.end, 2)},
                               {"conf", r(w.confidence, 3)}, {"filler", w.filler}, {"marker", w.marker}});
  return out;
}

json::object fluency_json(const speech::FluencyReport& f) {
  auto tallies = [](const std::vector<speech::FillerTally>& list) {
    json::array out;
    for (const auto& t : list) {
      json::array times;
      for (double x : t.times) times.push_back(r(x, 2));
      out.push_back(json::object{{"word", t.word}, {"count", t.count}, {"times", std::move(times)}});
    }
    return out;
  };
  json::array repetitions;
  for (const auto& rep : f.repetitions) repetitions.push_back(json::object{{"text", rep.text}, {"t", r(rep.t, 2)}});
  return {{"recognizer", true},
          {"words", f.words},
          {"lexical_words", f.lexical_words},
          {"filler_count", f.filler_count},
          {"filler_ratio", r(f.filler_ratio, 4)},
          {"filler_words", tallies(f.filler_words)},
          {"discourse_marker_count", f.marker_count},
          {"discourse_markers", tallies(f.discourse_markers)},
          {"repetitions", std::move(repetitions)},
          {"speaking_time", r(f.speaking_time, 2)},
          {"wpm", opt(f.wpm, 1)},
          {"articulation_rate", opt(f.articulation_rate, 2)}};
}

std::string transcript_json(std::span<const speech::Word> words, bool final) {
  std::string text;
  for (const auto& w : words) text += (text.empty() ? "" : " ") + w.text;
  return to_json(json::object{{"type", "transcript"}, {"final", final}, {"text", std::move(text)}, {"words", words_json(words)}});
}

std::string processing_json(std::string_view stage, std::string_view status) {
  return to_json(json::object{{"type", "processing"}, {"stage", stage}, {"status", status}});
}

std::string assessment_json(const std::string& session_id, const dsp::Assessment& a, const speech::FluencyReport* fluency,
                            const json::object* pronunciation) {
  json::object pitch = a.pitch ? stat_json(*a.pitch, 1) : json::object{};
  if (a.pitch_std_semitones) pitch["std_semitones"] = r(*a.pitch_std_semitones, 2);
  json::object volume = a.volume ? stat_json(*a.volume, 5) : json::object{};
  if (a.volume_mean_db) volume["mean_db"] = r(*a.volume_mean_db, 1);
  if (a.volume_std_db) volume["std_db"] = r(*a.volume_std_db, 2);
  if (a.noise_floor_db) volume["noise_floor_db"] = r(*a.noise_floor_db, 1);
  if (a.snr_db) volume["snr_db"] = r(*a.snr_db, 1);
  volume["clipping_ratio"] = r(a.clipping_ratio, 5);

  json::array pauses;
  for (const auto& p : a.pauses) pauses.push_back(pause_json(p));
  json::array feedback;
  for (const auto& f : a.feedback)
    feedback.push_back(json::object{{"code", f.code}, {"category", f.category}, {"severity", f.severity},
                                    {"message", f.message},
                                    {"metric", json::object{{"name", f.metric}, {"value", r(f.value, 3)}, {"target", f.target}}}});
  json::object nudges;
  for (std::size_t i = 0; i < a.nudges.size(); ++i)
    if (a.nudges[i] > 0) nudges[dsp::nudge_code_name(static_cast<dsp::NudgeCode>(i))] = a.nudges[i];

  json::object metrics{{"wpm", opt(a.wpm, 1)},
                       {"wpm_source", a.words && a.words->wpm ? "words" : "syllables"},
                       {"syllables_per_sec", opt(a.syllables_per_sec, 2)},
                       {"syllable_count", a.syllable_count},
                       {"pitch", a.pitch ? json::value(std::move(pitch)) : json::value(nullptr)},
                       {"volume", a.volume ? json::value(std::move(volume)) : json::value(nullptr)},
                       {"pauses", std::move(pauses)},
                       {"pause_count", a.pauses.size()},
                       {"pause_ratio", r(a.pause_ratio, 3)},
                       {"longest_pause", r(a.longest_pause, 2)}};
  json::object report{
      {"type", "assessment"},
      {"session_id", session_id},
      {"status", a.completed ? "completed" : "interrupted"},
      {"mode", dsp::mode_name(a.mode)},
      {"duration", r(a.duration, 2)},
      {"speaking_time", r(a.speaking_time, 2)},
      {"metrics", std::move(metrics)},
      {"scores", json::object{{"overall", a.scores.overall}, {"clarity", a.scores.clarity}, {"pace", a.scores.pace},
                              {"engagement", a.scores.engagement}, {"confidence", a.scores.confidence}}},
      {"fluency", fluency ? json::value(fluency_json(*fluency))
                          : json::value(json::object{{"recognizer", false}, {"filler_words", json::array{}}, {"filler_count", nullptr}})},
      {"nudges", std::move(nudges)}};
  // The timeline (a point a second, the bulk of a long report, and written
  // again by every checkpoint) goes straight to text: no JSON object per point.
  std::string out;
  out.reserve(2048 + 96 * a.timeline.size() + 64 * a.pauses.size());
  append_json(out, report);
  out.pop_back();  // the closing brace: the members below follow in the same object
  out += R"(,"timeline":[)";
  for (std::size_t i = 0; i < a.timeline.size(); ++i) {
    const dsp::TimelinePoint& p = a.timeline[i];
    out += i == 0 ? R"({"t":)" : R"(,{"t":)";
    append_json_number(out, p.t);
    out += R"(,"volume_db":)";
    append_json_number(out, r(p.volume_db, 1));
    out += R"(,"pitch":)";
    if (p.pitch) append_json_number(out, r(*p.pitch, 1)); else out += "null";
    out += R"(,"speech_ratio":)";
    append_json_number(out, r(p.speech_ratio, 2));
    out += R"(,"wpm":)";
    out += p.wpm ? std::to_string(std::lround(*p.wpm)) : std::string("null");
    out += '}';
  }
  out += R"(],"feedback":)";
  append_json(out, feedback);
  out += R"(,"targets":)";
  append_json(out, targets_json(a.mode));
  if (pronunciation) {
    out += R"(,"pronunciation":)";
    append_json(out, *pronunciation);
  }
  out += '}';
  return out;
}

std::string pronunciation_json(const speech::WordAssessment& w) {
  json::array phones;
  for (const auto& p : w.phones) {
    const auto known = speech::find_phoneme(p.phone);
    json::object ph{{"phone", p.phone}, {"ipa", known ? known->ipa : ""}, {"score", p.score}};
    if (!p.said_as.empty()) ph["heard"] = p.said_as;
    phones.push_back(std::move(ph));
  }
  const bool said = w.status != speech::WordStatus::omitted;
  return to_json(json::object{{"type", "pronunciation"},
                              {"word", w.text},
                              {"index", w.target ? json::value(*w.target) : json::value(nullptr)},
                              {"score", w.score},
                              {"status", speech::word_status_name(w.status)},
                              {"start", said ? json::value(r(w.start, 2)) : json::value(nullptr)},
                              {"end", said ? json::value(r(w.end, 2)) : json::value(nullptr)},
                              {"phones", std::move(phones)}});
}

}  // namespace orator::protocol
