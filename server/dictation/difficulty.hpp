#pragma once
// An item's difficulty (1-5) when its author gives none: from its length in
// words, its mean word length, and the share of words outside the language's
// most common ones (docs/dictation.md gives the formula). Pure; thread-safe.
#include <string>
#include <vector>

#include "speech/dictation_scoring.hpp"

namespace orator::server::dictation {

[[nodiscard]] int estimate_difficulty(const std::vector<speech::DictationWord>& words, const std::string& locale);

}  // namespace orator::server::dictation
