// Audio frame decoding and stream message parsing/serialisation.
#include <gtest/gtest.h>
#include <opus.h>

#include <boost/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "protocol/audio_decoder.hpp"
#include "protocol/audio_file.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/messages.hpp"
#include "protocol/ogg_opus_writer.hpp"
#include "protocol/recording.hpp"
#include "protocol/stored_report.hpp"
#include "support/signals.hpp"
#include "support/wav.hpp"

namespace {
using namespace orator;
using protocol::AudioDecoder;
using protocol::DecodeStatus;

std::vector<std::uint8_t> bytes_of(const std::vector<float>& f) {
  std::vector<std::uint8_t> b(f.size() * 4);
  std::memcpy(b.data(), f.data(), b.size());
  return b;
}

TEST(AudioDecoder, F32MonoAndStereoMixdown) {
  auto mono = AudioDecoder::create({protocol::Codec::f32, 48000, 1});
  std::vector<float> out;
  ASSERT_EQ(mono->decode(bytes_of({0.5f, -0.25f}), out), DecodeStatus::ok);
  EXPECT_EQ(out, (std::vector<float>{0.5f, -0.25f}));
  auto stereo = AudioDecoder::create({protocol::Codec::f32, 48000, 2});
  ASSERT_EQ(stereo->decode(bytes_of({0.5f, 0.25f, -1.0f, 1.0f}), out), DecodeStatus::ok);
  EXPECT_EQ(out, (std::vector<float>{0.375f, 0.0f}));
  EXPECT_EQ(stereo->decode(bytes_of({0.5f, 0.25f, 0.1f}), out), DecodeStatus::partial_sample);
  EXPECT_EQ(mono->decode(bytes_of({0.1f, std::numeric_limits<float>::quiet_NaN()}), out), DecodeStatus::invalid_samples);
  EXPECT_EQ(mono->decode({}, out), DecodeStatus::empty_frame);
}

TEST(AudioDecoder, S16LittleEndian) {
  auto dec = AudioDecoder::create({protocol::Codec::s16, 16000, 1});
  std::vector<float> out;
  const std::vector<std::uint8_t> pcm = {0x00, 0x40, 0x00, 0xc0, 0xff, 0x7f};  // 16384, -16384, 32767
  ASSERT_EQ(dec->decode(pcm, out), DecodeStatus::ok);
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[1], -0.5f);
  EXPECT_NEAR(out[2], 1.0f, 1e-4);
  EXPECT_EQ(dec->decode(std::vector<std::uint8_t>{1, 2, 3}, out), DecodeStatus::partial_sample);
}

TEST(AudioDecoder, RejectsFormatsOutsideTheContract) {
  EXPECT_FALSE(AudioDecoder::create({protocol::Codec::f32, 7999, 1}));
  EXPECT_FALSE(AudioDecoder::create({protocol::Codec::s16, 16000, 3}));
  EXPECT_TRUE(AudioDecoder::create({protocol::Codec::opus, 48000, 2}));
}

TEST(AudioDecoder, OpusRoundTripAtEveryFrameDurationAndCorruptPackets) {
  int err = 0;
  OpusEncoder* enc = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO, &err);
  ASSERT_EQ(err, OPUS_OK);
  auto dec = AudioDecoder::create({protocol::Codec::opus, 48000, 2});
  EXPECT_EQ(dec->output_rate(), 16000);
  const auto tone = test_support::sine(48000, 0.2, 440, 0.3);
  std::vector<float> stereo(tone.size() * 2);
  for (std::size_t i = 0; i < tone.size(); ++i) stereo[2 * i] = stereo[2 * i + 1] = tone[i];
  std::vector<unsigned char> packet(4000);
  std::vector<float> out;
  for (int samples : {120, 240, 480, 960, 1920, 2880, 5760}) {
    const int n = opus_encode_float(enc, stereo.data(), samples, packet.data(), 4000);
    ASSERT_GT(n, 0);
    ASSERT_EQ(dec->decode(std::span<const std::uint8_t>(packet.data(), static_cast<std::size_t>(n)), out), DecodeStatus::ok);
    EXPECT_EQ(out.size(), static_cast<std::size_t>(samples / 3)) << samples;
  }
  opus_encoder_destroy(enc);
  EXPECT_EQ(dec->decode(std::vector<std::uint8_t>{0x03}, out), DecodeStatus::invalid_opus_packet);
  EXPECT_EQ(dec->decode(std::vector<std::uint8_t>{0x1b, 0x30, 0x00}, out), DecodeStatus::invalid_opus_packet);
  EXPECT_EQ(dec->decode(std::vector<std::uint8_t>(9000, 0xfc), out), DecodeStatus::invalid_opus_packet);
}

