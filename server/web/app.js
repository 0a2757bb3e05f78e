// The Orator browser client: sign in, practise with live feedback, read the
// assessment, follow progress. Plain ES modules, no framework.
import { ApiError, call, raw, signIn, signOut, tokens } from './api.js';
import { lineChart } from './charts.js';
import { LiveStream } from './stream.js';

const $ = (id) => document.getElementById(id);
const PITCH_WINDOW_S = 30;
const WPM_SCALE = 300;  // the pace gauge spans 0-300 wpm; its green band is the mode's target (ready.targets)

function show(view) {
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${view}`;
  $('nav').hidden = view === 'auth';
}

function fmtDuration(s) {
  if (s === null || s === undefined) return '–';
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  return `${m}:${String(r).padStart(2, '0')}`;
}

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  for (const c of children) node.append(c);
  return node;
}

// ---- Routing ---------------------------------------------------------------

async function route() {
  if (!tokens()) return show('auth');
  const [, view, id] = location.hash.split('/');
  try {
    if (view === 'report' && id) { show('report'); await loadReport(id); }
    else if (view === 'history') { show('history'); await loadHistory(); }
    else show('practice');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { await signOut(); return show('auth'); }
    $('status').textContent = e.message;
  }
}

// ---- Sign in ---------------------------------------------------------------

async function authenticate(create) {
  const email = $('auth-email').value.trim(), password = $('auth-password').value;
  $('auth-error').textContent = '';
  try {
    await signIn(email, password, create);
    location.hash = '#/practice';
    await route();
  } catch (e) {
    $('auth-error').textContent = e.message;
  }
}

// ---- Live practice ---------------------------------------------------------

let stream = null;
let live = null;  // per-stream view state

// Words as text, with hesitations and discourse markers marked.
function wordNodes(words) {
  const nodes = [];
  for (const w of words) {
    if (nodes.length) nodes.push(' ');
    nodes.push(w.filler || w.marker ? el('mark', { className: w.filler ? 'filler' : 'marker', textContent: w.word,
                                                   title: w.filler ? 'filler word' : 'discourse marker used as a filler' })
                                   : w.word);
  }
  return nodes;
}

function showTranscriptState(delivery) {
  const box = $('live-transcript');
  box.hidden = !delivery || delivery === 'off';
  box.dataset.delivery = delivery || 'off';
  $('transcript-state').textContent = delivery === 'deferred'
    ? 'Every recogniser is busy: your transcript will be made after you stop.' : '';
}

function resetLive() {
  live = { pitch: [], metrics: 0, started: performance.now(), assessment: null, speakingSeen: false };
  $('live').dataset.metrics = '0';
  $('live').dataset.speakingSeen = 'false';
  $('speaking').dataset.on = 'false';
  $('volume-bar').style.width = '0';
  for (const id of ['pitch', 'wpm', 'volume-db']) $(id).textContent = '–';
  $('transcript-final').replaceChildren();
  $('transcript-partial').replaceChildren();
  showTranscriptState('off');
  drawPitchTrace(0);
}

function drawPitchTrace(now) {
  const from = Math.max(0, now - PITCH_WINDOW_S);
  lineChart($('pitch-trace'), {
    series: [{ points: live.pitch.filter((p) => p[0] >= from), color: '#2962ff' }],
    x: [from, Math.max(from + PITCH_WINDOW_S, now)], yUnit: ' Hz', xUnit: 's',
  });
}

function setSpeaking(on) {
  $('speaking').dataset.on = String(on);
  $('speaking').setAttribute('aria-label', on ? 'speaking' : 'not speaking');
  if (on && !live.speakingSeen) { live.speakingSeen = true; $('live').dataset.speakingSeen = 'true'; }
}

function showNudge(message) {
  const box = $('nudge');
  box.hidden = true;
  void box.offsetWidth;  // restart the fade animation
  box.textContent = message;
  box.hidden = false;
  clearTimeout(showNudge.timer);
  showNudge.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

// The pace gauge's green band and its label follow the mode's own target.
function showPaceTarget(targets) {
  const [low, high] = targets.wpm;
  const band = $('pace-target');
  band.style.left = `${low / WPM_SCALE * 100}%`;
  band.style.width = `${(high - low) / WPM_SCALE * 100}%`;
  $('pace-target-label').textContent = `target ${Math.round(low)}–${Math.round(high)} wpm`;
}

function onStreamMessage(msg) {
  switch (msg.type) {
    case 'ready':
      $('codec').textContent = `${msg.codec} · ${msg.sample_rate} Hz`;
      $('live').dataset.codec = msg.codec;
      showTranscriptState(msg.transcript);
      if (msg.targets) showPaceTarget(msg.targets);
      break;
    case 'transcript':
      if (msg.final) {
        $('transcript-final').append(...wordNodes(msg.words), ' ');
        $('transcript-partial').replaceChildren();
      } else {
        $('transcript-partial').replaceChildren(...wordNodes(msg.words));
      }
      break;
    case 'processing':
      $('transcript-state').textContent = msg.status === 'queued'
        ? 'The transcript will be ready in a moment: it is being made after the stream.'
        : `Transcript: ${msg.status}`;
      break;
    case 'metrics': {
      const m = msg.data;
      live.metrics++;
      $('live').dataset.metrics = String(live.metrics);
      setSpeaking(m.is_speaking);
      $('volume-db').textContent = `${m.volume_db.toFixed(0)} dB`;
      $('volume-bar').style.width = `${Math.max(0, Math.min(100, (m.volume_db + 60) / 60 * 100))}%`;
      if (m.pitch !== null) $('pitch').textContent = `${Math.round(m.pitch)} Hz`;
      live.pitch.push([m.analysed_t ?? m.t, m.pitch]);
      if (live.pitch.length > 2000) live.pitch.shift();
      if (m.wpm !== null) {
        $('wpm').textContent = `${Math.round(m.wpm)} wpm`;
        $('pace-needle').style.left = `${Math.min(100, m.wpm / WPM_SCALE * 100)}%`;
      }
      $('elapsed').textContent = fmtDuration(m.t);
      drawPitchTrace(m.t);
      break;
    }
    case 'vad':
      setSpeaking(msg.event === 'speech_start');
      break;
    case 'nudge':
      showNudge(msg.message);
      break;
    case 'assessment':
      live.assessment = msg;
      break;
    case 'error':
      $('status').textContent = `${msg.code}: ${msg.message}`;
      break;
  }
}

async function startPractice() {
  $('start').disabled = true;
  $('status').textContent = 'Starting…';
  resetLive();
  stream = new LiveStream(
    { mode: $('mode').value, codec: $('use-opus').checked ? 'opus' : 'f32', record: $('record').checked, title: 'Practice',
      transcript: $('transcript').checked },
    {
      onMessage: onStreamMessage,
      onDropped: (n) => { $('status').textContent = `Network is slow: ${n} audio frames dropped`; },
      onClose: ({ code, reason }) => finishPractice(code, reason),
    });
  try {
    await stream.start();
    $('live').dataset.state = 'live';
    $('stop').disabled = false;
    $('status').textContent = stream.fellBack ? 'Listening (this browser cannot compress: sending raw audio)' : 'Listening…';
  } catch (e) {
    stream.release();
    stream = null;
    $('start').disabled = false;
    $('status').textContent = e.name === 'NotAllowedError' ? 'Microphone access was refused.' : e.message;
  }
}

async function stopPractice() {
  $('stop').disabled = true;
  $('status').textContent = 'Finishing…';
  await stream?.stop();
}

function finishPractice(code, reason) {
  const session = stream?.session;
  stream = null;
  $('live').dataset.state = 'idle';
  $('start').disabled = false;
  $('stop').disabled = true;
  if (live.assessment && session) {
    $('status').textContent = '';
    renderReport(live.assessment, session);
    location.hash = `#/report/${session.id}`;
  } else {
    $('status').textContent = `The stream ended (${code}${reason ? ': ' + reason : ''}).`;
  }
}

