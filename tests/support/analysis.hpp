#pragma once
// Runs audio through a StreamAnalyzer and records everything it emits.
#include <vector>

#include "dsp/analyzer.hpp"

namespace orator::test_support {

struct RecordedAnalysis : dsp::AnalysisSink {
  struct Vad { bool start; double t; };
  struct NudgeEvent { dsp::Nudge nudge; dsp::NudgeInputs inputs; };
  std::vector<Vad> vad;
  std::vector<NudgeEvent> nudges;
  std::vector<dsp::IntervalMetrics> metrics;
  std::vector<std::vector<dsp::PauseRecord>> metric_pauses;  // copies (the spans are transient)
  std::vector<double> syllables;                            // nucleus times, seconds
  dsp::Assessment assessment;

  void on_vad(bool start, double t) override { vad.push_back({start, t}); }
  void on_syllable(double t) override { syllables.push_back(t); }
  void on_nudge(const dsp::Nudge& n, const dsp::NudgeInputs& in) override { nudges.push_back({n, in}); }
  void on_metrics(const dsp::IntervalMetrics& m) override {
    metrics.push_back(m);
    metric_pauses.emplace_back(m.pauses.begin(), m.pauses.end());
    metrics.back().pauses = {};
  }
  int nudge_count(dsp::NudgeCode code) const {
    int n = 0;
    for (const auto& e : nudges) n += e.nudge.code == code ? 1 : 0;
    return n;
  }
};

// Analyses `audio` (mono at `rate`) pushed in blocks of `block` samples,
// with the default analysis context unless `context` is given.
[[nodiscard]] RecordedAnalysis analyse(const std::vector<float>& audio, int rate,
                                       dsp::Mode mode = dsp::Mode::presentation, int interval_ms = 250,
                                       std::size_t block = 320,
                                       std::shared_ptr<const dsp::AnalysisContext> context = nullptr);

}  // namespace orator::test_support