TEST(Messages, StartOverridesAndValidates) {
  protocol::StreamParams base;
  auto m = protocol::parse_client_message(
      R"({"type":"start","codec":"opus","sample_rate":48000,"channels":2,"session_id":"abc-1","mode":"interview",)"
      R"("lang":"en-GB","target_text":"Hello there","interval_ms":500,"future_field":{"x":1}})", base);
  ASSERT_EQ(m.kind, protocol::ClientMessage::Kind::start) << m.error.message;
  EXPECT_EQ(m.params.format.codec, protocol::Codec::opus);
  EXPECT_EQ(m.params.format.sample_rate, 48000);
  EXPECT_EQ(m.params.format.channels, 2);
  EXPECT_EQ(m.params.session_id, "abc-1");
  EXPECT_EQ(m.params.mode, dsp::Mode::interview);
  EXPECT_EQ(m.params.interval_ms, 500);
  EXPECT_EQ(m.params.target_text, "Hello there");

  struct Bad { const char* text; const char* code; };
  for (const Bad& b : {Bad{R"({"type":"start","codec":"aac"})", "UNSUPPORTED_CODEC"},
                       Bad{R"({"type":"start","sample_rate":4000})", "INVALID_PARAMETER"},
                       Bad{R"({"type":"start","sample_rate":"fast"})", "INVALID_PARAMETER"},
                       Bad{R"({"type":"start","channels":3})", "INVALID_PARAMETER"},
                       Bad{R"({"type":"start","interval_ms":50})", "INVALID_PARAMETER"},
                       Bad{R"({"type":"start","mode":"karaoke"})", "INVALID_PARAMETER"},
                       Bad{R"({"type":"start","session_id":"a b'; DROP TABLE x;--"})", "INVALID_PARAMETER"},
                       Bad{R"({"type":"start","codec":true})", "INVALID_PARAMETER"},
                       Bad{R"({"type":"start","transcript":"maybe"})", "INVALID_PARAMETER"},
                       Bad{R"({"type":"start","transcript":[true]})", "INVALID_PARAMETER"},
                       Bad{R"({"type":"nope"})", "UNKNOWN_MESSAGE_TYPE"},
                       Bad{R"({"codec":"f32"})", "INVALID_MESSAGE"},
                       Bad{R"("start")", "INVALID_MESSAGE"},
                       Bad{R"({"type":"start",)", "INVALID_JSON"}}) {
    const auto r = protocol::parse_client_message(b.text, base);
    EXPECT_EQ(r.kind, protocol::ClientMessage::Kind::invalid) << b.text;
    EXPECT_EQ(r.error.code, b.code) << b.text;
  }
  const auto asks = protocol::parse_client_message(R"({"type":"start","transcript":true})", base);
  EXPECT_TRUE(asks.params.transcript && asks.params.transcript_given);
  EXPECT_FALSE(protocol::parse_client_message(R"({"type":"start","transcript":"false"})", base).params.transcript);
  EXPECT_FALSE(base.transcript_given);
  EXPECT_EQ(protocol::parse_client_message(R"({"type":"stop"})", base).kind, protocol::ClientMessage::Kind::stop);
  EXPECT_EQ(protocol::parse_client_message(R"({"eof":1})", base).kind, protocol::ClientMessage::Kind::stop);
}

TEST(Messages, MetricsCarryTheContractFields) {
  dsp::IntervalMetrics m;
  m.t = 12.25;
  m.volume = 0.045;
  m.volume_db = -26.9;
  m.is_speaking = true;
  m.pitch = 182.4;
  m.pitch_semitones = 32.8;
  m.wpm = 142.2;
  m.syllables_per_sec = 3.9;
  m.session_wpm = 150.6;
  m.speaking_time = 9.8;
  m.pause_count = 3;
  const dsp::PauseRecord pauses[] = {{10.1, 10.9, 0.8}};
  m.pauses = pauses;
  const auto text = protocol::metrics_json(m);
  EXPECT_EQ(text.find("E"), std::string::npos) << "plain decimal numbers: " << text;
  const auto v = boost::json::parse(text);
  EXPECT_EQ(v.at("type").as_string(), "metrics");
  const auto& d = v.at("data").as_object();
  for (const char* key : {"t", "volume", "volume_db", "is_speaking", "pitch", "pitch_semitones", "wpm", "syllables_per_sec",
                          "session_wpm", "speaking_time", "pause_count", "pauses", "nudge"})
    EXPECT_TRUE(d.contains(key)) << key;
  EXPECT_EQ(d.at("wpm").as_int64(), 142);
  EXPECT_EQ(d.at("session_wpm").as_int64(), 151);
  EXPECT_DOUBLE_EQ(d.at("t").as_double(), 12.25);
  EXPECT_TRUE(d.at("nudge").is_null());
  EXPECT_DOUBLE_EQ(d.at("pauses").as_array()[0].at("duration").as_double(), 0.8);
}

}  // namespace

