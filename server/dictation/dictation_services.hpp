#pragma once
// What the dictation routes work with: the repository, speech synthesis and
// its durable jobs, and the translation provider. Built once at start;
// every member is thread-safe.
#include <memory>
#include <optional>
#include <string>

#include "server/dictation/speech_synthesis.hpp"
#include "server/dictation/translation.hpp"
#include "server/dictation/tts_jobs.hpp"
#include "storage/dictation_store.hpp"

namespace orator::server::dictation {

struct DictationServices {
  explicit DictationServices(storage::ConnectionPool& pool) : store(pool) {}
  storage::DictationStore store;
  std::unique_ptr<SpeechSynthesis> synthesis;
  std::unique_ptr<Translator> translator;
  std::unique_ptr<TtsJobs> jobs;  // last: its workers use the others
};

// Everything built from the configuration, the synthesis workers started.
[[nodiscard]] std::unique_ptr<DictationServices> make_dictation_services(storage::ConnectionPool& pool, const ServerConfig& config);
// Why speech synthesis is not keeping up (workers stalled, items waiting
// long, espeak-ng missing), or nullopt. Queries the database.
[[nodiscard]] std::optional<std::string> dictation_problem(DictationServices& services);

}  // namespace orator::server::dictation
