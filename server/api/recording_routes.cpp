// GET /v1/sessions/{id}/audio: the audio kept for a session created with
// `record: true`, as 16-bit mono WAV at the analysis rate.
#include <spdlog/spdlog.h>

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

void Api::add_recording_routes() {
  router_.add("GET", "/v1/sessions/{id}/audio", RouteOptions{}, [this](ApiRequest& req) {
    const auto s = store_.find_session(req.user_id, req.params.at("id"));
    if (!s) throw not_found("session");
    if (!s->record) throw ApiError(404, "NOT_FOUND", "this session keeps no audio; create sessions with \"record\": true");
    const auto chunks = store_.recording_chunks(req.user_id, s->id);
    if (chunks.empty()) throw ApiError(404, "NOT_FOUND", "no audio recorded for this session yet");
    auto wav = wav_from_chunks(chunks);
    if (!wav) {
      spdlog::error("session {}: stored recording is corrupt", s->id);
      throw ApiError(500, "INTERNAL_ERROR", "the stored recording could not be read");
    }
    ApiResponse r;
    r.raw_body = std::move(*wav);
    r.content_type = "audio/wav";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + s->id + ".wav\"");
    return r;
  });
}

}  // namespace orator::server::api
