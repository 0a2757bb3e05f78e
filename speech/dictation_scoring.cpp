#include "speech/dictation_scoring.hpp"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>

namespace orator::speech {
namespace {

bool is_apostrophe(UChar32 c) { return c == 0x27 || c == 0x2018 || c == 0x2019 || c == 0x02BC || c == 0xFF07; }

// What a word is compared by: folded, optionally without accents, letters,
// marks and digits only.
std::string word_key(const icu::UnicodeString& word, bool ignore_accents) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded(word);
  folded.foldCase(U_FOLD_CASE_DEFAULT);
  if (ignore_accents) {
    const auto* nfd = icu::Normalizer2::getNFDInstance(status);
    if (U_SUCCESS(status)) folded = nfd->normalize(folded, status);
  }
  icu::UnicodeString kept;
  for (int32_t i = 0; i < folded.length();) {
    const UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    if (is_apostrophe(c)) continue;
    const auto type = u_charType(c);
    if (ignore_accents && type == U_NON_SPACING_MARK) continue;
    if (u_isalnum(c) || type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK) kept.append(c);
  }
  if (ignore_accents) {
    status = U_ZERO_ERROR;
    const auto* nfc = icu::Normalizer2::getNFCInstance(status);
    if (U_SUCCESS(status)) kept = nfc->normalize(kept, status);
  }
  std::string out;
  kept.toUTF8String(out);
  return out;
}

enum class Step : std::uint8_t { diagonal, deletion, insertion };

// The word-level Levenshtein alignment of ref against hyp, in reading order
// (indices offset by `first`), over a band of the table around its diagonal
// (Ukkonen). A path that leaves a band `b` cells wide either side must shift
// b + 1 off the diagonal and come back to the end's offset |n - m|, so it
// costs at least 2(b + 1) - |n - m|: a distance d found inside the band is
// exact when d <= 2b + 2 - |n - m|. A first, narrow pass bounds d from above;
// a second at b = (d + |n - m|) / 2 + 1, when needed, is exact by that rule.
// Attempts are mostly right, so this fills a fraction of the full table.
std::vector<AlignedWord> align_middle(std::span<const int> ref, std::span<const int> hyp, int first) {
  const std::size_t n = ref.size(), m = hyp.size();
  constexpr std::uint32_t kOutside = 1u << 30;
  const std::size_t skew = n > m ? n - m : m - n;
  std::size_t band = skew + 32;
  std::vector<Step> steps;
  std::vector<std::uint32_t> previous, current;
  // Row i keeps columns i - band .. i + band.
  const auto at = [&](std::size_t i, std::size_t j) -> Step& { return steps[i * (2 * band + 1) + (j + band - i)]; };
  for (;;) {
    band = std::min(band, std::max(n, m));
    steps.assign((n + 1) * (2 * band + 1), Step::diagonal);
    previous.assign(m + 2, kOutside);
    current.assign(m + 2, kOutside);
    for (std::size_t j = 0; j <= std::min(m, band); ++j) previous[j] = static_cast<std::uint32_t>(j), at(0, j) = Step::insertion;
    for (std::size_t i = 1; i <= n; ++i) {
      const std::size_t lo = i > band ? i - band : 0, hi = std::min(m, i + band);
      if (lo == 0) {
        current[0] = static_cast<std::uint32_t>(i);
        at(i, 0) = Step::deletion;
      } else {
        current[lo - 1] = kOutside;  // left of the band (a stale value from two rows up otherwise)
      }
      const int r = ref[i - 1];
      for (std::size_t j = std::max<std::size_t>(lo, 1); j <= hi; ++j) {
        const std::uint32_t diagonal = previous[j - 1] + (r == hyp[j - 1] ? 0 : 1);
        const std::uint32_t deletion = previous[j] + 1, insertion = current[j - 1] + 1;
        std::uint32_t best = diagonal;
        Step step = Step::diagonal;
        if (deletion < best) best = deletion, step = Step::deletion;
        if (insertion < best) best = insertion, step = Step::insertion;
        current[j] = best;
        at(i, j) = step;
      }
      std::swap(previous, current);
    }
    const std::size_t distance = previous[m];
    if (distance <= 2 * band + 2 - skew || band >= std::max(n, m)) break;
    band = (distance + skew) / 2 + 1;
  }
  std::vector<AlignedWord> middle;
  for (std::size_t i = n, j = m; i > 0 || j > 0;) {
    const Step step = at(i, j);
    const int ri = first + static_cast<int>(i) - 1, hj = first + static_cast<int>(j) - 1;
    if (i > 0 && j > 0 && step == Step::diagonal) {
      middle.push_back({ref[i - 1] == hyp[j - 1] ? WordMark::correct : WordMark::substituted, ri, hj});
      --i, --j;
    } else if (i > 0 && (j == 0 || step == Step::deletion)) {
      middle.push_back({WordMark::deleted, ri, -1});
      --i;
    } else {
      middle.push_back({WordMark::inserted, -1, hj});
      --j;
    }
  }
  std::reverse(middle.begin(), middle.end());
  return middle;
}

}  // namespace