// ---- Report ----------------------------------------------------------------

let shownReport = null;

async function loadReport(id) {
  if (shownReport === id) return;
  const [session, report] = await Promise.all([call('GET', `/v1/sessions/${id}`), call('GET', `/v1/sessions/${id}/report`)]);
  renderReport(report, session);
}

function renderReport(a, session) {
  shownReport = session.id;
  $('view-report').dataset.session = session.id;
  $('report-title').textContent = `${a.mode[0].toUpperCase()}${a.mode.slice(1)} · ${fmtDuration(a.duration)}`;
  $('scores').replaceChildren(...['overall', 'clarity', 'pace', 'engagement', 'confidence'].map((k) =>
    el('div', { className: 'score', id: `score-${k}` }, [el('span', { className: 'big', textContent: String(a.scores[k]) }),
                                                         el('span', { className: 'label', textContent: k })])));
  const m = a.metrics;
  const stat = (label, value, id) => el('div', {}, [el('div', { className: 'label', textContent: label }),
                                                     el('div', { className: 'big', textContent: value, id })]);
  $('report-stats').replaceChildren(
    stat('Speaking time', fmtDuration(a.speaking_time), 'stat-speaking'),
    stat('Pace', m.wpm === null ? '–' : `${Math.round(m.wpm)} wpm`, 'stat-wpm'),
    stat('Mean pitch', m.pitch.mean === null ? '–' : `${Math.round(m.pitch.mean)} Hz`, 'stat-pitch'),
    stat('Volume', m.volume.mean_db === null ? '–' : `${Math.round(m.volume.mean_db)} dB`, 'stat-volume'),
    stat('Pauses', String(m.pause_count), 'stat-pauses'));
  const spans = m.pauses.map((p) => [p.start, p.end]);
  lineChart($('report-pitch'), { series: [{ points: a.timeline.map((p) => [p.t, p.pitch]), color: '#2962ff' }],
                                 spans, yUnit: ' Hz', xUnit: 's' });
  lineChart($('report-volume'), { series: [{ points: a.timeline.map((p) => [p.t, p.volume_db]), color: '#e36209' }],
                                  spans, band: [-30, -12], y: [-80, 0], yUnit: ' dB', xUnit: 's' });
  $('pauses').replaceChildren(...(m.pauses.length ? m.pauses.map((p) =>
    el('li', { textContent: `${p.start.toFixed(1)} s – ${p.end.toFixed(1)} s (${p.duration.toFixed(1)} s)` }))
    : [el('li', { textContent: 'No pauses.' })]));
  $('feedback').replaceChildren(...a.feedback.map((f) => el('li', { className: f.severity, textContent: f.message })));
  $('recording').hidden = !session.record;
  if (session.record) loadRecording(session.id);
  renderFluency(a.fluency);
  loadTranscript(session.id);
}