namespace {
// Found by fuzz_audio_decoder: random bytes can form a valid Opus packet whose
// float output is far outside [-1, 1]; the decoder must bound it.
TEST(AudioDecoder, HostileOpusOutputIsClamped) {
  auto dec = orator::protocol::AudioDecoder::create({orator::protocol::Codec::opus, 48000, 1});
  std::mt19937 rng(12345);
  std::vector<float> out;
  int decoded = 0;
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> packet(1 + rng() % 400);
    for (auto& b : packet) b = static_cast<std::uint8_t>(rng());
    if (dec->decode(packet, out) != orator::protocol::DecodeStatus::ok) continue;
    ++decoded;
    for (float v : out) ASSERT_LE(std::abs(v), 1.0f);
  }
  EXPECT_GT(decoded, 100);
}
}  // namespace

namespace {

TEST(RecordingBuffer, ChunksAreContiguousWhateverTheBlockSizeAndStopAtTheBudget) {
  // 10 samples a second, 1 s chunks, 2.5 s budget: chunks of 10, 10 and 5 samples.
  std::vector<orator::protocol::PcmChunk> chunks;
  orator::protocol::RecordingBuffer buffer(10, 2.5, 1.0, [&](orator::protocol::PcmChunk&& c) { chunks.push_back(std::move(c)); });
  std::vector<float> x(40);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) / 100.0f;
  x[3] = 2.0f;  // clamped to full scale
  for (std::size_t at = 0, n = 3; at < x.size(); at += n, n = n % 7 + 1)  // blocks of 3, 4, 5, ... samples
    buffer.append(std::span<const float>(x).subspan(at, std::min(n, x.size() - at)));
  buffer.flush();
  ASSERT_EQ(chunks.size(), 3u);
  std::int64_t next = 0;
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    EXPECT_EQ(chunks[k].seq, static_cast<int>(k));
    EXPECT_EQ(chunks[k].start_sample, next);
    EXPECT_EQ(chunks[k].pcm16le.size(), static_cast<std::size_t>(chunks[k].samples) * 2);
    next += chunks[k].samples;
  }
  EXPECT_EQ(next, 25) << "nothing past the budget is kept";
  auto sample = [&](std::size_t k, std::size_t i) {
    const auto* p = reinterpret_cast<const unsigned char*>(chunks[k].pcm16le.data()) + 2 * i;
    return static_cast<std::int16_t>(p[0] | (p[1] << 8));
  };
  EXPECT_EQ(sample(0, 3), 32767);
  EXPECT_EQ(sample(1, 2), static_cast<std::int16_t>(std::lround(0.12f * 32767.0f)));
  EXPECT_EQ(sample(2, 4), static_cast<std::int16_t>(std::lround(0.24f * 32767.0f)));
}

}  // namespace