std::string_view word_mark_name(WordMark mark) {
  switch (mark) {
    case WordMark::correct: return "correct";
    case WordMark::substituted: return "substituted";
    case WordMark::deleted: return "deleted";
    case WordMark::inserted: return "inserted";
  }
  return "correct";
}

std::string fold_case(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  if (const auto* nfc = icu::Normalizer2::getNFCInstance(status); U_SUCCESS(status)) s = nfc->normalize(s, status);
  s.foldCase(U_FOLD_CASE_DEFAULT);
  std::string out;
  s.toUTF8String(out);
  return out;
}

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::vector<DictationWord> dictation_words(std::string_view text, const DictationOptions& options) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  if (const auto* nfc = icu::Normalizer2::getNFCInstance(status); U_SUCCESS(status)) source = nfc->normalize(source, status);
  status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> words(
      icu::BreakIterator::createWordInstance(icu::Locale::forLanguageTag(options.locale.c_str(), status), status));
  std::vector<DictationWord> out;
  if (U_FAILURE(status) || !words) return out;
  words->setText(source);
  for (int32_t start = words->first(), end = words->next(); end != icu::BreakIterator::DONE; start = end, end = words->next()) {
    if (words->getRuleStatus() == UBRK_WORD_NONE) continue;  // spaces, punctuation, symbols
    const icu::UnicodeString word(source, start, end - start);
    std::string key = word_key(word, options.ignore_accents);
    if (key.empty()) continue;
    std::string display;
    word.toUTF8String(display);
    out.push_back({std::move(display), std::move(key)});
  }
  return out;
}

DictationScore score_dictation(std::string_view reference, std::string_view typed, const DictationOptions& options) {
  DictationScore s;
  s.reference = dictation_words(reference, options);
  s.typed = dictation_words(typed, options);
  // Words compared as integers: one hash per word instead of a string
  // comparison per cell of the table.
  std::unordered_map<std::string_view, int> ids;
  const auto id_of = [&](const DictationWord& w) { return ids.emplace(w.key, static_cast<int>(ids.size())).first->second; };
  std::vector<int> ref, hyp;
  ref.reserve(s.reference.size());
  hyp.reserve(s.typed.size());
  for (const auto& w : s.reference) ref.push_back(id_of(w));
  for (const auto& w : s.typed) hyp.push_back(id_of(w));

  // Common beginnings and ends need no table: most attempts are mostly right.
  std::size_t head = 0;
  while (head < ref.size() && head < hyp.size() && ref[head] == hyp[head]) ++head;
  std::size_t tail = 0;
  while (tail < ref.size() - head && tail < hyp.size() - head && ref[ref.size() - 1 - tail] == hyp[hyp.size() - 1 - tail]) ++tail;
  const std::size_t n = ref.size() - head - tail, m = hyp.size() - head - tail;

  const auto middle = align_middle(std::span(ref).subspan(head, n), std::span(hyp).subspan(head, m), static_cast<int>(head));
  for (std::size_t k = 0; k < head; ++k) s.alignment.push_back({WordMark::correct, static_cast<int>(k), static_cast<int>(k)});
  s.alignment.insert(s.alignment.end(), middle.begin(), middle.end());
  for (std::size_t k = tail; k > 0; --k)
    s.alignment.push_back({WordMark::correct, static_cast<int>(ref.size() - k), static_cast<int>(hyp.size() - k)});

  for (const auto& a : s.alignment) {
    switch (a.mark) {
      case WordMark::correct: ++s.words_correct; break;
      case WordMark::substituted: ++s.substitutions; break;
      case WordMark::deleted: ++s.deletions; break;
      case WordMark::inserted: ++s.insertions; break;
    }
  }
  s.words_ref = static_cast<int>(ref.size());
  const int errors = s.substitutions + s.deletions + s.insertions;
  s.wer = s.words_ref > 0 ? static_cast<double>(errors) / s.words_ref : (errors > 0 ? 1.0 : 0.0);
  s.percentage = std::max(0.0, 100.0 * (1.0 - s.wer));
  return s;
}

}  // namespace orator::speech
