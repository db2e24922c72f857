// The API, same origin: the console lives at <api>/console/, so "../<path>" is the API under any stage prefix.
// The access token is kept in this module's memory only (no web storage); the refresh token is an
// HttpOnly cookie scoped to /auth that this code never sees: it gets a new access token when one
// expires and after a reload (POST /auth/refresh), and sign-out ends the session (POST /auth/logout).

/** @typedef {import("api-types").components["schemas"]} Schemas */
/** @typedef {Schemas["Customer"]} Customer */
/** @typedef {Schemas["Account"]} Account */

/** An error answer of the API, in its uniform shape. */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {string | null} field */
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** @type {{token: string | null, account: Account | null}} */
export const session = { token: null, account: null };
/** @type {(message: string) => void} */
let whenSessionEnds = () => {};

/** @param {(message: string) => void} callback called once a request finds the session over */
export function onSessionEnd(callback) {
  whenSessionEnds = callback;
}

export function signOut() {
  session.token = null;
  session.account = null;
}

/** @param {string} path an API path such as /customers/PL1 @param {Record<string, string | number | null | undefined>} [query] */
export function apiUrl(path, query) {
  const url = new URL(".." + path, document.baseURI);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, String(value));
  }
  return url;
}

/** The header the API asks of a request that carries the refresh cookie (a cross-site form cannot set it). */
const FROM_THE_CONSOLE = { "X-Requested-With": "console" };

const ENDED = {
  token_expired: "Your session has ended. Please sign in again.",
  token_revoked: "Your access was changed by an admin. Please sign in again.",
  account_deactivated: "Your account has been deactivated. Ask an admin if this is a mistake.",
};

/**
 * One request; the parsed JSON answer, or an ApiError. An access token refused with 401 is renewed once
 * through the refresh cookie and the request sent again; if the session is over, the console is told why.
 * @param {string} method @param {string} path
 * @param {{query?: Record<string, string | number | null | undefined>, body?: unknown, headers?: Record<string, string>, raw?: boolean}} [options]
 * @returns {Promise<any>}
 */
export async function call(method, path, options = {}) {
  try {
    return await send(method, path, options);
  } catch (error) {
    const failure = /** @type {ApiError} */ (error);
    if (failure.status !== 401 || !session.token || path.startsWith("/auth/")) throw failure;
    if (await refresh()) return send(method, path, options);
    signOut();
    whenSessionEnds(ENDED[/** @type {keyof typeof ENDED} */ (failure.code)] || "Your session has ended. Please sign in again.");
    throw failure;
  }
}

/** @param {string} method @param {string} path @param {{query?: Record<string, any>, body?: unknown, headers?: Record<string, string>, raw?: boolean}} options */
async function send(method, path, options) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let answer;
  try {
    answer = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "The service cannot be reached. Check the connection and try again.", null);
  }
  if (answer.ok && options.raw) return answer;
  const text = await answer.text();
  /** @type {any} */
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (answer.ok) return data;
  const error = (data && data.error) || {};
  throw new ApiError(answer.status, error.code || "error", error.message || `The service answered ${answer.status}.`, error.field || null);
}

/** A new access token from the refresh cookie; false when there is no session to renew. */
async function refresh() {
  try {
    /** @type {Schemas["Token"]} */
    const answer = await send("POST", "/auth/refresh", { body: {}, headers: FROM_THE_CONSOLE });
    session.token = answer.token;
    return true;
  } catch {
    return false;
  }
}

/** After a reload: the session the refresh cookie names, if it is still open. @returns {Promise<Account | null>} */
export async function resume() {
  if (!(await refresh())) return null;
  /** @type {Schemas["Me"]} */
  const me = await call("GET", "/me");
  session.account = me.account;
  return me.account;
}

/** End the session (its refresh cookie too), then forget the token. */
export async function endSession() {
  try {
    await send("POST", "/auth/logout", { body: {}, headers: FROM_THE_CONSOLE });
  } catch {
    // already over: nothing more to end
  }
  signOut();
}

/** @param {string} ref any reference: number, id, phone in any shape, email, legacy id */
export function customerPath(ref) {
  return `/customers/${encodeURIComponent(ref)}`;
}

/**
 * Sign in with an email or a phone and a password; the account (from /me) once signed in.
 * @param {string} login @param {string} password @returns {Promise<Account>}
 */
export async function signIn(login, password) {
  const body = login.includes("@") ? { email: login.trim(), password, refresh_in: "cookie" } : { phone: login.trim(), password, refresh_in: "cookie" };
  /** @type {Schemas["Token"]} */
  const answer = await call("POST", "/auth/login", { body });
  session.token = answer.token;
  /** @type {Schemas["Me"]} */
  const me = await call("GET", "/me");
  session.account = me.account;
  return me.account;
}

/** @param {string} token from a set-password link @param {string} password @returns {Promise<Account>} */
export async function setFirstPassword(token, password) {
  /** @type {Schemas["Token"]} */
  const answer = await call("POST", "/auth/password/reset", { body: { token, password, refresh_in: "cookie" } });
  session.token = answer.token;
  /** @type {Schemas["Me"]} */
  const me = await call("GET", "/me");
  session.account = me.account;
  return me.account;
}
