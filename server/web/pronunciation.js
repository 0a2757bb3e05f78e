// The pronunciation page: sentences recommended for the learner's weak
// phonemes (or browsed), the reference reading, a recording of the
// learner's own scored word by word and phone by phone, and their phonemes
// over time. Everything goes through the REST API: /v1/sentences,
// /v1/pronunciation/assessments, /v1/analytics/phonemes, /v1/phonemes.
import { call, raw, upload } from './api.js';
import { $, el, tile } from './dom.js';

const MAX_SECONDS = 25;  // the server takes 30 s at most

// 16-bit PCM WAV of mono Float32 samples.
function wavOf(chunks, rate) {
  const n = chunks.reduce((sum, c) => sum + c.length, 0);
  const view = new DataView(new ArrayBuffer(44 + n * 2));
  const text = (at, s) => { for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
  text(0, 'RIFF'); view.setUint32(4, 36 + n * 2, true); text(8, 'WAVE'); text(12, 'fmt ');
  view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  text(36, 'data'); view.setUint32(40, n * 2, true);
  let at = 44;
  for (const c of chunks) for (const x of c) { view.setInt16(at, Math.max(-1, Math.min(1, x)) * 32767, true); at += 2; }
  return new Blob([view.buffer], { type: 'audio/wav' });
}

const STATUS_TEXT = { correct: 'said well', mispronounced: 'needs work', omitted: 'not heard', inserted: 'extra', repeated: 'repeated' };

export class Pronunciation {
  constructor({ showProblem }) {
    this.showProblem = showProblem;
    this.sentence = null;
    this.recorder = null;
    this.audioUrl = null;
    this.wire();
  }

  async open(sentenceId) {
    await Promise.all([this.loadRecommended(), this.loadSentences(), this.loadPhonemes()]);
    if (sentenceId && this.sentence?.id !== sentenceId) await this.pick(sentenceId);
  }

  reset() {
    this.stopRecording(true);
    this.sentence = null;
    for (const id of ['recommended', 'pron-words', 'pron-scores', 'pron-feedback', 'pron-phones', 'phoneme-stats']) $(id).replaceChildren();
    $('pron-practice').hidden = true;
    $('pron-result').hidden = true;
  }

  wire() {
    $('sentence-difficulty').addEventListener('change', () => this.loadSentences());
    let typing = null;
    $('sentence-search').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(() => this.loadSentences(), 300); });
    $('pron-listen').addEventListener('click', () => this.listen());
    $('pron-record').addEventListener('click', () => (this.recorder ? this.stopRecording(false) : this.startRecording()));
    $('pron-close').addEventListener('click', () => { location.hash = '#/pronunciation'; this.stopRecording(true); $('pron-practice').hidden = true; });
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
      $('pron-words').replaceChildren(...this.sentence.words.map((w) => el('span', { textContent: w.written })));
      $('pron-result').hidden = true;
      $('pron-practice').hidden = false;
      $('pron-heading').focus();
    });
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

  async startRecording() {
    await this.guard(async () => {
      const media = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      const context = new AudioContext();
      await context.audioWorklet.addModule('/web/capture-worklet.js');
      const source = context.createMediaStreamSource(media);
      const worklet = new AudioWorkletNode(context, 'orator-capture', {
        numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit',
        processorOptions: { frameSamples: Math.round(context.sampleRate / 10) },
      });
      const chunks = [];
      worklet.port.onmessage = (e) => {
        chunks.push(e.data);
        if (chunks.length >= MAX_SECONDS * 10) this.stopRecording(false);
      };
      source.connect(worklet);
      this.recorder = { media, context, chunks, rate: context.sampleRate };
      document.documentElement.dataset.capturing = 'true';
      $('pron-record').textContent = 'Stop and score';
      $('pron-state').textContent = 'Recording: read the sentence, then press Stop.';
    });
  }

  async stopRecording(discard) {
    const r = this.recorder;
    if (!r) return;
    this.recorder = null;
    for (const t of r.media.getTracks()) t.stop();
    await r.context.close();
    delete document.documentElement.dataset.capturing;
    $('pron-record').textContent = 'Record';
    if (discard) { $('pron-state').textContent = ''; return; }
    $('pron-state').textContent = 'Scoring…';
    await this.guard(async () => {
      const result = await upload(`/v1/pronunciation/assessments?sentence_id=${this.sentence.id}`, wavOf(r.chunks, r.rate));
      this.show(result);
      $('pron-state').textContent = '';
      await Promise.all([this.loadPhonemes(), this.loadRecommended()]);
    });
  }

  show(result) {
    const s = result.scores;
    $('pron-scores').replaceChildren(tile('Overall', String(s.overall)), tile('Accuracy', String(s.accuracy)),
                                     tile('Fluency', String(s.fluency)), tile('Completeness', String(s.completeness)),
                                     tile('Prosody', s.prosody === null ? '–' : String(s.prosody)));
    const targets = result.words.filter((w) => w.index !== undefined);
    $('pron-words').replaceChildren(...targets.map((w) => {
      const written = this.sentence.words[w.index]?.written ?? w.word;
      const span = el('span', { className: w.status, title: `${STATUS_TEXT[w.status]}: ${w.score}`, textContent: written });
      span.dataset.status = w.status;
      span.append(el('span', { className: 'visually-hidden', textContent: ` (${STATUS_TEXT[w.status]})` }));
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
    $('phoneme-stats').replaceChildren(...rows.slice(0, 12).map((p) => el('tr', {}, [
      el('td', { textContent: `${p.phone} /${p.ipa}/` }), el('td', { textContent: String(p.attempts) }),
      el('td', { textContent: String(Math.round(p.mean_score)) }), el('td', { textContent: p.trend ?? '–' }),
      el('td', { textContent: p.weak_words.map((w) => w.word).join(', ') })])));
  }
}
