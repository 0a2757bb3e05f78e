// The Orator browser client: sign in, practise with live feedback, read the
// assessment, follow progress. Plain ES modules, no framework.
import { ApiError, call, raw, signIn, signOut, tokens } from './api.js';
import { lineChart } from './charts.js';
import { Dictation } from './dictation.js';
import { Pronunciation } from './pronunciation.js';
import { $, el, tile } from './dom.js';
import { LiveStream } from './stream.js';

const PITCH_WINDOW_S = 30;
const MIN_SCORED_SPEECH_S = 1;  // the server scores nothing below this (dsp::kMinScoredSpeechSeconds)
const WPM_SCALE = 300;  // the pace gauge spans 0-300 wpm; its green band is the mode's target (ready.targets)

function show(view) {
  const changed = $(`view-${view}`).hidden;
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${view}`;
  $('nav').hidden = view === 'auth';
  // Keyboard and screen-reader users land on the new view's heading, not the page body.
  if (changed) (view === 'auth' ? $('auth-email') : $(`view-${view}`).querySelector('h1'))?.focus();
}

// ---- Problems: what happened and what to do, cleared once resolved ----------

function showProblem(text) {
  $('problem').textContent = text ?? '';
  $('problem').hidden = !text;
  if (text) $('problem').scrollIntoView({ block: 'nearest' });  // where the user is looking, on a phone too
}

function microphoneProblem(e) {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia)
    return 'The microphone only works on a secure page. Open Orator over https (or at http://localhost on this computer) and press Start again.';
  switch (e?.name) {
    case 'NotAllowedError': case 'SecurityError':
      return `Microphone access was refused. ${allowMicrophoneHowTo()} Then press Start again.`;
    case 'NotFoundError': case 'OverconstrainedError':
      return 'No microphone was found. Plug one in, or choose another input device in your system\'s sound settings, then press Start again.';
    case 'NotReadableError': case 'AbortError':
      return 'The microphone could not be opened: another app may be using it. Close that app, then press Start again.';
    default: return null;
  }
}

// Where this browser keeps the site's microphone permission.
function allowMicrophoneHowTo() {
  const ua = navigator.userAgent;
  if (/Firefox\//.test(ua)) return 'Click the crossed-out microphone icon in the address bar and remove the block (or allow it in Settings → Privacy & Security → Permissions → Microphone).';
  if (/Safari\//.test(ua) && !/Chrome|Chromium|Edg\//.test(ua)) return 'Open Safari → Settings for This Website… and set Microphone to Allow.';
  return 'Click the site icon at the left of the address bar, set Microphone to Allow, and reload if asked.';
}

function closeProblem(code, reason) {
  if (code === 1006) return 'The connection to the server was lost mid-practice. What was analysed so far is kept in History. Check your connection, then press Start to practise again.';
  if (code === 1013 || code === 1008) return `The server could not take this practice now (${reason || 'busy'}). Wait a moment, then press Start again.`;
  return `The practice ended unexpectedly (${code}${reason ? ': ' + reason : ''}). What was analysed so far is kept in History; press Start to try again.`;
}

// A page load that failed because the server cannot be reached is tried
// again with a growing delay (1 s doubling to 30 s), and says so.
const retry = { timer: null, delay: 1000 };
function retryLater(what) {
  showProblem(`Cannot reach the Orator server to load ${what}. Check your connection; trying again in ${retry.delay / 1000} s…`);
  clearTimeout(retry.timer);
  retry.timer = setTimeout(route, retry.delay);
  retry.delay = Math.min(retry.delay * 2, 30000);
}

function fmtDuration(s) {
  if (s === null || s === undefined) return '–';
  const whole = Math.round(s);  // 59.6 s is 1:00, not 0:60
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

// ---- Routing ---------------------------------------------------------------

async function route() {
  clearTimeout(retry.timer);
  if (!tokens()) return show('auth');
  const [, view, id] = location.hash.split('/');
  try {
    if (view === 'report' && id) { show('report'); await loadReport(id); }
    else if (view === 'history') { show('history'); await loadHistory(); }
    else if (view === 'dictation') { show('dictation'); await dictation.open(id); }
    else if (view === 'pronunciation') { show('pronunciation'); await pronunciation.open(id); }
    else {
      show('practice');
      if (!$('prompt').textContent) showPrompt();
      $('first-visit').hidden = localStorage.getItem('orator.seen-intro') === '1';
    }
    if (!stream) showProblem('');
    retry.delay = 1000;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { await signOut(); return show('auth'); }
    if (e instanceof TypeError) return retryLater({ history: 'your history', dictation: 'your dictation texts', pronunciation: 'your sentences' }[view] ?? 'this report');
    showProblem(e.message);
  }
}

// ---- Sign in ---------------------------------------------------------------

// One form, two purposes, never both at once: Enter does what the form says.
let authForm = 'sign-in';
function setAuthForm(which) {
  authForm = which;
  const create = which === 'create';
  $('auth-form').dataset.form = which;
  $('auth-heading').textContent = create ? 'Create an account' : 'Sign in';
  $('auth-submit').textContent = create ? 'Create account' : 'Sign in';
  $('auth-password').autocomplete = create ? 'new-password' : 'current-password';
  $('password-rule').hidden = !create;
  $('auth-switch-text').textContent = create ? 'Have an account?' : 'New here?';
  $('auth-switch').textContent = create ? 'Sign in instead' : 'Create an account';
  $('auth-error').textContent = '';
}

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

// Something to talk about, per mode (interview: a question to answer).
const PROMPTS = {
  presentation: ['Explain a project you worked on to someone new to it.', 'Present one idea that would improve your workplace.',
                 'Give a two-minute talk on a book, film or place you like.'],
  interview: ['Tell me about yourself.', 'Describe a time you solved a difficult problem. What did you do?',
              'Why do you want this role?', 'Tell me about a mistake you made and what you learned from it.',
              'Where do you see yourself in three years?'],
  conversation: ['Talk about how you spent last weekend.', 'Describe your ideal holiday.'],
  speech: ['Give a short toast for a friend\'s celebration.', 'Argue for one change in your town.'],
  pronunciation: ['Read aloud: "She sells sea shells by the sea shore."', 'Read aloud: "The thirty-three thieves thought that they thrilled the throne."'],
  dictation: ['Read slowly and clearly: "Please send the report to the team by Friday afternoon."'],
};
function showPrompt() {
  const list = PROMPTS[$('mode').value] ?? [];
  const text = list[Math.floor(Math.random() * list.length)] ?? '';
  $('prompt').textContent = text ? `${$('mode').value === 'interview' ? 'Question' : 'Try this'}: ${text}` : '';
}

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
  live = { pitch: [], metrics: 0, started: performance.now(), assessment: null, speakingSeen: false, targets: null };
  $('live').dataset.metrics = '0';
  $('live').dataset.speakingSeen = 'false';
  $('speaking').dataset.on = 'false';
  $('volume-bar').style.width = '0';
  $('pace-needle').dataset.zone = 'none';
  $('volume-bar').dataset.zone = 'quiet';
  $('volume-zone').textContent = levelText();
  $('nudge').dataset.shown = 'false';
  $('nudge-announcer').textContent = '';
  for (const id of ['pitch', 'wpm', 'volume-db']) $(id).textContent = '–';
  $('session-wpm').textContent = '';
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

// Shown above the live numbers for 8 s; announced by an aria-live region
// that is always present (a region toggled with `hidden` may go unread).
function showNudge(message) {
  const box = $('nudge');
  box.dataset.shown = 'false';
  void box.offsetWidth;  // restart the fade animation
  box.textContent = message;
  box.dataset.shown = 'true';
  $('nudge-announcer').textContent = message;
  clearTimeout(showNudge.timer);
  showNudge.timer = setTimeout(() => { box.dataset.shown = 'false'; }, 8000);
}

// Volume zones mean what the report means: its comfortable level is the
// mode's target band (ready.targets.volume_db), and below too_quiet_db the
// too_quiet nudge fires.
const DEFAULT_LEVEL = [-32, -10], DEFAULT_QUIET = -40;
function levelBand() { return live?.targets?.volume_db ?? DEFAULT_LEVEL; }
function dbTarget([lo, hi]) { return `target ${Math.round(lo)} to ${Math.round(hi)} dB`.replaceAll('-', '−'); }
function levelText() { return dbTarget(levelBand()); }
function volumeZone(db) {
  const [lo, hi] = levelBand(), quiet = live?.targets?.too_quiet_db ?? DEFAULT_QUIET;
  if (db < quiet) return ['quiet', 'too quiet: speak up or move closer'];
  if (db < lo) return ['low', 'a little quiet'];
  if (db <= hi) return ['good', 'comfortable'];
  if (db <= -3) return ['loud', 'loud'];
  return ['clipping', 'too loud: move back a little'];
}

function paceZone(wpm) {
  const t = live.targets;
  if (!t) return 'none';
  if ((t.too_fast_wpm !== null && wpm > t.too_fast_wpm) || (t.too_slow_wpm !== null && wpm < t.too_slow_wpm)) return 'nudge';
  return wpm >= t.wpm[0] && wpm <= t.wpm[1] ? 'good' : 'off';
}

// The pace gauge's green band and its label follow the mode's own target.
function showPaceTarget(targets) {
  const [low, high] = targets.wpm;
  const band = $('pace-target');
  band.style.left = `${low / WPM_SCALE * 100}%`;
  band.style.width = `${(high - low) / WPM_SCALE * 100}%`;
  $('pace-target-label').textContent = `target ${Math.round(low)}–${Math.round(high)} wpm`;
  live.targets = targets;
  const [lo, hi] = levelBand();
  $('volume-band').style.left = `${(lo + 60) / 60 * 100}%`;
  $('volume-band').style.width = `${(hi - lo) / 60 * 100}%`;
  $('volume-zone').textContent = levelText();
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
      $('volume-db').textContent = m.volume_db < -90 ? 'silent' : `${m.volume_db.toFixed(0)} dB`;
      $('volume-bar').style.width = `${Math.max(0, Math.min(100, (m.volume_db + 60) / 60 * 100))}%`;
      if (m.is_speaking) {  // silence between words is not a level to judge
        const [zone, words] = volumeZone(m.volume_db);
        $('volume-bar').dataset.zone = zone;
        $('volume-zone').textContent = `${words} · ${levelText()}`;
      }
      $('volume-meter').setAttribute('aria-valuenow', String(Math.round(Math.max(-60, m.volume_db))));
      if (m.pitch !== null) $('pitch').textContent = `${Math.round(m.pitch)} Hz`;
      live.pitch.push([m.analysed_t ?? m.t, m.pitch]);
      if (live.pitch.length > 2000) live.pitch.shift();
      if (m.wpm !== null) {
        $('wpm').textContent = `${Math.round(m.wpm)} wpm`;
        $('pace-needle').style.left = `${Math.min(100, m.wpm / WPM_SCALE * 100)}%`;
        $('pace-needle').dataset.zone = paceZone(m.wpm);
        $('pace-meter').setAttribute('aria-valuenow', String(Math.round(m.wpm)));
      }
      // The last 10 s move with the speaker; the whole practice settles on the report's figure.
      if (m.session_wpm != null) $('session-wpm').textContent = `${Math.round(m.session_wpm)} wpm so far`;
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
      showProblem(msg.message);
      break;
  }
}

async function startPractice() {
  $('start').disabled = true;
  $('status').textContent = 'Starting…';
  showProblem('');
  $('first-visit').hidden = true;  // the meters need the room now
  resetLive();
  // Events of a stream that is no longer the current one (signed out, replaced) are ignored.
  const current = new LiveStream(
    { mode: $('mode').value, codec: $('use-opus').checked ? 'opus' : 'f32', record: $('record').checked, title: 'Practice',
      transcript: $('transcript').checked },
    {
      onMessage: (msg) => { if (stream === current) onStreamMessage(msg); },
      onDropped: (n) => { if (stream === current) $('status').textContent = `Network is slow: ${n} audio frames dropped`; },
      onClose: ({ code, reason }) => { if (stream === current) finishPractice(code, reason); },
    });
  stream = current;
  try {
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) throw new Error('insecure');
    await current.start();
    if (stream !== current) return;
    $('live').dataset.state = 'live';
    $('stop').disabled = false;
    $('status').textContent = current.fellBack ? 'Listening (this browser cannot compress: sending raw audio)' : 'Listening…';
    $('stop').focus();
  } catch (e) {
    current.release();
    if (stream !== current) return;
    stream = null;
    $('start').disabled = false;
    $('status').textContent = '';
    showProblem(microphoneProblem(e) ?? (e instanceof TypeError
      ? 'Cannot reach the Orator server. Check your connection, then press Start again.' : e.message));
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
  $('status').textContent = '';
  if (live.assessment && session) {
    renderReport(live.assessment, { ...session, status: live.assessment.status ?? 'completed' });
    location.hash = `#/report/${session.id}`;
  } else {
    showProblem(closeProblem(code, reason));
    $('start').focus();
    // A stream refused for overload never started: its empty session is not kept in History.
    if (code === 1013 && session) call('DELETE', `/v1/sessions/${session.id}`).catch(() => {});
  }
}

