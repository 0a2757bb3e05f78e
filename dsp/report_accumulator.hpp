#pragma once
// Accumulates everything the final assessment needs from decided frames, in
// fixed memory except the pause list and the per-second timeline (8 bytes a
// pause or second, bounded by the stream-length limit; with a ReportSpill only
// the last few hundred of each stay in memory). Not thread-safe.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "dsp/assessment.hpp"
#include "dsp/report_spill.hpp"

namespace orator::dsp {

struct DecidedFrame {
  std::int64_t index = 0;
  double mean_square = 0;   // 10 ms frame energy
  float f0 = 0;             // Hz, 0 unvoiced
  bool speech = false;      // speech candidate
};

class ReportAccumulator {
 public:
  ReportAccumulator();
  void add_frame(const DecidedFrame& frame);
  void add_syllable() { ++syllables_; }
  [[nodiscard]] int syllables() const { return syllables_; }
  // `pause` starts and ends on 10 ms frames, as the speech detector's do.
  void add_pause(const PauseRecord& pause);
  void add_clipping(std::int64_t clipped, std::int64_t samples) { clipped_ += clipped; samples_ += samples; }
  void set_pace_at_second_end(std::optional<double> wpm) { pending_wpm_ = wpm; }
  void add_nudge(int code) { ++nudges_[static_cast<std::size_t>(code)]; }
  // Timeline and pause blocks go to `spill` from now on; it must outlive this
  // object and its copies (finish() reads it back; copies never write).
  // nullptr keeps them in memory.
  void set_spill(ReportSpill* spill);

  // Builds the report. `first_speech`/`last_speech` bound the speech span.
  [[nodiscard]] Assessment finish(Mode mode, bool completed, double duration, double speaking_time,
                                  std::optional<double> first_speech, std::optional<double> last_speech,
                                  double words_per_syllable);

 private:
  static constexpr int kPitchBins = 600;   // 0.1 semitone bins above 27.5 Hz
  static constexpr int kDbBins = 121;      // 1 dB bins, -120..0 dBFS
  void close_second();
  // The spill holds blocks one after another, each a run of seconds or of
  // pauses; the blocks' places are all that stays here (16 bytes per block).
  struct SpilledBlock {
    std::uint64_t offset = 0;
    std::uint32_t count = 0;
  };
  template <class T>
  void spill_block(std::vector<T>& held, std::vector<SpilledBlock>& blocks);
  [[nodiscard]] static std::size_t held_in(const std::vector<SpilledBlock>& blocks);
  template <class T, class Each>
  void read_back(const std::vector<SpilledBlock>& blocks, Each&& each) const;
  static constexpr std::size_t kSpillBlock = 256;  // seconds or pauses held before a spill (2 KB)

  std::array<std::uint32_t, kPitchBins> pitch_hist_{};
  std::array<std::uint32_t, kDbBins> speech_db_hist_{}, other_db_hist_{};
  double pitch_n_ = 0, pitch_sum_ = 0, pitch_sumsq_ = 0, st_sum_ = 0, st_sumsq_ = 0;
  double st_t_sum_ = 0, st_tt_sum_ = 0, st_ty_sum_ = 0;     // regression of semitones on time
  double vol_n_ = 0, vol_sum_ = 0, vol_sumsq_ = 0, ms_sum_ = 0;
  double db_t_sum_ = 0, db_tt_sum_ = 0, db_y_sum_ = 0, db_ty_sum_ = 0;
  std::int64_t clipped_ = 0, samples_ = 0;
  int syllables_ = 0;
  // A pause as its frames: 8 bytes where a PauseRecord is 24, exact since
  // both ends are frame times.
  struct CompactPause {
    std::uint32_t start_frame = 0, end_frame = 0;
  };
  std::vector<CompactPause> pauses_;       // after those in pause_blocks_
  std::array<int, 7> nudges_{};

  // The second being filled.
  std::int64_t second_ = 0;
  int sec_frames_ = 0, sec_speech_ = 0, sec_voiced_ = 0;
  double sec_ms_ = 0, sec_speech_ms_ = 0;
  std::array<float, 100> sec_f0_{};
  std::optional<double> pending_wpm_;
  // A second of the timeline at the precision the report carries (volume
  // and pitch to 0.1, speech ratio to 0.01, pace to 1 wpm): 8 bytes where a
  // TimelinePoint is 56, and a long stream holds one per second.
  static constexpr std::uint16_t kNoValue = 0xffff;
  struct CompactSecond {
    std::int16_t volume_ddb = -1200;      // 0.1 dB
    std::uint16_t pitch_dhz = kNoValue;   // 0.1 Hz
    std::uint16_t wpm = kNoValue;
    std::uint8_t speech_percent = 0;
  };
  static_assert(sizeof(CompactSecond) == 8);
  std::vector<CompactSecond> timeline_;    // after those in timeline_blocks_
  ReportSpill* spill_ = nullptr;
  std::uint64_t spill_end_ = 0;            // bytes of spill_ in use
  std::vector<SpilledBlock> timeline_blocks_, pause_blocks_;
  // Seconds with mostly speech, their level's sums: for steadiness.
  double speech_seconds_ = 0, speech_second_db_sum_ = 0, speech_second_db_sumsq_ = 0;
};

}  // namespace orator::dsp
