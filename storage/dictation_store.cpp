#include "storage/dictation_store.hpp"

#include <array>
#include <map>

namespace orator::storage {
namespace {

SqlValue opt(const std::optional<std::string>& v) { return v ? SqlValue{*v} : SqlValue{nullptr}; }
SqlValue flag(bool b) { return std::int64_t{b ? 1 : 0}; }

constexpr std::array<std::string_view, 4> kTtsNames = {"pending", "processing", "ready", "failed"};

constexpr const char* kItemColumns =
    "id, user_id, locale, text, text_folded, difficulty, difficulty_computed, voice, audio_key, tts_status, tts_error, "
    "tts_attempts, created_at, updated_at, last_practiced_at, attempt_count";
DictationItem item_from(const SqlRow& r) {
  DictationItem i;
  i.id = r.text(0); i.user_id = r.text(1); i.locale = r.text(2); i.text = r.text(3); i.text_folded = r.text(4);
  i.difficulty = static_cast<int>(r.integer(5)); i.difficulty_computed = r.integer(6) != 0;
  i.voice = r.text(7); i.audio_key = r.text(8);
  const auto status = parse_tts_status(r.text(9));
  if (!status) throw StorageError("an item row has an unknown tts_status '" + r.text(9) + "'");
  i.tts_status = *status; i.tts_error = r.optional_text(10); i.tts_attempts = static_cast<int>(r.integer(11));
  i.created_at = r.integer(12); i.updated_at = r.integer(13); i.last_practiced_at = r.optional_integer(14);
  i.attempt_count = static_cast<int>(r.integer(15));
  return i;
}

constexpr const char* kAttemptColumns =
    "id, user_id, item_id, text, wer, percentage, words_ref, words_correct, alignment, duration_ms, duration_estimated, "
    "ignore_accents, created_at";
DictationAttempt attempt_from(const SqlRow& r) {
  DictationAttempt a;
  a.id = r.text(0); a.user_id = r.text(1); a.item_id = r.text(2); a.text = r.text(3);
  a.wer = r.real(4); a.percentage = r.real(5);
  a.words_ref = static_cast<int>(r.integer(6)); a.words_correct = static_cast<int>(r.integer(7));
  a.alignment_json = r.text(8); a.duration_ms = r.integer(9); a.duration_estimated = r.integer(10) != 0;
  a.ignore_accents = r.integer(11) != 0; a.created_at = r.integer(12);
  return a;
}

constexpr const char* kTranslationColumns = "id, user_id, item_id, target_language, text, provider, created_at, updated_at";
Translation translation_from(const SqlRow& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.text(4), r.text(5), r.integer(6), r.integer(7)};
}

// LIKE with the user's text taken literally.
std::string like_pattern(const std::string& s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

void insert_tags(SqlConnection& c, const std::string& item_id, const std::string& user_id, const std::vector<ItemTag>& tags) {
  for (const auto& t : tags) {
    const SqlValue p[] = {item_id, user_id, t.name, t.folded};
    c.query("INSERT INTO dictation_item_tags (item_id, user_id, tag, tag_folded) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (item_id, tag_folded) DO NOTHING", p);
  }
}

}  // namespace

std::string_view tts_status_name(TtsStatus s) { return kTtsNames[static_cast<std::size_t>(s)]; }

std::optional<TtsStatus> parse_tts_status(std::string_view name) {
  for (std::size_t i = 0; i < kTtsNames.size(); ++i)
    if (kTtsNames[i] == name) return static_cast<TtsStatus>(i);
  return std::nullopt;
}

std::vector<ItemTag> DictationStore::tags_of(SqlConnection& c, const std::string& item_id) {
  const SqlValue p[] = {item_id};
  std::vector<ItemTag> tags;
  for (const auto& r : c.query("SELECT tag, tag_folded FROM dictation_item_tags WHERE item_id = $1 ORDER BY tag_folded", p))
    tags.push_back({r.text(0), r.text(1)});
  return tags;
}

DictationItem DictationStore::create_item(const DictationItem& i) {
  auto lease = pool_.acquire();
  Transaction tx(*lease);
  const SqlValue p[] = {i.id, i.user_id, i.locale, i.text, i.text_folded, std::int64_t{i.difficulty}, flag(i.difficulty_computed),
                        i.voice, i.audio_key, std::string(tts_status_name(i.tts_status)), opt(i.tts_error), i.created_at};
  lease->query(
      "INSERT INTO dictation_items (id, user_id, locale, text, text_folded, difficulty, difficulty_computed, voice, audio_key, "
      "tts_status, tts_error, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)", p);
  insert_tags(*lease, i.id, i.user_id, i.tags);
  tx.commit();
  DictationItem stored = i;
  stored.updated_at = i.created_at;
  stored.tags = tags_of(*lease, i.id);
  return stored;
}

std::optional<DictationItem> DictationStore::find_item(const std::string& user_id, const std::string& id) {
  auto lease = pool_.acquire();
  const SqlValue p[] = {user_id, id};
  const auto rows = lease->query(std::string("SELECT ") + kItemColumns + " FROM dictation_items WHERE user_id = $1 AND id = $2", p);
  if (rows.empty()) return std::nullopt;
  auto item = item_from(rows[0]);
  item.tags = tags_of(*lease, item.id);
  return item;
}

ItemPage DictationStore::list_items(const std::string& user_id, const ItemFilter& f, int page, int per_page) {
  auto lease = pool_.acquire();
  const bool pg = lease->backend() == "postgresql";
  SqlParams p;
  const std::string user = p.add(user_id);
  std::string filters;  // on the item, after its user
  if (f.locale) filters += " AND i.locale = " + p.add(*f.locale);
  if (f.difficulty) filters += " AND i.difficulty = " + p.add(std::int64_t{*f.difficulty});
  if (f.practiced) filters += *f.practiced ? " AND i.attempt_count > 0" : " AND i.attempt_count = 0";
  // A plain substring test (the text is taken literally): far cheaper than LIKE ... ESCAPE.
  if (f.search_folded) filters += std::string(pg ? " AND strpos(i.text_folded, " : " AND instr(i.text_folded, ") + p.add(*f.search_folded) + ") > 0";
  // Tags read two ways from the tag index (user, tag, item). Where an
  // item index gives the page's order, each tag's items are a set the walk
  // checks (it stops at the page's end). Where every match is visited (the
  // count, the text's order), the first tag's entries drive: each further
  // tag is one index probe, then the item is read by id. SQLite's CROSS JOIN
  // keeps that order, and there the item's user is checked, not searched
  // (`+i.user_id`): an index led by user_id would turn each lookup into a
  // scan of the user's items (seconds a query). PostgreSQL plans it itself.
  std::string in_tags, tag_join, first_tag;
  const std::string join = pg ? " JOIN " : " CROSS JOIN ";
  for (std::size_t k = 0; k < f.tags_folded.size(); ++k) {
    const std::string tag = p.add(f.tags_folded[k]);
    in_tags += " AND i.id IN (SELECT item_id FROM dictation_item_tags WHERE user_id = " + user + " AND tag_folded = " + tag + ")";
    if (k == 0) {
      first_tag = " AND t0.user_id = " + user + " AND t0.tag_folded = " + tag;
      continue;
    }
    const std::string t = "t" + std::to_string(k);
    tag_join += join + "dictation_item_tags " + t + " ON " + t + ".user_id = t0.user_id AND " + t + ".tag_folded = " + tag + " AND " +
                t + ".item_id = t0.item_id";
  }
  const std::string index_walk = " FROM dictation_items i WHERE i.user_id = " + user + filters + in_tags;
  const std::string every_match = f.tags_folded.empty() ? " FROM dictation_items i WHERE i.user_id = " + user + filters
                                                        : " FROM dictation_item_tags t0" + tag_join + join +
                                                              "dictation_items i ON i.id = t0.item_id WHERE " + (pg ? "" : "+") +
                                                              "i.user_id = " + user + first_tag + filters;
  // Each order has an index (migrations 7 and 8) that the page walks and
  // stops at; the text's is SQLite's only.
  const std::string column = f.sort_by == "difficulty" ? "i.difficulty"
                             : f.sort_by == "text"     ? "i.text_folded"
                             : f.sort_by == "last_practiced" ? "COALESCE(i.last_practiced_at, 0)"
                                                             : "i.created_at";
  const std::string order = f.descending ? " DESC" : " ASC";
  ItemPage out;
  // Where the page's order is a sort of every match anyway (the text's
  // order over tagged items, or on PostgreSQL, which has no text index), the
  // page query counts them too (COUNT(*) OVER ()) instead of a second pass.
  // Where an index walk gives the order, it stops at the page's end and a
  // separate count is cheaper: a window over 10,000 items costs 10 ms.
  const bool sorts_every_match = f.sort_by == "text" && (pg || !f.tags_folded.empty());
  const std::vector<SqlValue> filter_values = p.values;  // before the page's LIMIT and OFFSET
  const auto count_matches = [&] { return lease->query("SELECT COUNT(*)" + every_match, filter_values).at(0).integer(0); };
  if (!sorts_every_match) out.total = count_matches();
  const std::string limit = p.add(std::int64_t{per_page});
  const std::string offset = p.add(std::int64_t{page - 1} * per_page);
  // The page's ids first (only ids and sort keys are sorted), then their rows.
  const auto page_ids = lease->query(std::string("SELECT i.id") + (sorts_every_match ? ", COUNT(*) OVER ()" + every_match : index_walk) +
                                         " ORDER BY " + column + order + ", i.id" + order +
                                         " LIMIT " + limit + " OFFSET " + offset, p.values);
  if (sorts_every_match) out.total = page_ids.empty() ? count_matches() : page_ids[0].integer(1);
  if (page_ids.empty()) return out;
  SqlParams ids;
  std::string in;
  for (const auto& r : page_ids) in += (in.empty() ? "" : ", ") + ids.add(r.text(0));
  std::map<std::string, DictationItem> by_id;
  for (const auto& r : lease->query("SELECT " + std::string(kItemColumns) + " FROM dictation_items WHERE id IN (" + in + ")", ids.values)) {
    auto item = item_from(r);
    by_id.emplace(item.id, std::move(item));
  }
  for (const auto& r : lease->query("SELECT item_id, tag, tag_folded FROM dictation_item_tags WHERE item_id IN (" + in +
                                    ") ORDER BY tag_folded", ids.values))
    if (auto it = by_id.find(r.text(0)); it != by_id.end()) it->second.tags.push_back({r.text(1), r.text(2)});
  for (const auto& r : page_ids)
    if (auto it = by_id.find(r.text(0)); it != by_id.end()) out.items.push_back(std::move(it->second));
  return out;
}

bool DictationStore::delete_item(const std::string& user_id, const std::string& id) {
  auto lease = pool_.acquire();
  Transaction tx(*lease);
  const SqlValue p[] = {user_id, id};
  const auto gone = lease->query("DELETE FROM dictation_items WHERE user_id = $1 AND id = $2 RETURNING audio_key", p);
  if (gone.empty()) return false;
  const SqlValue a[] = {user_id, gone[0].text(0)};
  lease->query("DELETE FROM tts_audio WHERE user_id = $1 AND audio_key = $2 AND NOT EXISTS "
               "(SELECT 1 FROM dictation_items WHERE user_id = $1 AND audio_key = $2)", a);
  tx.commit();
  return true;
}

bool DictationStore::set_item_tags(const std::string& user_id, const std::string& id, const std::vector<ItemTag>& tags,
                                   std::int64_t now) {
  auto lease = pool_.acquire();
  Transaction tx(*lease);
  const SqlValue p[] = {user_id, id, now};
  if (lease->query("UPDATE dictation_items SET updated_at = $3 WHERE user_id = $1 AND id = $2 RETURNING id", p).empty()) return false;
  const SqlValue d[] = {id};
  lease->query("DELETE FROM dictation_item_tags WHERE item_id = $1", d);
  insert_tags(*lease, id, user_id, tags);
  tx.commit();
  return true;
}

bool DictationStore::set_item_difficulty(const std::string& user_id, const std::string& id, int difficulty, bool computed,
                                         std::int64_t now) {
  const SqlValue p[] = {user_id, id, std::int64_t{difficulty}, flag(computed), now};
  return !pool_.acquire()
              ->query("UPDATE dictation_items SET difficulty = $3, difficulty_computed = $4, updated_at = $5 "
                      "WHERE user_id = $1 AND id = $2 RETURNING id", p)
              .empty();
}

std::int64_t DictationStore::count_items(const std::string& user_id) {
  const SqlValue p[] = {user_id};
  return pool_.acquire()->query("SELECT COUNT(*) FROM dictation_items WHERE user_id = $1", p).at(0).integer(0);
}

std::optional<DictationItem> DictationStore::claim_tts(const std::string& worker, std::int64_t now) {
  auto lease = pool_.acquire();
  const SqlValue p[] = {worker, now};
  const auto rows = lease->query(
      std::string("UPDATE dictation_items SET tts_status = 'processing', tts_attempts = tts_attempts + 1, tts_claimed_by = $1, "
                  "tts_claimed_at = $2 WHERE id = (SELECT id FROM dictation_items WHERE tts_status = 'pending' "
                  "ORDER BY created_at, id LIMIT 1")
              .append(row_lock(*lease, " FOR UPDATE SKIP LOCKED")) + ") AND tts_status = 'pending' RETURNING " + kItemColumns, p);
  if (rows.empty()) return std::nullopt;
  return item_from(rows[0]);
}

void DictationStore::heartbeat_tts(const std::string& item_id, std::int64_t now) {
  const SqlValue p[] = {item_id, now};
  pool_.acquire()->query("UPDATE dictation_items SET tts_claimed_at = $2 WHERE id = $1 AND tts_status = 'processing'", p);
}

void DictationStore::finish_tts(const std::string& item_id, TtsStatus status, const std::optional<std::string>& error,
                                std::int64_t now) {
  // Only the claim it finishes: a refresh meanwhile queued it again.
  const SqlValue p[] = {item_id, std::string(tts_status_name(status)), opt(error), now};
  pool_.acquire()->query("UPDATE dictation_items SET tts_status = $2, tts_error = $3, tts_claimed_by = NULL, updated_at = $4 "
                         "WHERE id = $1 AND tts_status = 'processing'", p);
}

int DictationStore::recover_stale_tts(std::int64_t stale_before, int max_attempts, std::int64_t now) {
  const SqlValue p[] = {stale_before, std::int64_t{max_attempts}, now};
  auto lease = pool_.acquire();
  Transaction tx(*lease);
  int n = static_cast<int>(lease->query(
      "UPDATE dictation_items SET tts_status = 'failed', updated_at = $3, tts_claimed_by = NULL, tts_error = 'gave up after ' || "
      "CAST($2 AS TEXT) || ' attempts: the process synthesising it stopped each time' WHERE tts_status = 'processing' AND "
      "tts_claimed_at < $1 AND tts_attempts >= $2 RETURNING id", p).size());
  n += static_cast<int>(lease->query(
      "UPDATE dictation_items SET tts_status = 'pending', updated_at = $3, tts_claimed_by = NULL WHERE tts_status = 'processing' "
      "AND tts_claimed_at < $1 AND tts_attempts < $2 RETURNING id", p).size());
  tx.commit();
  return n;
}

bool DictationStore::requeue_tts(const std::string& user_id, const std::string& id, std::int64_t now) {
  auto lease = pool_.acquire();
  Transaction tx(*lease);
  const SqlValue p[] = {user_id, id, now};
  const auto rows = lease->query(
      "UPDATE dictation_items SET tts_status = 'pending', tts_error = NULL, tts_attempts = 0, tts_claimed_by = NULL, "
      "updated_at = $3 WHERE user_id = $1 AND id = $2 RETURNING audio_key", p);
  if (rows.empty()) return false;
  const SqlValue a[] = {user_id, rows[0].text(0)};
  lease->query("DELETE FROM tts_audio WHERE user_id = $1 AND audio_key = $2", a);
  tx.commit();
  return true;
}

DictationStore::TtsQueue DictationStore::tts_queue() {
  const auto rows = pool_.acquire()->query(
      "SELECT COALESCE(SUM(CASE WHEN tts_status = 'pending' THEN 1 ELSE 0 END), 0), "
      "COALESCE(SUM(CASE WHEN tts_status = 'processing' THEN 1 ELSE 0 END), 0), "
      "MIN(CASE WHEN tts_status = 'pending' THEN created_at END) FROM dictation_items WHERE tts_status IN ('pending', 'processing')");
  return {rows.at(0).integer(0), rows.at(0).integer(1), rows.at(0).optional_integer(2)};
}

void DictationStore::save_audio(const TtsAudio& a) {
  const SqlValue p[] = {a.user_id, a.audio_key, a.rate, std::int64_t{a.sample_rate}, a.samples, a.pcm_base64, a.created_at};
  pool_.acquire()->query(
      "INSERT INTO tts_audio (user_id, audio_key, rate, sample_rate, samples, pcm, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (user_id, audio_key, rate) DO UPDATE SET sample_rate = $4, samples = $5, pcm = $6, created_at = $7", p);
}

std::optional<TtsAudio> DictationStore::find_audio(const std::string& user_id, const std::string& audio_key,
                                                   const std::string& rate) {
  const SqlValue p[] = {user_id, audio_key, rate};
  const auto rows = pool_.acquire()->query(
      "SELECT sample_rate, samples, pcm, created_at FROM tts_audio WHERE user_id = $1 AND audio_key = $2 AND rate = $3", p);
  if (rows.empty()) return std::nullopt;
  return TtsAudio{user_id, audio_key, rate, static_cast<int>(rows[0].integer(0)), rows[0].integer(1), rows[0].text(2),
                  rows[0].integer(3)};
}

std::optional<std::int64_t> DictationStore::audio_samples(const std::string& user_id, const std::string& audio_key,
                                                         const std::string& rate) {
  const SqlValue p[] = {user_id, audio_key, rate};
  const auto rows = pool_.acquire()->query("SELECT samples FROM tts_audio WHERE user_id = $1 AND audio_key = $2 AND rate = $3", p);
  if (rows.empty()) return std::nullopt;
  return rows[0].integer(0);
}

DictationAttempt DictationStore::create_attempt(const DictationAttempt& a) {
  auto lease = pool_.acquire();
  Transaction tx(*lease);
  const SqlValue p[] = {a.id, a.user_id, a.item_id, a.text, a.wer, a.percentage, std::int64_t{a.words_ref},
                        std::int64_t{a.words_correct}, a.alignment_json, a.duration_ms, flag(a.duration_estimated),
                        flag(a.ignore_accents), a.created_at};
  lease->query("INSERT INTO dictation_attempts (" + std::string(kAttemptColumns) +
                   ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", p);
  const SqlValue u[] = {a.user_id, a.item_id, a.created_at};
  lease->query("UPDATE dictation_items SET attempt_count = attempt_count + 1, last_practiced_at = $3 "
               "WHERE user_id = $1 AND id = $2", u);
  tx.commit();
  return a;
}

std::optional<DictationAttempt> DictationStore::find_attempt(const std::string& user_id, const std::string& id) {
  const SqlValue p[] = {user_id, id};
  const auto rows = pool_.acquire()->query(
      std::string("SELECT ") + kAttemptColumns + " FROM dictation_attempts WHERE user_id = $1 AND id = $2", p);
  if (rows.empty()) return std::nullopt;
  return attempt_from(rows[0]);
}

AttemptPage DictationStore::list_attempts(const std::string& user_id, const std::optional<std::string>& item_id,
                                          std::optional<std::int64_t> from, std::optional<std::int64_t> to, int page,
                                          int per_page) {
  SqlParams p;
  std::string where = " WHERE user_id = " + p.add(user_id);
  if (item_id) where += " AND item_id = " + p.add(*item_id);
  where += p.range("created_at", from, to);
  auto lease = pool_.acquire();
  AttemptPage out;
  out.total = lease->query("SELECT COUNT(*) FROM dictation_attempts" + where, p.values).at(0).integer(0);
  const std::string limit = p.add(std::int64_t{per_page});
  const std::string offset = p.add(std::int64_t{page - 1} * per_page);
  for (const auto& r : lease->query(std::string("SELECT ") + kAttemptColumns + " FROM dictation_attempts" + where +
                                        " ORDER BY created_at DESC, id DESC LIMIT " + limit + " OFFSET " + offset, p.values))
    out.attempts.push_back(attempt_from(r));
  return out;
}

std::vector<AttemptSummary> DictationStore::attempt_summaries(const std::string& user_id, std::optional<std::int64_t> from,
                                                              std::optional<std::int64_t> to,
                                                              const std::optional<std::string>& item_id) {
  SqlParams p;
  std::string where = " WHERE user_id = " + p.add(user_id);
  if (item_id) where += " AND item_id = " + p.add(*item_id);
  where += p.range("created_at", from, to);
  std::vector<AttemptSummary> out;
  for (const auto& r : pool_.acquire()->query(
           "SELECT item_id, percentage, duration_ms, created_at FROM dictation_attempts" + where + " ORDER BY created_at, id", p.values))
    out.push_back({r.text(0), r.real(1), r.integer(2), r.integer(3)});
  return out;
}

TagPreset DictationStore::create_tag(const TagPreset& t) {
  const SqlValue p[] = {t.id, t.user_id, t.name, t.folded, t.created_at};
  pool_.acquire()->query("INSERT INTO tag_presets (id, user_id, name, name_folded, created_at) VALUES ($1, $2, $3, $4, $5)", p);
  return t;
}

std::vector<TagPreset> DictationStore::list_tags(const std::string& user_id, const std::optional<std::string>& search_folded,
                                                 const std::string& sort_by, bool descending) {
  SqlParams p;
  std::string where = " WHERE user_id = " + p.add(user_id);
  if (search_folded) where += " AND name_folded LIKE " + p.add(like_pattern(*search_folded)) + " ESCAPE '\\'";
  const std::string order = descending ? " DESC" : " ASC";
  const std::string column = sort_by == "created_at" ? "created_at" : "name_folded";
  std::vector<TagPreset> out;
  for (const auto& r : pool_.acquire()->query("SELECT id, user_id, name, name_folded, created_at FROM tag_presets" + where +
                                                  " ORDER BY " + column + order + ", id" + order, p.values))
    out.push_back({r.text(0), r.text(1), r.text(2), r.text(3), r.integer(4)});
  return out;
}

bool DictationStore::delete_tag(const std::string& user_id, const std::string& id) {
  const SqlValue p[] = {user_id, id};
  return !pool_.acquire()->query("DELETE FROM tag_presets WHERE user_id = $1 AND id = $2 RETURNING id", p).empty();
}

std::optional<Translation> DictationStore::find_translation(const std::string& user_id, const std::string& item_id,
                                                            const std::string& target_language) {
  const SqlValue p[] = {user_id, item_id, target_language};
  const auto rows = pool_.acquire()->query(std::string("SELECT ") + kTranslationColumns +
                                               " FROM translations WHERE user_id = $1 AND item_id = $2 AND target_language = $3", p);
  if (rows.empty()) return std::nullopt;
  return translation_from(rows[0]);
}

std::optional<Translation> DictationStore::find_translation_by_id(const std::string& user_id, const std::string& id) {
  const SqlValue p[] = {user_id, id};
  const auto rows = pool_.acquire()->query(
      std::string("SELECT ") + kTranslationColumns + " FROM translations WHERE user_id = $1 AND id = $2", p);
  if (rows.empty()) return std::nullopt;
  return translation_from(rows[0]);
}

Translation DictationStore::save_translation(const Translation& t) {
  const SqlValue p[] = {t.id, t.user_id, t.item_id, t.target_language, t.text, t.provider, t.created_at, t.updated_at};
  const auto rows = pool_.acquire()->query(
      std::string("INSERT INTO translations (") + kTranslationColumns +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (item_id, target_language) DO UPDATE SET text = $5, "
          "provider = $6, updated_at = $8 RETURNING " + kTranslationColumns, p);
  return translation_from(rows.at(0));
}

}  // namespace orator::storage