TEST(StoredReport, ReadsBackWhatTheAssessmentWrites) {
  orator::dsp::Assessment a;
  a.mode = orator::dsp::Mode::interview;
  a.completed = false;
  a.duration = 12.5;
  a.speaking_time = 9.25;
  a.scores = {81, 72, 63, 54, 45};
  a.pauses = {{1.5, 2.25, 0.75}, {6.0, 7.5, 1.5}};
  a.timeline = {{0, -30.5, 151.2, 0.75, std::nullopt}, {1, -28.0, std::nullopt, 0.5, 142.0}};
  const std::string text = orator::protocol::assessment_json("s-1", a);
  std::string error;
  const auto r = orator::protocol::read_stored_report(text, error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->session_id, "s-1");
  EXPECT_EQ(r->status, "interrupted");
  EXPECT_EQ(r->mode, "interview");
  EXPECT_DOUBLE_EQ(r->duration, 12.5);
  EXPECT_DOUBLE_EQ(r->speaking_time, 9.25);
  EXPECT_EQ(r->scores.overall, 81);
  EXPECT_EQ(r->scores.confidence, 45);
  ASSERT_EQ(r->pauses.size(), 2u);
  EXPECT_DOUBLE_EQ(r->pauses[1].start, 6.0);
  EXPECT_DOUBLE_EQ(r->pauses[1].duration, 1.5);
  ASSERT_EQ(r->timeline.size(), 2u);
  EXPECT_DOUBLE_EQ(*r->timeline[0].pitch, 151.2);
  EXPECT_FALSE(r->timeline[0].wpm);
  EXPECT_FALSE(r->timeline[1].pitch);
  EXPECT_DOUBLE_EQ(*r->timeline[1].wpm, 142.0);
}

// The timeline is written straight to text (it is most of a long report and
// every checkpoint writes it again); the text must be what the generic JSON
// writer makes of the same document, members in the same order.
TEST(StoredReport, TheTimelineIsWrittenAsTheGenericWriterWouldWriteIt) {
  orator::dsp::Assessment a;
  a.duration = 3.0;
  a.pauses = {{1.5, 2.25, 0.75}};
  a.timeline = {{0, -30.54, 151.26, 0.756, std::nullopt}, {1, -120.0, std::nullopt, 0.0, 142.4}, {2, -28.0, 99.95, 1.0, 97.6}};
  a.feedback.push_back({"pace_fast", "pace", "suggestion", "Slow \"down\".", "wpm", 201.5, "150-200 wpm"});
  const boost::json::object pronunciation{{"score", 71}, {"words", boost::json::array{}}};
  for (const bool with_pronunciation : {false, true}) {
    const std::string text = orator::protocol::assessment_json("s", a, nullptr, with_pronunciation ? &pronunciation : nullptr);
    const boost::json::value doc = boost::json::parse(text);
    EXPECT_EQ(orator::protocol::to_json(doc), text);
    const auto& timeline = doc.at("timeline").as_array();
    ASSERT_EQ(timeline.size(), 3u);
    EXPECT_EQ(orator::protocol::to_json(timeline[0]), R"({"t":0,"volume_db":-30.5,"pitch":151.3,"speech_ratio":0.76,"wpm":null})");
    EXPECT_EQ(orator::protocol::to_json(timeline[1]), R"({"t":1,"volume_db":-120,"pitch":null,"speech_ratio":0,"wpm":142})");
    EXPECT_EQ(doc.as_object().contains("pronunciation"), with_pronunciation);
  }
  a.timeline.clear();
  const auto empty = boost::json::parse(orator::protocol::assessment_json("s", a));
  EXPECT_TRUE(empty.at("timeline").as_array().empty());
}