// Sign-out ends everything of this user on this tab: capture, the stream,
// every view and form, and what was cached.
async function signOutHere() {
  const current = stream;
  stream = null;
  if (current) { current.release(); current.ws?.close(1000, 'signed out'); }
  clearTimeout(retry.timer);
  resetLive();
  $('live').dataset.state = 'idle';
  $('start').disabled = false;
  $('stop').disabled = true;
  $('status').textContent = '';
  showProblem('');
  shownReport = null;
  delete $('view-report').dataset.session;
  for (const id of ['scores', 'report-stats', 'pauses', 'feedback', 'fluency-stats', 'fluency-details', 'report-transcript',
                    'progress'])
    $(id).replaceChildren();
  $('sessions').tBodies[0].replaceChildren();
  dictation.reset();
  pronunciation.reset();
  const audio = $('recording-audio');
  if (audio.src) { URL.revokeObjectURL(audio.src); audio.removeAttribute('src'); }
  $('auth-form').reset();
  setAuthForm('sign-in');
  await signOut();
  location.hash = '';
  show('auth');
}

// ---- Report ----------------------------------------------------------------

let shownReport = null;

async function loadReport(id) {
  if (shownReport === id) return;
  // The previous report is not left showing while this one loads.
  $('view-report').dataset.loading = 'true';
  $('report-title').textContent = 'Loading your assessment…';
  for (const part of ['report-details', 'no-speech', 'report-notice', 'fluency', 'transcript-section', 'recording', 'practice-report']) $(part).hidden = true;
  const [session, report] = await Promise.all([call('GET', `/v1/sessions/${id}`), call('GET', `/v1/sessions/${id}/report`)]);
  if (report.type === 'practice') await renderPracticeReport(report, session);
  else renderReport(report, session);
}

