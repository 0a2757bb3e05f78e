// The dictation page: texts the server reads aloud (flite for English,
// espeak-ng for other languages), a typed attempt scored word by word, tags,
// translations and progress. Everything goes through the REST API:
// /v1/items, /v1/attempts, /v1/tags, /v1/dictation/stats, /metadata.
import { ApiError, call, raw } from './api.js';
import { lineChart } from './charts.js';
import { $, el, tile } from './dom.js';

// Locales offered for new texts, where the server has a voice for them.
const LOCALES = ['en-US', 'en-GB', 'es-ES', 'fr-FR', 'de-DE', 'it-IT', 'pt-BR', 'pt-PT', 'nl-NL', 'sv-SE', 'nb-NO',
                 'da-DK', 'fi-FI', 'pl-PL', 'cs-CZ', 'ru-RU', 'uk-UA', 'tr-TR', 'ca-ES', 'el-GR'];
// A first library for a new user, created in one bulk request.
const STARTERS = [
  { locale: 'en-US', text: 'The train to the city leaves at half past seven every morning.', tags: ['starter', 'travel'] },
  { locale: 'en-US', text: 'Please remember to water the plants while we are away on holiday.', tags: ['starter', 'home'] },
  { locale: 'en-US', text: 'Although the weather was awful, the concert went ahead as planned.', tags: ['starter'] },
  { locale: 'es-ES', text: '¿Dónde está la estación de tren más cercana?', tags: ['starter', 'travel'] },
  { locale: 'fr-FR', text: 'Je voudrais un café et un croissant, s’il vous plaît.', tags: ['starter', 'food'] },
  { locale: 'fi-FI', text: 'Hyvää huomenta, mitä sinulle kuuluu tänään?', tags: ['starter'] },
];
const PER_PAGE = 20;
const POLL_MS = 1500, MAX_POLLS = 80;  // pending audio is looked for again, for two minutes at most

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });
const localeName = (tag) => { try { return languageNames.of(tag); } catch { return tag; } };
const languageOf = (tag) => tag.split('-')[0].toLowerCase();

export class Dictation {
  constructor({ showProblem }) {
    this.showProblem = showProblem;
    this.metadata = null;
    this.page = 1;
    this.items = new Map();
    this.current = null;  // the item being practised
    this.polls = 0;
    this.pollTimer = null;
    this.audioUrl = null;
    this.listening = null;  // when the learner first pressed Play (time spent)
    this.wire();
  }

  // The view was opened (#/dictation or #/dictation/<item id>).
  async open(itemId) {
    if (!this.metadata) await this.loadMetadata();
    await Promise.all([this.loadTags(), this.loadItems(1), this.loadStats()]);
    if (itemId && this.current?.id !== itemId) await this.practise(itemId);
  }

  // Everything of the signed-out user goes.
  reset() {
    clearTimeout(this.pollTimer);
    this.items.clear();
    this.current = null;
    this.releaseAudio();
    for (const id of ['tags', 'dictation-stats', 'attempt-diff', 'tag-presets']) $(id).replaceChildren();
    $('items').tBodies[0].replaceChildren();
    $('dictation-practice').hidden = true;
    $('item-form').reset();
    $('attempt-text').value = '';
  }

