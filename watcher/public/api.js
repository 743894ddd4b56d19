/**
 * Talks to the watcher server. The token printed at start arrives once in the page
 * URL; it is kept in sessionStorage, removed from the address bar (so it is not
 * bookmarked or shared by accident) and sent as a header with every request.
 */
const BASE = '/app/watcher';

function takeToken() {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem('watcher-token', fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem('watcher-token');
}

export const token = takeToken();

function headers(extra) {
  return token ? { 'X-Watcher-Token': token, ...extra } : { ...extra };
}

/** An error the server explained; `status` is the HTTP status. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * fetch, with the browser's "Failed to fetch" (no answer at all: the server is gone) said in
 * words an operator can act on.
 */
async function request(url, init) {
  try {
    return await fetch(url, init);
  } catch {
    throw new Error('cannot reach the watcher\'s server (it is down or restarting)');
  }
}

async function parse(res) {
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body.error ?? `HTTP ${res.status}`);
  return body;
}

/** GET /app/watcher/api/<path>?<params>; empty params are left out. */
export async function get(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== '' && value !== null && value !== undefined) query.set(key, String(value));
  }
  const qs = query.toString();
  return parse(await request(`${BASE}/api/${path}${qs ? `?${qs}` : ''}`, { headers: headers() }));
}

export async function post(path, body) {
  return parse(await request(`${BASE}/api/${path}`, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(body),
  }));
}

/**
 * Subscribes to the server-sent events. EventSource reconnects by itself; `onStatus`
 * hears 'live' / 'reconnecting' so the page can say so.
 */
export function listen({ onChange, onWarning, onStatus }) {
  const source = new EventSource(`${BASE}/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  source.addEventListener('hello', () => onStatus('live'));
  source.addEventListener('change', (e) => onChange(JSON.parse(e.data)));
  source.addEventListener('warning', (e) => onWarning(JSON.parse(e.data).message));
  source.addEventListener('error', () => onStatus('reconnecting'));
  return () => source.close();
}
