#pragma once
// Recordings of sessions created with `record: true`: chunks as the store
// keeps them, and the WAV served at GET /v1/sessions/{id}/audio. Pure;
// thread-safe.
#include <span>
#include <string>

#include "protocol/recording.hpp"
#include "storage/store.hpp"

namespace orator::server::api {

// A chunk is written to the database this often: what an abrupt end can lose
// at most, and the memory a recording stream holds (160 KB at 16 kHz).
inline constexpr double kRecordingChunkSeconds = 5;

[[nodiscard]] storage::RecordingChunk to_stored_chunk(const protocol::PcmChunk& chunk, int sample_rate);

// nullopt when a stored chunk is corrupt (not base64url, odd length, mixed rates).
[[nodiscard]] std::optional<std::string> wav_from_chunks(std::span<const storage::RecordingChunk> chunks);

}  // namespace orator::server::api