TEST(StoredReport, ADamagedReportSaysWhatIsWrong) {
  std::string error;
  EXPECT_FALSE(orator::protocol::read_stored_report("[1, 2]", error));
  EXPECT_NE(error.find("not a JSON object"), std::string::npos) << error;
  orator::dsp::Assessment a;
  auto doc = boost::json::parse(orator::protocol::assessment_json("s", a)).as_object();
  doc["scores"].as_object()["pace"] = "fast";
  EXPECT_FALSE(orator::protocol::read_stored_report(boost::json::serialize(doc), error));
  EXPECT_NE(error.find("scores.pace is not a number"), std::string::npos) << error;
  doc.erase("timeline");
  EXPECT_FALSE(orator::protocol::read_stored_report(boost::json::serialize(doc), error));
}

TEST(Messages, UserStringsAreValidUtf8BeforeTheyAreEchoed) {
  using orator::protocol::is_valid_utf8;
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa4"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));               // truncated
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));           // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));       // a UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));   // past U+10FFFF
  orator::protocol::StreamParams p;
  // A codec from the query string is quoted back; half a multi-byte character must not be.
  const std::string codec = std::string(31, 'x') + "\xc3\xa9";
  const auto err = orator::protocol::apply_param(p, "codec", codec);
  ASSERT_TRUE(err);
  EXPECT_TRUE(is_valid_utf8(err->message)) << err->message;
  const auto text = orator::protocol::apply_param(p, "target_text", "read \xff this");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->code, "INVALID_PARAMETER");
  EXPECT_TRUE(p.target_text.empty());
  EXPECT_FALSE(orator::protocol::apply_param(p, "target_text", "caf\xc3\xa9"));
}

namespace {

// What the decoder reports of its way through `bytes`, and what it decodes.
struct Walk {
  std::vector<std::size_t> progress;
  std::vector<float> samples;
  std::string error;
};
Walk walk(const std::string& bytes) {
  Walk w;
  const auto span = std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  w.error = orator::protocol::stream_audio_file(
      span, 600, [](int) {}, [&](std::span<const float> b) { w.samples.insert(w.samples.end(), b.begin(), b.end()); },
      [&](std::size_t behind) { w.progress.push_back(behind); });
  return w;
}

}  // namespace

// An upload's mapped pages are dropped as the decoder passes them, so it
// says how far it is: growing through each pass (an Ogg is walked twice),
// up to the end, and the audio is the same as without asking.
TEST(AudioFile, SaysHowFarTheDecoderIsThroughTheFile) {
  const auto speech = orator::test_support::syllable_train(16000, 60.0, 4.0, 140, 0.2);
  const std::string wav = orator::test_support::wav_bytes({16000, 1, speech});
  std::vector<std::int16_t> pcm(speech.size());
  for (std::size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<std::int16_t>(std::lrint(speech[i] * 32767.0f));
  const std::string ogg = orator::protocol::encode_ogg_opus(pcm, 16000);
  ASSERT_FALSE(ogg.empty());
  for (const auto* file : {&wav, &ogg}) {
    const auto w = walk(*file);
    ASSERT_EQ(w.error, "");
    const auto plain = orator::protocol::decode_audio_file(std::span(reinterpret_cast<const std::uint8_t*>(file->data()), file->size()), 600);
    EXPECT_EQ(w.samples, plain.samples);
    ASSERT_FALSE(w.progress.empty());
    int passes = 1;
    for (std::size_t i = 1; i < w.progress.size(); ++i) {
      if (w.progress[i] < w.progress[i - 1]) ++passes;  // a new walk from the start
    }
    const bool is_ogg = file == &ogg;
    std::printf("  %s of %zu bytes: %zu progress reports in %d passes, the last at %zu\n", is_ogg ? "Ogg Opus" : "WAV", file->size(),
                w.progress.size(), passes, w.progress.back());
    EXPECT_EQ(passes, is_ogg ? 2 : 1);
    EXPECT_LE(w.progress.back(), file->size());
    EXPECT_GE(w.progress.back() + 32 * 1024, file->size()) << "it reports up to the end";
  }
}
