// The REST API: tokens kept in localStorage, refreshed once on a 401.
const KEY = 'orator.tokens';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function tokens() {
  try { return JSON.parse(localStorage.getItem(KEY)); } catch { return null; }
}

function keep(t) {
  if (t) localStorage.setItem(KEY, JSON.stringify({ access_token: t.access_token, refresh_token: t.refresh_token, user: t.user }));
  else localStorage.removeItem(KEY);
}

async function send(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function failure(res) {
  let code = 'HTTP_' + res.status, message = res.statusText;
  try {
    const e = (await res.json()).error;
    code = e.code; message = e.message;
  } catch { /* not the JSON error shape */ }
  return new ApiError(res.status, code, message);
}

async function refresh() {
  const t = tokens();
  if (!t) return false;
  const res = await send('POST', '/v1/auth/refresh', { refresh_token: t.refresh_token });
  if (!res.ok) { keep(null); return false; }
  keep(await res.json());
  return true;
}

// A call as the signed-in user; returns the Response (for non-JSON bodies).
export async function raw(method, path, body) {
  let res = await send(method, path, body, tokens()?.access_token);
  if (res.status === 401 && await refresh()) res = await send(method, path, body, tokens()?.access_token);
  if (!res.ok) throw await failure(res);
  return res;
}

// A binary body (a recording) as the signed-in user; returns the parsed JSON.
export async function upload(path, blob) {
  const post = () => fetch(path, { method: 'POST', headers: { Authorization: `Bearer ${tokens()?.access_token}`, 'Content-Type': blob.type },
                                   body: blob });
  let res = await post();
  if (res.status === 401 && await refresh()) res = await post();
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function call(method, path, body) {
  const res = await raw(method, path, body);
  return res.status === 204 ? null : res.json();
}

export async function signIn(email, password, create) {
  // New accounts take the browser's time zone (days and streaks are local);
  // one the server does not know falls back to its default, UTC.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const path = create ? '/v1/auth/register' : '/v1/auth/login';
  let res = await send('POST', path, create && zone ? { email, password, timezone: zone } : { email, password });
  if (create && zone && res.status === 400) {
    const e = await failure(res.clone());
    if (/timezone/i.test(e.message)) res = await send('POST', path, { email, password });
  }
  if (!res.ok) throw await failure(res);
  keep(await res.json());
}

export async function signOut() {
  const t = tokens();
  if (t) await send('POST', '/v1/auth/logout', { refresh_token: t.refresh_token }, t.access_token).catch(() => {});
  keep(null);
}

// The access token, fresh enough to open a stream with (?access_token=).
export async function streamToken() {
  await call('GET', '/v1/users/me');  // refreshes the token if it expired
  return tokens()?.access_token;
}
