#include "dsp/mode.hpp"

#include <array>
#include <utility>

namespace orator::dsp {
namespace {
constexpr std::array<std::pair<Mode, std::string_view>, 6> kNames{{
    {Mode::presentation, "presentation"}, {Mode::interview, "interview"},
    {Mode::conversation, "conversation"}, {Mode::speech, "speech"},
    {Mode::pronunciation, "pronunciation"}, {Mode::dictation, "dictation"},
}};
}  // namespace

std::optional<Mode> parse_mode(std::string_view name) {
  for (const auto& [mode, text] : kNames)
    if (text == name) return mode;
  return std::nullopt;
}

std::string_view mode_name(Mode mode) {
  for (const auto& [m, text] : kNames)
    if (m == mode) return text;
  return "presentation";
}

std::string_view mode_choices() { return "presentation, interview, conversation, speech, pronunciation, dictation"; }

}  // namespace orator::dsp
