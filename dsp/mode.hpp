#pragma once
// Practice modes select nudge thresholds and scoring targets.
#include <optional>
#include <string_view>

namespace orator::dsp {

enum class Mode { presentation, interview, conversation, speech, pronunciation, dictation };

[[nodiscard]] std::optional<Mode> parse_mode(std::string_view name);
[[nodiscard]] std::string_view mode_name(Mode mode);
// "presentation, interview, ...": for error messages that list the choices.
[[nodiscard]] std::string_view mode_choices();

}  // namespace orator::dsp
