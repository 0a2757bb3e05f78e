#include "support/analysis.hpp"

#include <algorithm>
#include <span>

namespace orator::test_support {

RecordedAnalysis analyse(const std::vector<float>& audio, int rate, dsp::Mode mode, int interval_ms, std::size_t block,
                         std::shared_ptr<const dsp::AnalysisContext> context) {
  static const auto default_context = dsp::AnalysisContext::create();
  RecordedAnalysis rec;
  dsp::StreamAnalyzer analyzer(context ? context : default_context, {mode, rate, interval_ms}, rec);
  for (std::size_t i = 0; i < audio.size(); i += block)
    analyzer.push(std::span<const float>(audio.data() + i, std::min(block, audio.size() - i)));
  rec.assessment = analyzer.finish(true);
  return rec;
}

}  // namespace orator::test_support