// An ended pronunciation practice session: its aggregates and its attempts.
async function renderPracticeReport(report, session) {
  const attempts = await call('GET', `/v1/pronunciation/assessments?session_id=${session.id}&per_page=100`);
  shownReport = session.id;
  delete $('view-report').dataset.loading;
  $('view-report').dataset.session = session.id;
  const p = report.practice;
  $('report-title').textContent = `Pronunciation practice · ${p.attempts} attempt${p.attempts === 1 ? '' : 's'}`;
  $('practice-report-tiles').replaceChildren(
    tile('Attempts', String(p.attempts)), tile('Average', p.average_overall === null ? '–' : String(Math.round(p.average_overall))),
    tile('Best', p.best_overall === null ? '–' : String(p.best_overall)), tile('Reading time', fmtDuration(p.practice_seconds)));
  $('practice-report-weak').textContent = p.weak_phonemes.length
    ? `Sounds to work on: ${p.weak_phonemes.map((w) => `${w.phone} /${w.ipa}/ (${Math.round(w.mean_score)})`).join(', ')}.`
    : 'No sound stood out as weak in this session.';
  $('practice-attempts').tBodies[0].replaceChildren(...attempts.data.map((a) => el('tr', {}, [
    el('td', { textContent: new Date(a.created_at).toLocaleString() }), el('td', { textContent: a.target_text }),
    el('td', { textContent: String(a.scores.overall) }), el('td', { textContent: String(a.scores.accuracy) }),
    el('td', { textContent: String(a.scores.fluency) }), el('td', { textContent: String(a.scores.completeness) })])));
  $('practice-report').hidden = false;
}

