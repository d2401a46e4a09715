// The one module that talks to the local Paperboy server: settings, fetch, and errors in words.

export const ext = globalThis.browser ?? globalThis.chrome;

export const DEFAULTS = Object.freeze({ serverUrl: "http://127.0.0.1:8765", token: "" });
const TIMEOUT_MS = 5000;
const WRITE_TIMEOUT_MS = 30000;

/** A failure the popup can show: a headline, a hint the researcher can act on, and its kind. */
export class ApiProblem extends Error {
  constructor(kind, message, hint = "", extra = {}) {
    super(message);
    this.name = "ApiProblem";
    Object.assign(this, { kind, hint, status: null, id: null }, extra);
  }
}

const KEYS = Object.keys(DEFAULTS);

/** The saved settings, with the defaults filled in. */
export async function getSettings() {
  let stored = await ext.storage.local.get(KEYS);
  if (KEYS.some((key) => typeof stored[key] !== "string")) stored = await moveFromSync();
  return {
    serverUrl: (stored.serverUrl || DEFAULTS.serverUrl).trim().replace(/\/+$/, ""),
    token: (stored.token || "").trim(),
  };
}

/** Save settings (only the keys given), on this device only. */
export function saveSettings(values) {
  return ext.storage.local.set(values);
}

/**
 * Move settings an older version kept in storage.sync (which copies them into the browser
 * account, token included) to storage.local, where a value already there wins; then remove
 * them from sync. Resolves to the local settings.
 */
export async function moveFromSync() {
  const [synced, local] = await Promise.all([
    ext.storage.sync.get(KEYS),
    ext.storage.local.get(KEYS),
  ]);
  const moved = Object.fromEntries(
    KEYS.filter((key) => typeof synced[key] === "string" && typeof local[key] !== "string")
      .map((key) => [key, synced[key]]),
  );
  if (Object.keys(moved).length) await ext.storage.local.set(moved);
  if (KEYS.some((key) => key in synced)) await ext.storage.sync.remove(KEYS);
  return { ...local, ...moved };
}

/** Move old synced settings, then write the defaults for any setting not yet stored. */
export async function ensureDefaults() {
  const stored = await moveFromSync();
  const missing = Object.fromEntries(
    Object.entries(DEFAULTS).filter(([key]) => typeof stored[key] !== "string"),
  );
  if (Object.keys(missing).length) await ext.storage.local.set(missing);
}

/** The server base URL if it is one the extension may reach, else an ApiProblem. */
export function checkServerUrl(serverUrl) {
  let parsed;
  try {
    parsed = new URL(serverUrl);
  } catch {
    throw new ApiProblem("bad-url", `The server URL "${serverUrl}" is not a URL.`,
      "Set it in Options, for example http://127.0.0.1:8765.");
  }
  if (parsed.protocol !== "http:" || !["127.0.0.1", "localhost"].includes(parsed.hostname)) {
    throw new ApiProblem("bad-url", `The server URL "${serverUrl}" is not a local Paperboy server.`,
      "The extension only talks to http://127.0.0.1:PORT or http://localhost:PORT; fix it in Options.");
  }
  return parsed.origin;
}

/** Call one API route; resolves to the envelope's data or rejects with an ApiProblem. */
export async function call(path, { method = "GET", body, token = false, signal, settings } = {}) {
  const { serverUrl, token: secret } = settings ?? (await getSettings());
  const base = checkServerUrl(serverUrl);
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token && secret) headers.Authorization = `Bearer ${secret}`;
  const timeout = method === "GET" ? TIMEOUT_MS : WRITE_TIMEOUT_MS;
  const timer = new AbortController();
  const clock = setTimeout(() => timer.abort(), timeout);
  const stop = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
  let response;
  try {
    response = await fetch(base + path, {
      method, headers, signal: stop, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return await unwrap(response, base);
  } catch (error) {
    if (error instanceof ApiProblem) throw error;
    if (signal?.aborted) throw new ApiProblem("aborted", "Cancelled.");
    if (timer.signal.aborted) {
      throw new ApiProblem("timeout", `Paperboy at ${base} did not answer within ${timeout / 1000} s.`,
        "It may be busy building its search index: try again in a moment, or restart `paperboy serve`.");
    }
    throw new ApiProblem("offline", `Paperboy is not running at ${base}.`,
      "Start it with `paperboy serve`, or fix the server URL in Options.");
  } finally {
    clearTimeout(clock);
  }
}

async function unwrap(response, base) {
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    envelope = null;
  }
  if (!envelope && response.status === 413) {
    throw new ApiProblem("api", "This page is too large for Paperboy to read.",
      "Raise max_body_bytes in paperboy.toml, then restart `paperboy serve`.", { status: 413 });
  }
  if (!envelope || typeof envelope.ok !== "boolean") {
    throw new ApiProblem("not-paperboy",
      `The server at ${base} answered (HTTP ${response.status}) but it is not Paperboy.`,
      "Check the server URL and port in Options: `paperboy serve` prints the right one.");
  }
  if (envelope.ok) return envelope.data;
  const { status = response.status, message = "unknown error", id = null } = envelope.error ?? {};
  if (status === 401) {
    throw new ApiProblem("token", "This needs your API token.",
      "Run `paperboy token` and paste the token in Options.", { status });
  }
  if (status === 403 && /token/i.test(message)) {
    throw new ApiProblem("token", "The API token is wrong.",
      "Copy it again from `paperboy token` into Options.", { status });
  }
  throw new ApiProblem("api", message, "", { status, id });
}