function renderFluency(f) {
  $('fluency').hidden = !f || !f.recognizer;
  if ($('fluency').hidden) return;
  const stat = (label, value, id) => el('div', {}, [el('div', { className: 'label', textContent: label }),
                                                     el('div', { className: 'big', textContent: value, id })]);
  $('fluency-stats').replaceChildren(
    stat('Words', String(f.words), 'stat-words'),
    stat('Fillers', `${f.filler_count} (${(f.filler_ratio * 100).toFixed(1)}%)`, 'stat-fillers'),
    stat('Repetitions', String(f.repetitions.length), 'stat-repetitions'),
    stat('Articulation', f.articulation_rate === null ? '–' : `${f.articulation_rate.toFixed(1)} syl/s`, 'stat-articulation'));
  const tally = (list) => list.map((t) => `"${t.word}" ×${t.count} (at ${t.times.map((x) => x.toFixed(1) + ' s').join(', ')})`);
  const lines = [...tally(f.filler_words).map((s) => 'Filler ' + s),
                 ...tally(f.discourse_markers).map((s) => 'Used as a filler: ' + s),
                 ...f.repetitions.map((r) => `Repeated "${r.text}" at ${r.t.toFixed(1)} s`)];
  $('fluency-details').replaceChildren(...(lines.length ? lines : ['No fillers or repetitions.']).map((t) => el('li', { textContent: t })));
}

