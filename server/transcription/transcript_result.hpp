#pragma once
// From a stream's final words to what is stored and scored: the fluency
// report, the assessment's word evidence, the transcript row, and the
// stored report with its fluency filled in. Pure; thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsp/assessment.hpp"
#include "speech/fluency.hpp"
#include "storage/store.hpp"

namespace orator::server::transcription {

struct TranscriptResult {
  speech::FluencyReport fluency;
  dsp::WordEvidence evidence;
  storage::TranscriptRecord record;
};

// Marks discourse markers in `words`, then builds everything from them.
[[nodiscard]] TranscriptResult make_transcript(std::vector<speech::Word>& words, const std::string& session_id,
                                               const std::string& user_id, const std::string& language,
                                               const std::string& source, std::int64_t now_ms);

}  // namespace orator::server::transcription