async function deleteSession(id) {
  if (!confirm('Delete this practice, its report and any recording? This cannot be undone.')) return false;
  await call('DELETE', `/v1/sessions/${id}`);
  if (shownReport === id) shownReport = null;
  return true;
}

function renderReport(a, session) {
  shownReport = session.id;
  delete $('view-report').dataset.loading;
  $('view-report').dataset.session = session.id;
  $('report-title').textContent = `${a.mode[0].toUpperCase()}${a.mode.slice(1)} · ${fmtDuration(a.duration)}`;
  const interrupted = (session.status ?? a.status) === 'interrupted';
  $('report-notice').hidden = !interrupted;
  $('report-notice').textContent = interrupted
    ? `This practice was cut short (the connection or the server stopped). The report covers what was analysed: ${fmtDuration(a.duration)} of audio, ${fmtDuration(a.speaking_time)} of speech.`
    : '';
  // Nothing heard: say so and what to check, instead of scores of 0 and empty charts.
  const heard = a.speaking_time >= MIN_SCORED_SPEECH_S;
  $('no-speech').hidden = heard;
  $('report-details').hidden = !heard;
  $('view-report').dataset.heard = String(heard);
  if (!heard) {
    const reason = a.feedback.find((f) => f.code === 'not_enough_speech');
    $('no-speech-reason').textContent = reason ? reason.message
      : `Only ${a.speaking_time.toFixed(1)} s of speech was detected in ${fmtDuration(a.duration)}.`;
  }
  renderScores(a);
  const m = a.metrics, t = a.targets;
  // Each figure with the mode's target beside it.
  const stat = (label, value, id, target) => el('div', {}, [
    el('div', { className: 'label', textContent: label }), el('div', { className: 'big', textContent: value, id }),
    ...(target ? [el('div', { className: 'muted', textContent: target })] : [])]);
  const range = (pair, unit) => !pair ? '' : unit === 'dB' ? dbTarget(pair)
    : `target ${Math.round(pair[0])}–${Math.round(pair[1])} ${unit}`;
  $('report-stats').replaceChildren(
    stat('Speaking time', fmtDuration(a.speaking_time), 'stat-speaking',
         a.duration > 0 ? `${Math.round(100 * a.speaking_time / a.duration)}% of the session` : ''),
    stat('Pace', m.wpm === null ? '–' : `${Math.round(m.wpm)} wpm`, 'stat-wpm', range(t?.wpm, 'wpm')),
    stat('Pitch variation', m.pitch?.std_semitones == null ? '–' : `${m.pitch.std_semitones.toFixed(1)} st`, 'stat-variation',
         t ? `target ${t.pitch_std_semitones} st or more` : ''),
    stat('Mean pitch', m.pitch?.mean == null ? '–' : `${Math.round(m.pitch.mean)} Hz`, 'stat-pitch', 'your own voice: no target'),
    stat('Volume', m.volume?.mean_db == null ? '–' : `${Math.round(m.volume.mean_db)} dB`.replace('-', '−'), 'stat-volume',
         range(t?.volume_db, 'dB')),
    stat('Pauses', String(m.pause_count), 'stat-pauses',
         t ? `${m.pauses.filter((p) => p.duration >= t.long_pause_s).length} of ${t.long_pause_s} s or longer` : ''));
  const spans = m.pauses.map((p) => [p.start, p.end]);
  lineChart($('report-pitch'), { series: [{ points: a.timeline.map((p) => [p.t, p.pitch]), color: '#2962ff' }],
                                 spans, yUnit: ' Hz', xUnit: 's' });
  lineChart($('report-volume'), { series: [{ points: a.timeline.map((p) => [p.t, p.volume_db]), color: '#e36209' }],
                                  spans, band: t?.volume_db ?? [-32, -10], y: [-80, 0], yUnit: ' dB', xUnit: 's' });
  $('pauses').replaceChildren(...(m.pauses.length ? m.pauses.map((p) =>
    el('li', { textContent: `${p.duration.toFixed(1)} s pause at ${fmtDuration(p.start)}${t && p.duration >= t.long_pause_s ? ' (long)' : ''}` }))
    : [el('li', { textContent: 'No pauses.' })]));
  $('feedback').replaceChildren(...a.feedback.map((f) => el('li', { className: f.severity, textContent: f.message })));
  $('recording').hidden = !session.record;
  if (session.record) loadRecording(session.id);
  if (heard) showChangeSinceLast(a, session);
  // Without speech there are no words, fillers or feedback beyond what the box above says.
  $('feedback-section').hidden = !heard;
  renderFluency(a.fluency, heard);
  if (heard) loadTranscript(session.id); else $('transcript-section').hidden = true;
}

