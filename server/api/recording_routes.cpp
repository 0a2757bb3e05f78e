// GET /v1/sessions/{id}/audio: the audio kept for a session created with
// `record: true`, as 16-bit mono WAV at the analysis rate. Streamed a page of
// chunks at a time (a connection holds one page, about a minute of audio,
// however slowly its client reads).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "server/api/api.hpp"
#include "server/api/recordings.hpp"
#include "server/auth/crypto.hpp"

namespace orator::server::api {

storage::RecordingChunk to_stored_chunk(const protocol::PcmChunk& chunk, int sample_rate) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(chunk.pcm16le.data());
  return {chunk.seq, chunk.start_sample, sample_rate, chunk.samples,
          auth::base64url_encode(std::span<const std::uint8_t>(bytes, chunk.pcm16le.size()))};
}

std::optional<std::string> wav_from_chunks(std::span<const storage::RecordingChunk> chunks) {
  // Decoded chunks stay where base64url_decode put them; the WAV copies each once.
  std::vector<std::vector<std::uint8_t>> pcm;
  pcm.reserve(chunks.size());
  const int rate = chunks.empty() ? 16000 : chunks.front().sample_rate;
  for (const auto& c : chunks) {
    auto decoded = auth::base64url_decode(c.pcm_base64);
    if (!decoded || decoded->size() != static_cast<std::size_t>(c.samples) * 2 || c.sample_rate != rate ||
        c.start_sample < 0)
      return std::nullopt;
    pcm.push_back(std::move(*decoded));
  }
  std::vector<protocol::StoredPcm> pieces;
  pieces.reserve(chunks.size());
  for (std::size_t i = 0; i < chunks.size(); ++i)
    pieces.push_back({chunks[i].start_sample, std::string_view(reinterpret_cast<const char*>(pcm[i].data()), pcm[i].size())});
  return protocol::recording_wav(rate, pieces);
}

namespace {

// The WAV's pieces in order: the header, then each page of chunks decoded,
// with silence where audio is missing. Called on a worker, one call at a time.
class RecordingWavStream {
 public:
  static constexpr int kChunksPerPage = 12;                    // 60 s at 5 s a chunk
  static constexpr std::int64_t kMaxSilencePiece = 1 << 20;    // samples of zeros per piece

  RecordingWavStream(storage::Store& store, std::string user_id, std::string session_id, int rate, std::int64_t end)
      : store_(store), user_id_(std::move(user_id)), session_id_(std::move(session_id)), rate_(rate), end_(end) {}

  std::string next() {
    if (!header_sent_) {
      header_sent_ = true;
      return protocol::wav_header(rate_, end_);
    }
    std::string piece;
    while (piece.empty() && written_ < end_) {
      if (page_.empty() && !exhausted_) {
        page_ = store_.recording_chunks(user_id_, session_id_, last_seq_, kChunksPerPage);
        exhausted_ = page_.size() < static_cast<std::size_t>(kChunksPerPage);
        std::reverse(page_.begin(), page_.end());  // taken from the back
      }
      if (page_.empty()) {  // silence to the end
        piece.assign(static_cast<std::size_t>(std::min(end_ - written_, kMaxSilencePiece) * 2), '\0');
        written_ += static_cast<std::int64_t>(piece.size() / 2);
        break;
      }
      const auto& c = page_.back();
      if (c.start_sample > written_) {  // a gap before this chunk
        piece.assign(static_cast<std::size_t>(std::min(c.start_sample - written_, kMaxSilencePiece) * 2), '\0');
        written_ += static_cast<std::int64_t>(piece.size() / 2);
        break;
      }
      const auto pcm = auth::base64url_decode(c.pcm_base64);
      if (!pcm || pcm->size() != static_cast<std::size_t>(c.samples) * 2 || c.sample_rate != rate_ || c.start_sample < 0)
        throw std::runtime_error("session " + session_id_ + ": stored recording chunk " + std::to_string(c.seq) + " is corrupt");
      // Overlapping audio (never written so) keeps what came first.
      const auto skip = static_cast<std::size_t>(written_ - c.start_sample) * 2;
      const auto room = static_cast<std::size_t>(end_ - written_) * 2;
      if (skip < pcm->size()) piece.assign(reinterpret_cast<const char*>(pcm->data()) + skip, std::min(pcm->size() - skip, room));
      written_ += static_cast<std::int64_t>(piece.size() / 2);
      last_seq_ = c.seq;
      page_.pop_back();
    }
    return piece;
  }

 private:
  storage::Store& store_;
  std::string user_id_, session_id_;
  int rate_;
  std::int64_t end_, written_ = 0;
  int last_seq_ = -1;
  bool header_sent_ = false, exhausted_ = false;
  std::vector<storage::RecordingChunk> page_;
};

}  // namespace

void Api::add_recording_routes() {
  router_.add("GET", "/v1/sessions/{id}/audio", RouteOptions{}, [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    if (!s->record) throw ApiError(404, "NOT_FOUND", "this session keeps no audio; create sessions with \"record\": true");
    const auto extent = store_.recording_extent(req.user_id, s->id);
    if (extent.chunks == 0) throw ApiError(404, "NOT_FOUND", "no audio recorded for this session yet");
    if (extent.min_rate != extent.max_rate || extent.min_rate <= 0) {
      spdlog::error("session {}: stored recording mixes sample rates", s->id);
      throw ApiError(500, "INTERNAL_ERROR", "the stored recording could not be read");
    }
    auto stream = std::make_shared<RecordingWavStream>(store_, req.user_id, s->id, extent.min_rate, extent.end_sample);
    ApiResponse r;
    r.next_piece = [stream] { return stream->next(); };
    r.body_length = 44 + static_cast<std::uint64_t>(extent.end_sample) * 2;
    r.content_type = "audio/wav";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + s->id + ".wav\"");
    return r;
  });
}

}  // namespace orator::server::api
