// The pronunciation page: sentences recommended for the learner's weak
// phonemes (or browsed), the reference reading, the learner's own reading
// streamed live (each word coloured as the server aligns it) and scored word
// by word and phone by phone, the practice session that gathers those
// attempts, and their phonemes over time. REST: /v1/sentences,
// /v1/sessions (practice sessions), /v1/pronunciation/assessments (a
// recording file), /v1/analytics/phonemes; live: the stream of stream.js.
import { call, raw, upload } from './api.js';
import { $, el, tile } from './dom.js';
import { LiveStream } from './stream.js';

const MAX_SECONDS = 25;  // the server assesses the first 30 s of a stream
const PRACTICE_KEY = 'orator.practiceSession';  // this tab's open practice session, across reloads

const STATUS_TEXT = { correct: 'said well', mispronounced: 'needs work', omitted: 'not heard', inserted: 'extra', repeated: 'repeated' };

export class Pronunciation {
  constructor({ showProblem }) {
    this.showProblem = showProblem;
    this.sentence = null;
    this.reading = null;  // the live stream of the current reading
    this.audioUrl = null;
    this.practiceId = sessionStorage.getItem(PRACTICE_KEY);
    this.wire();
  }

  async open(sentenceId) {
    await Promise.all([this.loadRecommended(), this.loadSentences(), this.loadPhonemes(), this.loadPractice()]);
    if (sentenceId && this.sentence?.id !== sentenceId) await this.pick(sentenceId);
  }

  reset() {
    this.stopReading(true);
    this.sentence = null;
    this.forgetPractice();
    for (const id of ['recommended', 'pron-words', 'pron-scores', 'pron-feedback', 'pron-phones', 'phoneme-stats', 'practice-summary']) $(id).replaceChildren();
    $('pron-practice').hidden = true;
    $('pron-result').hidden = true;
    $('practice-ended').hidden = true;
    $('phoneme-empty').hidden = false;
    delete $('phoneme-stats').dataset.user;
  }

