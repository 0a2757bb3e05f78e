#pragma once
// The stored report, read back into types: the document assessment_json
// writes (docs/protocol.md, "assessment"), as kept in the database and served
// by the REST views. One reader, so no view looks keys up on its own.
// Pure; thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "speech/fluency.hpp"

namespace orator::protocol {

struct ReportScores {
  int overall = 0, clarity = 0, pace = 0, engagement = 0, confidence = 0;
};

struct ReportPoint {  // one second of the timeline
  double t = 0, volume_db = 0, speech_ratio = 0;
  std::optional<double> pitch, wpm;
};

struct ReportPause {
  double start = 0, end = 0, duration = 0;
};

struct StoredReport {
  std::string session_id, status, mode;
  double duration = 0, speaking_time = 0;
  ReportScores scores;
  std::vector<ReportPoint> timeline;
  std::vector<ReportPause> pauses;
};

// nullopt with `error` when `text` is not a report (not JSON, or a field
// missing or of the wrong type).
[[nodiscard]] std::optional<StoredReport> read_stored_report(std::string_view text, std::string& error);

// The report with its `fluency` replaced by `fluency` (a transcript made
// after the stream); nullopt when `text` is not a report.
[[nodiscard]] std::optional<std::string> report_with_fluency(std::string_view text, const speech::FluencyReport& fluency);

}  // namespace orator::protocol
