#pragma once
// The dictation repository: items (texts to write down, with their
// synthesised audio), attempts scored against them, tag presets and cached
// translations. Every read and write of user data is scoped by user id.
// Thread-safe (connections come from the pool); calls block, so the server
// runs them on the WorkerPool.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/connection_pool.hpp"

namespace orator::storage {

// Audio synthesis of an item: pending -> processing (claimed by one worker
// of one instance) -> ready | failed (with a reason). A processing item
// whose worker stopped beating is pending again, up to a limit.
enum class TtsStatus { pending, processing, ready, failed };
[[nodiscard]] std::string_view tts_status_name(TtsStatus s);
[[nodiscard]] std::optional<TtsStatus> parse_tts_status(std::string_view name);

struct ItemTag {
  std::string name, folded;  // as given; case-folded (what uniqueness and filters compare)
};

struct DictationItem {
  std::string id, user_id, locale, text;
  std::string text_folded;  // for search and sorting by text
  int difficulty = 1;       // 1-5
  bool difficulty_computed = true;
  std::string voice;        // the voice that speaks it (engine:name)
  std::string audio_key;    // identifies the audio of (text, locale, voice)
  std::vector<ItemTag> tags;
  TtsStatus tts_status = TtsStatus::pending;
  std::optional<std::string> tts_error;
  int tts_attempts = 0;
  std::int64_t created_at = 0, updated_at = 0;
  std::optional<std::int64_t> last_practiced_at;
  int attempt_count = 0;
};

struct ItemFilter {
  std::optional<std::string> locale;
  std::vector<std::string> tags_folded;  // items carrying every one of them
  std::optional<int> difficulty;
  std::optional<bool> practiced;
  std::optional<std::string> search_folded;  // substring of the folded text
  std::string sort_by = "created_at";        // created_at | difficulty | text | last_practiced
  bool descending = true;
};

struct ItemPage {
  std::vector<DictationItem> items;
  std::int64_t total = 0;
};

// Synthesised speech: 16-bit little-endian mono PCM, base64url (both
// backends store it as TEXT), once per (user, audio key, rate).
struct TtsAudio {
  std::string user_id, audio_key, rate;  // rate: normal | slow
  int sample_rate = 0;
  std::int64_t samples = 0;
  std::string pcm_base64;
  std::int64_t created_at = 0;
};

struct DictationAttempt {
  std::string id, user_id, item_id, text;
  double wer = 0, percentage = 0;
  int words_ref = 0, words_correct = 0;
  std::string alignment_json;
  std::int64_t duration_ms = 0;
  bool duration_estimated = false;
  bool ignore_accents = false;
  std::int64_t created_at = 0;
};

struct AttemptPage {
  std::vector<DictationAttempt> attempts;
  std::int64_t total = 0;
};

// An attempt's aggregate columns only: what statistics need.
struct AttemptSummary {
  std::string item_id;
  double percentage = 0;
  std::int64_t duration_ms = 0, created_at = 0;
};

struct TagPreset {
  std::string id, user_id, name, folded;
  std::int64_t created_at = 0;
};

struct Translation {
  std::string id, user_id, item_id, target_language, text, provider;
  std::int64_t created_at = 0, updated_at = 0;
};

class DictationStore {
 public:
  explicit DictationStore(ConnectionPool& pool) : pool_(pool) {}

  // Items. create_item stores the item and its tags in one transaction.
  DictationItem create_item(const DictationItem& item);
  std::optional<DictationItem> find_item(const std::string& user_id, const std::string& id);
  ItemPage list_items(const std::string& user_id, const ItemFilter& filter, int page, int per_page);
  // Removes the item, its attempts and translations, and its audio unless
  // another item of the user's speaks the same text with the same voice.
  bool delete_item(const std::string& user_id, const std::string& id);
  bool set_item_tags(const std::string& user_id, const std::string& id, const std::vector<ItemTag>& tags, std::int64_t now);
  bool set_item_difficulty(const std::string& user_id, const std::string& id, int difficulty, bool computed, std::int64_t now);
  std::int64_t count_items(const std::string& user_id);

  // Synthesis jobs (the items' tts columns). claim_tts takes the oldest
  // pending item for `worker` (PostgreSQL: FOR UPDATE SKIP LOCKED).
  std::optional<DictationItem> claim_tts(const std::string& worker, std::int64_t now);
  void heartbeat_tts(const std::string& item_id, std::int64_t now);
  void finish_tts(const std::string& item_id, TtsStatus status, const std::optional<std::string>& error, std::int64_t now);
  // Processing items not heard from since `stale_before`: pending again, or
  // failed with a reason after `max_attempts`. Returns how many.
  int recover_stale_tts(std::int64_t stale_before, int max_attempts, std::int64_t now);
  // Back to pending (POST .../audio/refresh); its stored audio is dropped.
  bool requeue_tts(const std::string& user_id, const std::string& id, std::int64_t now);
  struct TtsQueue {
    std::int64_t pending = 0, processing = 0;
    std::optional<std::int64_t> oldest_pending_at;
  };
  TtsQueue tts_queue();

  void save_audio(const TtsAudio& audio);
  std::optional<TtsAudio> find_audio(const std::string& user_id, const std::string& audio_key, const std::string& rate);
  // Its length in samples, without loading it; nullopt when there is none.
  [[nodiscard]] std::optional<std::int64_t> audio_samples(const std::string& user_id, const std::string& audio_key,
                                                          const std::string& rate);

  // Attempts: stored with the item's practice counters moved on, in one transaction.
  DictationAttempt create_attempt(const DictationAttempt& attempt);
  std::optional<DictationAttempt> find_attempt(const std::string& user_id, const std::string& id);
  AttemptPage list_attempts(const std::string& user_id, const std::optional<std::string>& item_id,
                            std::optional<std::int64_t> from, std::optional<std::int64_t> to, int page, int per_page);
  // Oldest first; `item_id` narrows to one item.
  std::vector<AttemptSummary> attempt_summaries(const std::string& user_id, std::optional<std::int64_t> from,
                                                std::optional<std::int64_t> to,
                                                const std::optional<std::string>& item_id = std::nullopt);

  // Tag presets; create_tag throws StorageError{conflict} for a name the user already has.
  TagPreset create_tag(const TagPreset& tag);
  std::vector<TagPreset> list_tags(const std::string& user_id, const std::optional<std::string>& search_folded,
                                   const std::string& sort_by, bool descending);
  bool delete_tag(const std::string& user_id, const std::string& id);

  // Translations, one per (item, target language).
  std::optional<Translation> find_translation(const std::string& user_id, const std::string& item_id,
                                              const std::string& target_language);
  std::optional<Translation> find_translation_by_id(const std::string& user_id, const std::string& id);
  // Inserts, or replaces the text of the existing one (same id).
  Translation save_translation(const Translation& translation);

 private:
  std::vector<ItemTag> tags_of(SqlConnection& c, const std::string& item_id);
  ConnectionPool& pool_;
};

}  // namespace orator::storage