// The stored transcript (made live, or after the stream: then it may still be on its way).
async function loadTranscript(id, attempt = 0) {
  $('transcript-section').hidden = true;
  try {
    const t = await call('GET', `/v1/sessions/${id}/transcript`);
    if (shownReport !== id) return;
    $('report-transcript').replaceChildren(...wordNodes(t.words));
    $('transcript-section').hidden = false;
  } catch (e) {
    // 409: still being made; look again shortly (a minute at most).
    if (e.status === 409 && attempt < 30 && shownReport === id) setTimeout(() => loadTranscript(id, attempt + 1), 2000);
  }
}

async function loadRecording(id) {
  try {
    const blob = await (await raw('GET', `/v1/sessions/${id}/audio`)).blob();
    const audio = $('recording-audio');
    if (audio.src) URL.revokeObjectURL(audio.src);
    audio.src = URL.createObjectURL(blob);
  } catch { $('recording').hidden = true; }
}

// ---- History and progress --------------------------------------------------

let historyPage = 1;

async function loadHistory(page = 1) {
  historyPage = page;
  const [list, progress, ended] = await Promise.all([
    call('GET', `/v1/sessions?limit=20&page=${page}`),
    page === 1 ? call('GET', '/v1/analytics/progress?period=month') : null,
    page === 1 ? call('GET', '/v1/reports/sessions?format=json') : null,
  ]);
  const rows = list.data.map((s) => {
    const tr = el('tr', {}, [el('td', { textContent: new Date(s.created_at).toLocaleString() }),
                             el('td', { textContent: s.type }), el('td', { textContent: fmtDuration(s.duration) }),
                             el('td', { textContent: s.overall_score ?? '–' }), el('td', { textContent: s.status })]);
    tr.dataset.session = s.id;
    if (s.status === 'completed' || s.status === 'interrupted') tr.onclick = () => { location.hash = `#/report/${s.id}`; };
    return tr;
  });
  const body = $('sessions').tBodies[0];
  if (page === 1) body.replaceChildren(...rows); else body.append(...rows);
  $('more').hidden = page >= list.pagination.pages;
  if (!progress) return;

  const trend = (label, t) => el('div', { className: 'tile' }, [
    el('span', { className: 'label', textContent: label }),
    el('span', { className: 'big', textContent: t.current === null ? '–' : String(Math.round(t.current)) }),
    el('span', { className: 'muted', textContent: t.trend ? `${t.trend}${t.change !== null ? ` (${t.change > 0 ? '+' : ''}${Math.round(t.change)})` : ''}` : 'this month' })]);
  $('progress').replaceChildren(
    trend('Overall', progress.overall),
    ...Object.entries(progress.categories).map(([k, t]) => trend(k, t)),
    el('div', { className: 'tile' }, [el('span', { className: 'label', textContent: 'Streak' }),
                                      el('span', { className: 'big', textContent: `${progress.streak.current_days} d` }),
                                      el('span', { className: 'muted', textContent: `${progress.practice_time.current_minutes} min this month` })]));
  const points = ended.data.filter((s) => s.scores.overall !== null).map((s) => [Date.parse(s.started_at), s.scores.overall]);
  lineChart($('progress-chart'), { series: [{ points, color: '#2ea043', dots: true }], y: [0, 100],
                                   xFormat: (x) => new Date(x).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }) });
}

// ---- Wiring ----------------------------------------------------------------

$('auth-form').addEventListener('submit', (e) => { e.preventDefault(); authenticate(false); });
$('auth-register').addEventListener('click', () => {
  if ($('auth-form').reportValidity()) authenticate(true);
});
$('sign-out').addEventListener('click', async () => { await signOut(); location.hash = ''; show('auth'); });
$('start').addEventListener('click', startPractice);
$('stop').addEventListener('click', stopPractice);
$('more').addEventListener('click', () => loadHistory(historyPage + 1));
window.addEventListener('hashchange', route);
window.addEventListener('beforeunload', () => { stream?.stop(); });
route();