const q = encodeURIComponent;

/** Version, counts and index state. */
export const health = (options) => call("/api/health", options);
/** The stored paper a URL or id names (404 ApiProblem with .id when not archived). */
export const lookup = (url, options) => call(`/api/lookup?url=${q(url)}`, options);
/** One stored paper by id. */
export const paper = (id, options) => call(`/api/papers/${q(id)}`, options);
/**
 * A paper's thumbnail as the server downloaded it (the paper's `thumbnail_local` path), as an
 * object URL for an <img>, or null when there is none: nothing is ever loaded from another host.
 */
export async function thumbnail(path, options) {
  if (typeof path !== "string" || !/^\/api\/papers\/[^?#]+\/thumbnail$/.test(path)) return null;
  const { serverUrl } = options?.settings ?? (await getSettings());
  try {
    const response = await fetch(checkServerUrl(serverUrl) + path, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const type = response.headers.get("Content-Type") ?? "";
    if (!response.ok || !/^image\/(png|jpeg|webp|gif)$/.test(type)) return null;
    return URL.createObjectURL(await response.blob());
  } catch {
    return null; // a picture is decoration: the card says everything without it
  }
}
/** Papers like this one, with shared terms. */
export const similar = (id, limit = 5, options) =>
  call(`/api/papers/${q(id)}/similar?limit=${limit}`, options);
/** Search hits with title_spans and snippet {text, spans}. */
export const search = (query, perPage = 8, options) =>
  call(`/api/search?q=${q(query)}&per_page=${perPage}`, options);
/** Top papers for a period ("day", "week", ...). */
export const trending = (period, limit = 10, options) =>
  call(`/api/trending?period=${q(period)}&limit=${limit}`, options);
/** What a page holds, parsed without storing: {kind, papers, appearances, date, ids}. */
export const parsePage = (url, html, options) =>
  call("/api/parse", { ...options, method: "POST", token: true, body: { url, html } });
/** Store a page: {kind, papers: [ids], papers_new, appearances_new, problems}. */
export const ingest = (url, html, options) =>
  call("/api/ingest", { ...options, method: "POST", token: true, body: { url, html } });

/** Your saved papers, newest saved first, and every tag with its count: {papers, tags}. */
export const desk = (options) => call("/api/desk", { ...options, token: true });
/** What you did with one paper: {id, saved_at, read_at, hidden_at, note, note_at, tags, paper}. */
export const paperDesk = (id, options) =>
  call(`/api/papers/${q(id)}/desk`, { ...options, token: true });
/**
 * Change a paper's desk state, all or nothing: `change` holds any of saved, add_tags,
 * remove_tags, read, hidden, note. Resolves to the state after (a 400 ApiProblem says which
 * tag or note was refused).
 */
export const changeDesk = (id, change, options) =>
  call(`/api/papers/${q(id)}/desk`, { ...options, method: "POST", token: true, body: change });

/**
 * "While you were away": what trended after the last day you had seen, each paper once, most
 * upvoted first: {since, from, to, total, caught_up, heading, order_means, papers}. It does not
 * mark anything seen.
 */
export const catchup = (limit = 30, options) =>
  call(`/api/catchup?limit=${limit}`, { ...options, token: true });
/** Remember the lists as seen up to the newest listing day (or `day`): {seen}. */
export const markSeen = (day, options) =>
  call("/api/catchup/seen", { ...options, method: "POST", token: true, body: day ? { day } : {} });
/**
 * "For you": the last 30 listing days' papers most like your saved ones (only those tagged `tag`,
 * when given), each with `because` {words, saved, saved_title, similarity}; `note` says why
 * there are none.
 */
export const recommend = ({ tag = "", limit = 10 } = {}, options) =>
  call(`/api/recommend?limit=${limit}${tag ? `&tag=${q(tag)}` : ""}`, { ...options, token: true });

/** Ask for the e-mail digest (a confirmation mail follows): {message}, the same for any address. */
export const subscribe = (email, frequency, topics, options) =>
  call("/api/subscriptions", { ...options, method: "POST", body: { email, frequency, topics } });

/**
 * Whether the token is accepted: the ingest route checks the token before it reads the body,
 * so an empty body answers 400 (token good, nothing stored) or 401/403 (token missing or wrong).
 */
export async function checkToken(options) {
  try {
    await call("/api/ingest", { ...options, method: "POST", token: true, body: {} });
  } catch (problem) {
    if (problem.kind === "api" && problem.status === 400) return true;
    throw problem;
  }
  return true;
}

/** The archive site's search page, as `paperboy serve` serves it beside the API (the page then
 * asks /api/search, so it finds what the popup found, in the same order), for a query. */
export async function siteSearchUrl(query, sort = "relevance") {
  const { serverUrl } = await getSettings();
  const sorted = sort === "relevance" ? "" : `&sort=${q(sort)}`;
  return `${checkServerUrl(serverUrl)}/search.html?q=${q(query)}${sorted}`;
}

/** Recently viewed: the server keeps the paper page you opened, or refuses (400) what is not one. */
export const recordViewed = (url, options) =>
  call("/api/viewed", { ...options, method: "POST", token: true, body: { url } });
/** The papers you opened, the most recent first: {papers: [{id, url, viewed_at, paper}]}. */
export const viewed = (limit = 50, options) =>
  call(`/api/viewed?limit=${limit}`, { ...options, token: true });
/** Forget every paper you opened: {cleared}. */
export const clearViewed = (options) =>
  call("/api/viewed/clear", { ...options, method: "POST", token: true, body: {} });
