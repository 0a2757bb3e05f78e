#include "server/transcription/transcript_result.hpp"

#include <boost/json.hpp>

#include "protocol/json_writer.hpp"
#include "protocol/messages.hpp"

namespace orator::server::transcription {
namespace json = boost::json;

TranscriptResult make_transcript(std::vector<speech::Word>& words, const std::string& session_id, const std::string& user_id,
                                 const std::string& language, const std::string& source, std::int64_t now_ms) {
  speech::mark_discourse_markers(words);
  TranscriptResult out;
  out.fluency = speech::analyse_fluency(words);
  const auto& f = out.fluency;
  out.evidence = {f.words, f.lexical_words, f.filler_count, f.filler_ratio, static_cast<int>(f.repetitions.size()), f.wpm,
                  f.articulation_rate};
  std::string text;
  double confidence = 0;
  for (const auto& w : words) {
    text += (text.empty() ? "" : " ") + w.text;
    confidence += w.confidence;
  }
  auto& r = out.record;
  r.session_id = session_id;
  r.user_id = user_id;
  r.language = language;
  r.text = std::move(text);
  if (!words.empty()) r.confidence = confidence / static_cast<double>(words.size());
  r.words_json = protocol::to_json(protocol::words_json(words));
  r.fluency_json = protocol::to_json(protocol::fluency_json(f));
  r.source = source;
  r.created_at = now_ms;
  return out;
}

}  // namespace orator::server::transcription