  wire() {
    $('sentence-difficulty').addEventListener('change', () => this.loadSentences());
    let typing = null;
    $('sentence-search').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(() => this.loadSentences(), 300); });
    $('pron-listen').addEventListener('click', () => this.listen());
    $('pron-record').addEventListener('click', () => (this.reading ? this.stopReading(false) : this.startReading()));
    $('pron-file').addEventListener('change', () => this.scoreFile());
    $('practice-end').addEventListener('click', () => this.endPractice());
    $('pron-close').addEventListener('click', () => { location.hash = '#/pronunciation'; this.stopReading(true); $('pron-practice').hidden = true; });
  }

  async guard(work) {
    try { this.showProblem(''); await work(); } catch (e) { this.showProblem(e.message); }
  }

  sentenceButton(s) {
    return el('li', {}, [el('a', { href: `#/pronunciation/${s.id}`, textContent: s.text }),
                         el('span', { className: 'muted', textContent: ` ${s.difficulty}${s.exercises.length ? ' · ' + s.exercises.join(' ') : ''}` })]);
  }

  async loadRecommended() {
    const rec = await call('GET', '/v1/sentences/recommended?limit=5');
    $('recommended-basis').textContent = rec.based_on.length
      ? `Chosen for the sounds you find hardest: ${rec.based_on.join(', ')}.`
      : 'A first set: each sentence works on a different sound.';
    $('recommended').replaceChildren(...rec.data.map((s) => this.sentenceButton(s)));
  }

  async loadSentences() {
    const q = new URLSearchParams({ per_page: '12' });
    if ($('sentence-difficulty').value) q.set('difficulty', $('sentence-difficulty').value);
    if ($('sentence-search').value.trim()) q.set('search', $('sentence-search').value.trim());
    const page = await call('GET', `/v1/sentences?${q}`);
    $('sentences').replaceChildren(...page.data.map((s) => this.sentenceButton(s)));
    $('sentences-count').textContent = `${page.pagination.total} sentences`;
  }

  async pick(id) {
    await this.guard(async () => {
      this.sentence = await call('GET', `/v1/sentences/${id}`);
      $('pron-meta').textContent = `${this.sentence.difficulty} · works on ${this.sentence.exercises.join(', ') || 'everyday sounds'}`;
      this.paintWords();
      $('pron-result').hidden = true;
      $('pron-practice').hidden = false;
      $('pron-heading').focus();
    });
  }

  // The sentence's words, not scored yet.
  paintWords() {
    $('pron-words').replaceChildren(...this.sentence.words.map((w) => el('span', { textContent: w.written })));
  }

  // One word coloured by its status; the hidden text says it to screen readers.
  markWord(span, status, score, written) {
    span.className = status;
    span.dataset.status = status;
    span.title = `${STATUS_TEXT[status]}: ${score}`;
    span.replaceChildren(written, el('span', { className: 'visually-hidden', textContent: ` (${STATUS_TEXT[status]})` }));
  }

  async listen() {
    await this.guard(async () => {
      const blob = await (await raw('GET', `/v1/sentences/${this.sentence.id}/audio`)).blob();
      if (this.audioUrl) URL.revokeObjectURL(this.audioUrl);
      this.audioUrl = URL.createObjectURL(blob);
      $('pron-audio').src = this.audioUrl;
      await $('pron-audio').play().catch(() => {});
    });
  }

  // The open practice session this tab adds attempts to, made on first use.
  async practiceSession() {
    if (this.practiceId) {
      const s = await call('GET', `/v1/sessions/${this.practiceId}`).catch(() => null);
      if (s?.status === 'created') return this.practiceId;
      this.forgetPractice();
    }
    const s = await call('POST', '/v1/sessions', { type: 'pronunciation', title: 'Pronunciation practice' });
    this.practiceId = s.id;
    sessionStorage.setItem(PRACTICE_KEY, s.id);
    return s.id;
  }

  forgetPractice() {
    this.practiceId = null;
    sessionStorage.removeItem(PRACTICE_KEY);
  }

  async loadPractice() {
    if (!this.practiceId) { $('practice-card').hidden = true; return; }
    const s = await call('GET', `/v1/sessions/${this.practiceId}`).catch(() => null);
    if (s?.status !== 'created') { this.forgetPractice(); $('practice-card').hidden = true; return; }
    const p = s.practice;
    $('practice-summary').replaceChildren(tile('Attempts', String(p.attempts)),
                                          tile('Average', p.average_overall === null ? '–' : String(Math.round(p.average_overall))),
                                          tile('Best', p.best_overall === null ? '–' : String(p.best_overall)));
    $('practice-card').hidden = p.attempts === 0;
  }

  async endPractice() {
    await this.guard(async () => {
      if (!this.practiceId) return;
      const ended = await call('POST', `/v1/sessions/${this.practiceId}/end`);
      this.forgetPractice();
      const p = ended.practice;
      const weak = p.weak_phonemes.map((w) => `${w.phone} /${w.ipa}/`).join(', ');
      $('practice-card').hidden = true;
      $('practice-ended').hidden = false;
      $('practice-ended-text').textContent =
        `Session ended: ${p.attempts} attempt${p.attempts === 1 ? '' : 's'} over ${Math.round(p.practice_seconds)} s, ` +
        `average ${Math.round(p.average_overall ?? 0)}, best ${p.best_overall ?? 0}. ` +
        (weak ? `Sounds to work on: ${weak}.` : 'No sound stood out as weak.');
      $('practice-ended-link').href = `#/report/${ended.id}`;
    });
  }

  // Reads the sentence live: the microphone streams to the server, which
  // reports each word as it aligns it and the whole attempt at the end.
  async startReading() {
    await this.guard(async () => {
      this.paintWords();
      this.assessed = null;
      $('pron-result').hidden = true;
      $('practice-ended').hidden = true;
      $('pron-record').textContent = 'Stop and score';
      $('pron-state').textContent = 'Connecting…';
      const practiceSessionId = await this.practiceSession();
      const current = new LiveStream({ mode: 'pronunciation', codec: 'opus', record: false, title: `Reading: ${this.sentence.text}`,
                                       sentenceId: this.sentence.id, practiceSessionId }, {
        onMessage: (msg) => { if (this.reading === current) this.onMessage(msg); },
        onDropped: (n) => { if (this.reading === current) $('pron-state').textContent = `Network is slow: ${n} audio frames dropped`; },
        onClose: ({ code, reason }) => { if (this.reading === current) this.finishReading(code, reason); },
      });
      this.reading = current;
      try {
        await current.start();
      } catch (e) {
        if (this.reading === current) { this.reading = null; current.ws?.close(); current.release(); this.idle(''); }
        throw e;
      }
      if (this.reading !== current) return;
      $('pron-state').textContent = 'Listening: read the sentence. Each word is coloured once you have said it.';
      this.limit = setTimeout(() => this.stopReading(false), MAX_SECONDS * 1000);
    });
  }

  onMessage(msg) {
    if (msg.type === 'ready' && msg.pronunciation !== 'live') {
      $('pron-state').textContent = 'Listening, but the words of this sentence cannot be scored live.';
    } else if (msg.type === 'pronunciation' && msg.index !== null && msg.index !== undefined) {
      const span = $('pron-words').children[msg.index];
      if (span) this.markWord(span, msg.status, msg.score, this.sentence.words[msg.index]?.written ?? msg.word);
    } else if (msg.type === 'error') {
      this.showProblem(msg.message);
    } else if (msg.type === 'assessment') {
      this.assessed = msg.pronunciation ?? null;
    }
  }

  async stopReading(discard) {
    const r = this.reading;
    if (!r) return;
    clearTimeout(this.limit);
    if (discard) {
      this.reading = null;
      r.ws?.close();
      r.release();
      this.idle('');
      return;
    }
    $('pron-record').disabled = true;
    $('pron-state').textContent = 'Scoring the whole reading…';
    await r.stop();
  }

  idle(state) {
    clearTimeout(this.limit);
    $('pron-record').disabled = false;
    $('pron-record').textContent = 'Read aloud';
    $('pron-state').textContent = state;
  }

  async finishReading(code, reason) {
    this.reading = null;
    const result = this.assessed;
    this.idle('');
    if (!result || result.error) {
      this.showProblem(result?.error ? `This reading was not scored: ${result.error}.`
                                     : `The stream ended before the reading was scored (${reason || code}). Please read it again.`);
      return;
    }
    this.show(result);
    await this.guard(() => Promise.all([this.loadPhonemes(), this.loadRecommended(), this.loadPractice()]));
  }

  // A recording made elsewhere (WAV or Ogg Opus), scored into the same practice session.
  async scoreFile() {
    const file = $('pron-file').files[0];
    if (!file) return;
    await this.guard(async () => {
      $('pron-state').textContent = 'Scoring the recording…';
      try {
        const session = await this.practiceSession();
        const result = await upload(`/v1/pronunciation/assessments?sentence_id=${this.sentence.id}&session_id=${session}`, file);
        this.show(result);
        await Promise.all([this.loadPhonemes(), this.loadRecommended(), this.loadPractice()]);
      } finally {
        $('pron-state').textContent = '';
        $('pron-file').value = '';
      }
    });
  }

  show(result) {
    const s = result.scores;
    $('pron-scores').replaceChildren(tile('Overall', String(s.overall)), tile('Accuracy', String(s.accuracy)),
                                     tile('Fluency', String(s.fluency)), tile('Completeness', String(s.completeness)),
                                     tile('Prosody', s.prosody === null ? '–' : String(s.prosody)));
    const targets = result.words.filter((w) => w.index !== undefined && w.index !== null);
    $('pron-words').replaceChildren(...targets.map((w) => {
      const span = el('span');
      this.markWord(span, w.status, w.score, this.sentence.words[w.index]?.written ?? w.word);
      return span;
    }));
    $('pron-feedback').replaceChildren(...result.feedback.map((f) => el('li', { textContent: f.message })));
    if (!result.feedback.length) $('pron-feedback').append(el('li', { textContent: 'Every word was heard clearly. Try a harder sentence.' }));
    $('pron-phones').tBodies[0].replaceChildren(...targets.flatMap((w) => w.phones.map((p, i) => el('tr', {}, [
      el('td', { textContent: i === 0 ? w.word : '' }), el('td', { textContent: `${p.phone} /${p.ipa}/` }),
      el('td', { textContent: String(p.score) }), el('td', { textContent: p.said_as ? `${p.said_as} /${p.said_as_ipa}/` : '' })]))));
    $('pron-result').hidden = false;
  }

  async loadPhonemes() {
    const stats = await call('GET', '/v1/analytics/phonemes');
    const rows = [...stats.vowels, ...stats.consonants].sort((a, b) => a.mean_score - b.mean_score);
    $('phoneme-empty').hidden = rows.length > 0;
    $('phoneme-stats').dataset.user = 'loaded';  // for the page's tests: this user's figures are in
    $('phoneme-stats').replaceChildren(...rows.slice(0, 12).map((p) => el('tr', {}, [
      el('td', { textContent: `${p.phone} /${p.ipa}/` }), el('td', { textContent: String(p.attempts) }),
      el('td', { textContent: String(Math.round(p.mean_score)) }), el('td', { textContent: p.trend ?? '–' }),
      el('td', { textContent: p.weak_words.map((w) => w.word).join(', ') })])));
  }
}