// Scores with a band and a one-line meaning; the change since the last
// practice of the same mode arrives a moment later.
const SCORE_MEANING = {
  overall: 'the mode\'s weighted mean of the four below',
  clarity: 'how easy you are to hear: level, background noise, articulation',
  pace: 'words per minute against the mode\'s target, and how much you pause',
  engagement: 'a lively voice: how much your pitch and level vary',
  confidence: 'a steady level, few long pauses, few hesitations',
};
function scoreBand(v) {
  return v >= 80 ? ['strong', 'strong'] : v >= 60 ? ['good', 'good'] : v >= 40 ? ['fair', 'needs work'] : ['weak', 'weak'];
}
function renderScores(a) {
  $('scores').replaceChildren(...Object.keys(SCORE_MEANING).map((k) => {
    const [band, words] = scoreBand(a.scores[k]);
    return el('div', { className: `score band-${band}`, id: `score-${k}` }, [
      el('span', { className: 'big', textContent: String(a.scores[k]) }),
      el('span', { className: 'label', textContent: k }),
      el('span', { className: 'band', textContent: words }),
      el('span', { className: 'muted', textContent: SCORE_MEANING[k] }),
      el('span', { className: 'muted change', textContent: '' })]);
  }));
}

async function showChangeSinceLast(a, session) {
  try {
    const all = await call('GET', '/v1/reports/sessions?format=json&order=desc&limit=200');
    if (shownReport !== session.id) return;
    const mine = all.data.find((s) => s.id === session.id);
    const before = all.data
      .filter((s) => s.id !== session.id && s.type === a.mode && (s.speaking_time ?? 0) >= MIN_SCORED_SPEECH_S && s.scores.overall !== null &&
                     (!mine || Date.parse(s.started_at) < Date.parse(mine.started_at)))
      .sort((x, y) => Date.parse(y.started_at) - Date.parse(x.started_at))[0];
    for (const k of Object.keys(SCORE_MEANING)) {
      const node = $(`score-${k}`)?.querySelector('.change');
      if (!node) continue;
      const prev = before?.scores[k];
      const d = prev == null ? null : a.scores[k] - prev;
      node.textContent = d === null ? `first ${a.mode} practice`
        : d === 0 ? `no change since your last ${a.mode}` : `${d > 0 ? '+' : '−'}${Math.abs(d)} since your last ${a.mode}`;
    }
  } catch { /* the change is a nicety: the report stands without it */ }
}