  wire() {
    $('item-form').addEventListener('submit', (e) => { e.preventDefault(); this.addItem(); });
    $('add-starters').addEventListener('click', () => this.addStarters());
    $('tag-form').addEventListener('submit', (e) => { e.preventDefault(); this.addTag(); });
    for (const id of ['item-locale-filter', 'item-tag-filter', 'item-sort']) $(id).addEventListener('change', () => this.loadItems(1));
    let typing = null;
    $('item-search').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(() => this.loadItems(1), 300); });
    $('items-more').addEventListener('click', () => this.loadItems(this.page + 1));
    $('play-normal').addEventListener('click', () => this.play('normal'));
    $('play-slow').addEventListener('click', () => this.play('slow'));
    $('attempt-check').addEventListener('click', () => this.check());
    $('reveal').addEventListener('click', () => {
      $('revealed').textContent = this.current?.text ?? '';
      $('revealed').hidden = !$('revealed').hidden;
      $('reveal').textContent = $('revealed').hidden ? 'Show the text' : 'Hide the text';
    });
    $('translate').addEventListener('click', () => this.translate());
    $('practice-close').addEventListener('click', () => { location.hash = '#/dictation'; this.close(); });
  }

  guard(task) {
    return task().catch((e) => this.showProblem(e instanceof ApiError && e.status === 401
      ? 'You were signed out. Sign in again to go on.' : e.message));
  }

  // ---- What the server speaks and translates ------------------------------

  async loadMetadata() {
    const md = await call('GET', '/metadata?detail=full&fields=providers');
    this.metadata = md.providers;
    const spoken = LOCALES.filter((l) => this.speaks(l));
    $('item-locale').replaceChildren(...spoken.map((l) => el('option', { value: l, textContent: `${localeName(l)} (${l})` })));
    $('item-locale-filter').replaceChildren(el('option', { value: '', textContent: 'Any' }),
                                            ...spoken.map((l) => el('option', { value: l, textContent: localeName(l) })));
  }

  // As the server chooses a voice: the tag, its language, or another variant of that language.
  speaks(locale) {
    const voices = Object.keys(this.metadata?.tts?.voices ?? {});
    const tag = locale.toLowerCase(), language = languageOf(locale);
    return voices.some((v) => v === tag || v === language || v.startsWith(language + '-'));
  }

  // ---- The library --------------------------------------------------------

  async loadItems(page) {
    const q = new URLSearchParams({ page, per_page: PER_PAGE, sort_by: $('item-sort').value });
    if ($('item-locale-filter').value) q.set('locale', $('item-locale-filter').value);
    if ($('item-tag-filter').value) q.set('tags', $('item-tag-filter').value);
    if ($('item-search').value.trim()) q.set('search', $('item-search').value.trim());
    const result = await call('GET', `/v1/items?${q}`);
    this.page = page;
    const body = $('items').tBodies[0];
    if (page === 1) { body.replaceChildren(); this.items.clear(); }
    for (const item of result.data) {
      this.items.set(item.id, item);
      body.append(this.itemRow(item));
    }
    const filtered = q.has('locale') || q.has('tags') || q.has('search');
    $('items-empty').hidden = result.pagination.total > 0 || filtered;
    $('items-more').hidden = page >= result.pagination.pages;
    this.pollPending();
  }

  itemRow(item) {
    const practise = el('button', { className: 'secondary', textContent: 'Practise' });
    practise.addEventListener('click', (e) => { e.stopPropagation(); location.hash = `#/dictation/${item.id}`; });
    const remove = el('button', { className: 'link', textContent: 'Delete' });
    remove.setAttribute('aria-label', `Delete “${item.text.slice(0, 40)}”`);
    remove.addEventListener('click', (e) => { e.stopPropagation(); this.guard(() => this.deleteItem(item)); });
    const text = item.text.length > 70 ? item.text.slice(0, 68) + '…' : item.text;
    const audio = { ready: 'ready', pending: 'being made…', processing: 'being made…', failed: 'failed' }[item.tts_status];
    const audioCell = el('td', { textContent: audio });
    if (item.tts_error) audioCell.title = item.tts_error;
    const row = el('tr', { tabIndex: 0 }, [
      el('td', {}, [el('span', { textContent: text }), ...item.tags.map((t) => el('span', { className: 'muted', textContent: ` #${t}` }))]),
      el('td', { textContent: localeName(item.locale) }), el('td', { textContent: `${item.difficulty}/5` }), audioCell,
      el('td', { textContent: String(item.attempt_count) }), el('td', {}, [practise, remove])]);
    row.dataset.id = item.id;
    row.dataset.tts = item.tts_status;
    row.setAttribute('aria-label', `${text}, ${localeName(item.locale)}, difficulty ${item.difficulty} of 5`);
    const open = () => { location.hash = `#/dictation/${item.id}`; };
    row.addEventListener('click', open);
    row.addEventListener('keydown', (e) => { if (e.target === row && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); open(); } });
    return row;
  }

  // Items whose audio is still being made are looked at again until ready or failed.
  pollPending() {
    clearTimeout(this.pollTimer);
    const pending = [...this.items.values()].filter((i) => i.tts_status === 'pending' || i.tts_status === 'processing');
    if (!pending.length || this.polls >= MAX_POLLS) { this.polls = 0; return; }
    this.pollTimer = setTimeout(() => this.guard(async () => {
      if ($('view-dictation').hidden) return;
      ++this.polls;
      for (const item of pending) {
        const fresh = await call('GET', `/v1/items/${item.id}`);  // carries tts_status
        if (fresh.tts_status === item.tts_status) continue;
        this.items.set(fresh.id, fresh);
        $('items').tBodies[0].querySelector(`tr[data-id="${fresh.id}"]`)?.replaceWith(this.itemRow(fresh));
        if (this.current?.id === fresh.id) { this.current = fresh; this.showAudioState(); }
      }
      this.pollPending();
    }), POLL_MS);
  }

  itemFields() {
    const tags = $('item-tags').value.split(',').map((t) => t.trim()).filter(Boolean);
    const body = { locale: $('item-locale').value, text: $('item-text').value, tags };
    if ($('item-difficulty').value) body.difficulty = Number($('item-difficulty').value);
    return body;
  }

  async addItem() {
    $('item-error').textContent = '';
    try {
      await call('POST', '/v1/items', this.itemFields());
      $('item-form').reset();
      $('item-locale').selectedIndex = 0;
      await this.loadItems(1);
    } catch (e) {
      $('item-error').textContent = e.message;
    }
  }

  async addStarters() {
    $('item-error').textContent = '';
    const items = STARTERS.filter((s) => this.speaks(s.locale));
    try {
      const r = await call('POST', '/v1/items/bulk', { items });
      if (r.failed.length) $('item-error').textContent = `${r.failed.length} starter texts could not be added: ${r.failed[0].error.message}`;
      await Promise.all([this.loadItems(1), this.loadTags()]);
    } catch (e) {
      $('item-error').textContent = e.message;
    }
  }

  async deleteItem(item) {
    if (!confirm('Delete this text, its audio, translations and attempts? This cannot be undone.')) return;
    await call('DELETE', `/v1/items/${item.id}`);
    if (this.current?.id === item.id) { location.hash = '#/dictation'; this.close(); }
    await Promise.all([this.loadItems(1), this.loadStats()]);
  }

  // ---- Tags -----------------------------------------------------------------

  async loadTags() {
    const { data } = await call('GET', '/v1/tags?sort_by=name');
    $('tags').replaceChildren(...data.map((t) => {
      const remove = el('button', { className: 'link', textContent: '×', type: 'button' });
      remove.setAttribute('aria-label', `Delete tag ${t.name}`);
      remove.addEventListener('click', () => this.guard(async () => {
        await call('DELETE', `/v1/tags/${t.id}`);
        await this.loadTags();
      }));
      return el('li', {}, [el('span', { textContent: t.name }), remove]);
    }));
    $('tag-presets').replaceChildren(...data.map((t) => el('option', { value: t.name })));
    const chosen = $('item-tag-filter').value;
    $('item-tag-filter').replaceChildren(el('option', { value: '', textContent: 'Any' }),
                                         ...data.map((t) => el('option', { value: t.name, textContent: t.name })));
    if (data.some((t) => t.name === chosen)) $('item-tag-filter').value = chosen;
  }

  async addTag() {
    $('tag-error').textContent = '';
    try {
      await call('POST', '/v1/tags', { name: $('tag-name').value.trim() });
      $('tag-name').value = '';
      await this.loadTags();
    } catch (e) {
      $('tag-error').textContent = e.message;
    }
  }

  // ---- Practice -------------------------------------------------------------

  async practise(id) {
    const item = await call('GET', `/v1/items/${id}`);
    this.current = item;
    this.listening = null;
    this.releaseAudio();
    $('dictation-practice').hidden = false;
    $('practice-meta').textContent = `${localeName(item.locale)} · difficulty ${item.difficulty}/5` +
      (item.tags.length ? ` · ${item.tags.join(', ')}` : '') + ` · ${item.attempt_count} earlier attempts`;
    $('attempt-text').value = '';
    $('attempt-text').lang = item.locale;
    $('attempt-result').hidden = true;
    $('revealed').hidden = true;
    $('reveal').textContent = 'Show the text';
    $('translation').hidden = true;
    const pairs = this.metadata?.translation?.pairs ?? [];
    const from = languageOf(item.locale);
    const targets = pairs.filter((p) => p.startsWith(from + '-')).map((p) => p.split('-')[1]);
    $('translate-to').replaceChildren(...targets.map((t) => el('option', { value: t, textContent: localeName(t) })));
    $('translate').disabled = targets.length === 0;
    $('translate').title = targets.length ? '' : `No offline translation from ${localeName(from)} is installed`;
    this.showAudioState();
    $('practice-heading').focus();
    $('dictation-practice').scrollIntoView({ block: 'nearest' });
  }

  close() {
    this.current = null;
    this.releaseAudio();
    $('dictation-practice').hidden = true;
  }

  showAudioState() {
    const s = this.current?.tts_status;
    const ready = s === 'ready';
    $('play-normal').disabled = $('play-slow').disabled = !ready;
    $('audio-state').textContent = ready ? '' : s === 'failed' ? `No audio: ${this.current.tts_error}` : 'The audio is being made…';
    if (!ready && s !== 'failed') this.pollPending();
  }

  releaseAudio() {
    const audio = $('dictation-audio');
    audio.pause();
    if (this.audioUrl) URL.revokeObjectURL(this.audioUrl);
    this.audioUrl = null;
    audio.removeAttribute('src');
    delete audio.dataset.rate;
  }

  async play(rate) {
    await this.guard(async () => {
      const res = await raw('GET', `/v1/items/${this.current.id}/audio?rate=${rate}`);
      const blob = await res.blob();
      this.releaseAudio();
      this.audioUrl = URL.createObjectURL(blob);
      const audio = $('dictation-audio');
      audio.src = this.audioUrl;
      audio.dataset.rate = rate;
      this.listening ??= performance.now();
      await audio.play().catch(() => {});  // autoplay refused: the controls are there
    });
  }

  async check() {
    const item = this.current;
    if (!item) return;
    await this.guard(async () => {
      const body = { item_id: item.id, text: $('attempt-text').value, ignore_accents: $('ignore-accents').checked };
      if (this.listening !== null) body.duration_ms = Math.round(performance.now() - this.listening);
      const a = await call('POST', '/v1/attempts', body);
      this.showResult(a);
      this.listening = null;
      await Promise.all([this.loadStats(), this.loadItems(1)]);
    });
  }

  showResult(a) {
    $('attempt-result').hidden = false;
    $('attempt-score').textContent = `${Math.round(a.percentage)}%`;
    $('attempt-summary').textContent = `${a.words_correct} of ${a.words_ref} words right · ${a.substitutions} misspelt · ` +
      `${a.deletions} missed · ${a.insertions} extra · word error rate ${a.wer.toFixed(2)}`;
    $('attempt-diff').replaceChildren(...a.alignment.flatMap((w) => {
      const span = el('span', { className: w.status });
      if (w.status === 'correct') span.textContent = w.typed;
      else if (w.status === 'inserted') span.append(el('span', { className: 'visually-hidden', textContent: 'extra: ' }), w.typed);
      else {
        if (w.typed) span.append(el('del', { textContent: w.typed }), ' ');
        else span.append(el('span', { className: 'visually-hidden', textContent: 'missed: ' }));
        span.append(el('ins', { textContent: w.reference }));
      }
      span.dataset.status = w.status;
      return [span, ' '];
    }));
  }

  async translate() {
    const item = this.current;
    if (!item || !$('translate-to').value) return;
    await this.guard(async () => {
      const t = await call('POST', `/v1/items/${item.id}/translations?target_language=${$('translate-to').value}`);
      $('translation').textContent = `${t.text} (${localeName(t.target_language)}, ${t.provider})`;
      $('translation').hidden = false;
    });
  }

  // ---- Progress -------------------------------------------------------------

  async loadStats() {
    const [summary, progress] = await Promise.all([call('GET', '/v1/dictation/stats/summary'),
                                                   call('GET', '/v1/dictation/stats/progress')]);
    const pct = (v) => (v === null ? '–' : `${Math.round(v)}%`);
    $('dictation-stats').replaceChildren(tile('Attempts', String(summary.total_attempts)),
                                         tile('Texts practised', String(summary.unique_items_practiced)),
                                         tile('Average', pct(summary.average_score)), tile('Best', pct(summary.best_score)),
                                         tile('Minutes', String(summary.practice_minutes)));
    const points = progress.data.map((d) => [Date.parse(d.date), d.average_score]);
    const days = points.map(([x]) => x);
    lineChart($('dictation-chart'), { series: [{ points, color: '#2ea043', dots: true }], y: [0, 100],
                                      x: [Math.min(...days), Math.max(...days)],
                                      xFormat: (x) => new Date(x).toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) });
  }
}
