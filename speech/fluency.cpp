#include "speech/fluency.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace orator::speech {
namespace {

// Discourse markers, one or two words, that people use as fillers.
constexpr std::array<std::array<std::string_view, 2>, 8> kMarkers = {{
    {"you", "know"}, {"i", "mean"}, {"yknow", ""}, {"like", ""},
    {"so", ""}, {"basically", ""}, {"actually", ""}, {"literally", ""},
}};

// Is there a break (pause, hesitation, or the edge of the speech) before word i?
bool break_before(std::span<const Word> w, std::size_t i) {
  if (i == 0) return true;
  return w[i - 1].filler || w[i].start - w[i - 1].end >= kMarkerGapSeconds;
}
bool break_after(std::span<const Word> w, std::size_t i) {
  if (i + 1 >= w.size()) return true;
  return w[i + 1].filler || w[i + 1].start - w[i].end >= kMarkerGapSeconds;
}

bool is_two_word_marker(std::string_view first, std::string_view second) {
  for (const auto& m : kMarkers)
    if (!m[1].empty() && m[0] == first && m[1] == second) return true;
  return false;
}

void tally(std::vector<FillerTally>& tallies, const std::string& word, double t) {
  auto it = std::find_if(tallies.begin(), tallies.end(), [&](const FillerTally& f) { return f.word == word; });
  if (it == tallies.end()) it = tallies.insert(tallies.end(), FillerTally{word, 0, {}});
  ++it->count;
  it->times.push_back(t);
}

}  // namespace

void mark_discourse_markers(std::span<Word> words) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i].filler) continue;
    for (const auto& m : kMarkers) {
      const std::size_t len = m[1].empty() ? 1 : 2;
      if (i + len > words.size() || words[i].text != m[0] || (len == 2 && words[i + 1].text != m[1])) continue;
      if (len == 2 && words[i + 1].start - words[i].end >= kMarkerGapSeconds) continue;  // not said as one
      if (!break_before(words, i) || !break_after(words, i + len - 1)) continue;
      for (std::size_t k = i; k < i + len; ++k) words[k].marker = true;
      i += len - 1;
      break;
    }
  }
}

FluencyReport analyse_fluency(std::span<const Word> words) {
  FluencyReport r;
  r.words = static_cast<int>(words.size());
  std::vector<const Word*> lexical;
  int syllables = 0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const Word& w = words[i];
    if (w.filler) {
      ++r.filler_count;
      tally(r.filler_words, w.text, w.start);
    } else if (w.marker) {
      // A two-word marker ("you know") is one occurrence.
      std::string name = w.text;
      if (i + 1 < words.size() && words[i + 1].marker && is_two_word_marker(w.text, words[i + 1].text))
        name += " " + words[++i].text;
      ++r.marker_count;
      tally(r.discourse_markers, name, w.start);
    } else {
      lexical.push_back(&w);
      syllables += std::max(1, w.syllables);
      r.articulation_time += std::max(0.0, w.end - w.start);
    }
  }
  r.lexical_words = static_cast<int>(lexical.size());
  r.filler_ratio = r.words ? static_cast<double>(r.filler_count) / r.words : 0.0;

  // Speaking time: every word counts (a filler is speaking), pauses do not.
  for (std::size_t i = 0; i < words.size(); ++i) {
    r.speaking_time += std::max(0.0, words[i].end - words[i].start);
    if (i + 1 < words.size()) {
      const double gap = words[i + 1].start - words[i].end;
      if (gap > 0 && gap < kPauseSeconds) r.speaking_time += gap;
    }
  }
  if (r.speaking_time > 0 && !lexical.empty()) r.wpm = 60.0 * r.lexical_words / r.speaking_time;
  if (r.articulation_time > 0) r.articulation_rate = syllables / r.articulation_time;

  // Repetitions: the same 1-3 lexical words again straight after (fillers and
  // markers between them do not break it), within kRepetitionGapSeconds.
  for (std::size_t i = 0; i < lexical.size();) {
    std::size_t found = 0;
    for (std::size_t n = 3; n >= 1 && !found; --n) {
      if (i + 2 * n > lexical.size()) continue;
      bool same = true;
      for (std::size_t k = 0; k < n && same; ++k) same = lexical[i + k]->text == lexical[i + n + k]->text;
      if (same && lexical[i + n]->start - lexical[i + n - 1]->end <= kRepetitionGapSeconds) found = n;
    }
    if (!found) {
      ++i;
      continue;
    }
    std::string text;
    for (std::size_t k = 0; k < found; ++k) text += (k ? " " : "") + lexical[i + k]->text;
    r.repetitions.push_back({text, lexical[i + found]->start});
    i += found;  // "the the the" is two repetitions
  }
  return r;
}

}  // namespace orator::speech