function renderFluency(f, heard = true) {
  $('fluency').hidden = !heard;
  if (!heard) return;
  if (!f || !f.recognizer) {  // say plainly what was not measured
    $('fluency-stats').replaceChildren();
    $('fluency-details').replaceChildren(el('li', { textContent:
      'Filler words and repetitions were not measured for this practice (no transcript was made). Turn on "Live transcript" to have them counted.' }));
    $('fluency').dataset.measured = 'false';
    return;
  }
  $('fluency').dataset.measured = 'true';
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
    page === 1 ? call('GET', '/v1/reports/sessions?format=json&order=desc&limit=200') : null,
  ]);
  const rows = list.data.map((s) => {
    const ended = s.status === 'completed' || s.status === 'interrupted';
    // A practice session of pronunciation attempts has no speech time of its own (null).
    const silent = ended && s.speaking_time !== null && s.speaking_time < MIN_SCORED_SPEECH_S;
    const remove = el('button', { className: 'link', textContent: 'Delete', title: 'Delete this practice' });
    remove.setAttribute('aria-label', `Delete the ${s.type} practice of ${new Date(s.created_at).toLocaleString()}`);
    remove.onclick = async (e) => {
      e.stopPropagation();
      if (await deleteSession(s.id)) { tr.remove(); loadHistory(1); }
    };
    const tr = el('tr', {}, [el('td', { textContent: new Date(s.created_at).toLocaleString() }),
                             el('td', { textContent: s.type }), el('td', { textContent: fmtDuration(s.duration) }),
                             el('td', { textContent: silent ? 'no speech' : s.overall_score ?? '–' }),
                             el('td', { textContent: s.status === 'interrupted' ? 'interrupted (partial report)' : s.status }),
                             el('td', {}, [remove])]);
    tr.dataset.session = s.id;
    if (ended) {
      // A row opens its report by click, Enter or Space.
      const open = () => { location.hash = `#/report/${s.id}`; };
      tr.tabIndex = 0;
      tr.setAttribute('role', 'link');
      tr.onclick = open;
      tr.onkeydown = (e) => { if (e.target === tr && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); open(); } };
    }
    return tr;
  });
  const body = $('sessions').tBodies[0];
  if (page === 1) body.replaceChildren(...rows); else body.append(...rows);
  $('history-empty').hidden = !(page === 1 && rows.length === 0);
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
  // Practices where no speech was heard have no meaningful score: not charted.
  const points = ended.data.filter((s) => s.scores.overall !== null && (s.speaking_time ?? 0) >= MIN_SCORED_SPEECH_S)
    .map((s) => [Date.parse(s.started_at), s.scores.overall]);
  lineChart($('progress-chart'), { series: [{ points, color: '#2ea043', dots: true }], y: [0, 100],
                                   xFormat: (x) => new Date(x).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }) });
}

// ---- Wiring ----------------------------------------------------------------

const dictation = new Dictation({ showProblem });
const pronunciation = new Pronunciation({ showProblem });

$('auth-form').addEventListener('submit', (e) => { e.preventDefault(); authenticate(authForm === 'create'); });
$('auth-switch').addEventListener('click', () => setAuthForm(authForm === 'create' ? 'sign-in' : 'create'));
$('mode').addEventListener('change', showPrompt);
$('first-visit-close').addEventListener('click', () => {
  localStorage.setItem('orator.seen-intro', '1');
  $('first-visit').hidden = true;
  $('start').focus();
});
$('sign-out').addEventListener('click', signOutHere);
$('report-delete').addEventListener('click', async () => {
  const id = $('view-report').dataset.session;
  if (id && await deleteSession(id)) location.hash = '#/history';
});
$('start').addEventListener('click', startPractice);
$('stop').addEventListener('click', stopPractice);
$('more').addEventListener('click', () => loadHistory(historyPage + 1));
window.addEventListener('hashchange', route);
window.addEventListener('beforeunload', () => { stream?.stop(); });
route();
