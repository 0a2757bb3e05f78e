#include "server/pronunciation/live_pronunciation.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/pronunciation/assessments.hpp"

namespace orator::server::pronunciation {
namespace {
constexpr std::size_t kRate = 16000;
constexpr std::size_t kMaxSamples = static_cast<std::size_t>(LivePronunciation::kMaxSeconds) * kRate;
constexpr std::size_t kMinNewSamples = kRate;  // an interim pass needs a second of new audio
// A settled word's audio ends this long after its last phone: the aligner
// may end a final stop before its release.
constexpr std::size_t kSettleMarginSamples = kRate / 10;

// `part`, the assessment of the target's words from `first_word` on over the
// audio from `offset` seconds, after the words settled before it.
speech::PronunciationAssessment joined(std::vector<speech::WordAssessment> settled, speech::PronunciationAssessment part,
                                       std::size_t first_word, double offset) {
  for (auto& w : part.words) {
    if (w.target) *w.target += first_word;
    for (auto& p : w.phones) p.start += offset, p.end += offset;
    settled.push_back(std::move(w));
  }
  return speech::scored(std::move(settled));
}

// The last target word an assessment found said: while reading, it and the
// words before it are finished (reported, then settled).
std::optional<std::size_t> last_said(const speech::PronunciationAssessment& a) {
  std::optional<std::size_t> last;
  for (const auto& w : a.words)
    if (w.target && w.status != speech::WordStatus::omitted) last = std::max(last.value_or(0), *w.target);
  return last;
}
}  // namespace

LivePronunciation::LivePronunciation(speech::Target target, Post post, WordHandler on_word)
    : target_(std::make_shared<const speech::Target>(std::move(target))),
      post_(std::move(post)),
      on_word_(std::move(on_word)),
      reported_(target_->words.size(), false) {
  samples_.reserve(kRate * 8);
}

LivePronunciation::~LivePronunciation() { *alive_ = false; }

double LivePronunciation::kept_seconds() const { return static_cast<double>(samples_.size()) / kRate; }

double LivePronunciation::decoded_seconds() const { return static_cast<double>(decoded_samples_) / kRate; }

bool LivePronunciation::push(std::span<const float> samples16k) {
  const auto room = kMaxSamples - samples_.size();
  samples_.insert(samples_.end(), samples16k.begin(), samples16k.begin() + static_cast<std::ptrdiff_t>(std::min(room, samples16k.size())));
  return samples16k.size() <= room;
}

void LivePronunciation::on_speech() { spoken_since_pass_ = true; }

void LivePronunciation::on_pause() {
  if (finished_ || running_ || samples_.size() < assessed_samples_ + kMinNewSamples) return;
  running_ = true;
  spoken_since_pass_ = false;
  assessed_samples_ = samples_.size();
  last_pass_.reset();
  assess_async(false, {}, [this](std::optional<speech::PronunciationAssessment> a) {
    running_ = false;
    if (a) settle(*a);
    last_pass_ = std::move(a);
    if (final_done_) complete_from_last_pass();
  });
}

void LivePronunciation::settle(const speech::PronunciationAssessment& pass) {
  // The words reported (report()) and their audio are left out of later
  // passes. An interim pass holds the target's words in order.
  const auto last = last_said(pass);
  if (!last || *last < settled_.size()) return;
  // The pass ended in a pause, so the word is over even where its last phone
  // was stretched over that pause (digital silence is aligned to anything).
  // The pass saw the audio up to assessed_samples_.
  const auto cut = std::min(static_cast<std::size_t>(pass.words[*last].end * kRate) + kSettleMarginSamples, assessed_samples_);
  settled_.assign(pass.words.begin(), pass.words.begin() + static_cast<std::ptrdiff_t>(*last + 1));
  settled_samples_ = cut;
}

void LivePronunciation::complete_from_last_pass() {
  auto done = std::move(final_done_);
  final_done_ = nullptr;
  if (!last_pass_) return assess_async(true, std::move(final_transcript_), std::move(done));  // that pass failed
  auto whole = speech::with_transcript(std::move(*last_pass_), *target_, final_transcript_);
  last_pass_.reset();
  report(whole, true);
  done(std::move(whole));
}

void LivePronunciation::finish(std::vector<speech::Word> transcript, DoneHandler done) {
  finished_ = true;
  if (samples_.size() < kRate / 10) {
    // Nothing to align: every word is omitted (a decoder would only say so slower).
    speech::PronunciationAssessment none;
    for (std::size_t i = 0; i < target_->words.size(); ++i) {
      speech::WordAssessment w;
      w.text = target_->words[i].spoken;
      w.target = i;
      none.words.push_back(std::move(w));
    }
    report(none, true);
    done(std::move(none));
    return;
  }
  if (!spoken_since_pass_ && (running_ || last_pass_)) {
    // Nothing said since the last pause's pass began: that pass has every
    // word, and only the transcript's part is left (no second decoding).
    final_transcript_ = std::move(transcript);
    final_done_ = std::move(done);
    if (!running_) post_([alive = std::weak_ptr<bool>(alive_), this] {
      if (const auto live = alive.lock(); live && *live && final_done_) complete_from_last_pass();
    });
    return;
  }
  assess_async(true, std::move(transcript), std::move(done));
}

void LivePronunciation::assess_async(bool final_pass, std::vector<speech::Word> transcript, DoneHandler done) {
  ++decodings_;
  // A pass decodes what follows the settled words, against the words after
  // them: a reading's passes together decode its audio about once. It reads
  // a copy: the stream keeps appending meanwhile.
  const std::size_t first_word = settled_.size();
  const double offset = static_cast<double>(settled_samples_) / kRate;
  auto audio = std::make_shared<std::vector<float>>(samples_.begin() + static_cast<std::ptrdiff_t>(settled_samples_), samples_.end());
  if (final_pass) samples_ = {};
  decoded_samples_ += audio->size();
  auto rest = std::make_shared<speech::Target>();
  rest->words.assign(target_->words.begin() + static_cast<std::ptrdiff_t>(first_word), target_->words.end());
  auto deliver = [post = post_, alive = std::weak_ptr<bool>(alive_), this, final_pass, done](std::optional<speech::PronunciationAssessment> a) {
    post([alive, this, final_pass, done, a = std::move(a)]() mutable {
      const auto live = alive.lock();
      if (!live || !*live) return;
      if (a && (final_pass || !finished_)) report(*a, final_pass);
      done(std::move(a));
    });
  };
  const bool queued = AssessorPool::instance().submit([audio, rest, settled = settled_, first_word, offset, target = target_,
                                                       transcript = std::move(transcript), deliver, final_pass]() mutable {
    std::optional<speech::PronunciationAssessment> result;
    try {
      const auto reading = final_pass ? speech::Reading::whole : speech::Reading::so_far;
      auto part = rest->words.empty() ? speech::PronunciationAssessment{} : AssessorPool::instance().assess_audio(*audio, *rest, reading);
      auto whole = joined(std::move(settled), std::move(part), first_word, offset);
      // An interim pass leaves the transcript's part for the end.
      result = final_pass ? speech::with_transcript(std::move(whole), *target, transcript) : std::move(whole);
    } catch (const std::exception& e) {
      spdlog::warn("live pronunciation assessment failed: {}", e.what());
    }
    deliver(std::move(result));
  });
  if (!queued) deliver(std::nullopt);
}

void LivePronunciation::report(const speech::PronunciationAssessment& a, bool final_pass) {
  // While reading, the target words up to the last one said; at the end, every word.
  const auto last = last_said(a);
  for (const auto& w : a.words) {
    if (!w.target) {
      if (final_pass) on_word_(w);  // inserted or repeated: known only from the whole attempt
      continue;
    }
    const auto i = *w.target;
    if (i >= reported_.size() || reported_[i]) continue;
    if (!final_pass && (!last || i > *last)) continue;
    reported_[i] = true;
    on_word_(w);
  }
}

}  // namespace orator::server::pronunciation
