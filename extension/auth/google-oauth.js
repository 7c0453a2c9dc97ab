/**
 * Build Google's authorisation request and read its answer (pure: no browser APIs).
 *
 * The extension asks for an ID token (who the user is, for the backend
 * session) and an access token (to let the backend read the thread being
 * logged) in one implicit-flow request; `chrome.identity.launchWebAuthFlow`
 * carries it out and hands back the redirect URL.
 */

export const AUTHORIZATION_ENDPOINT = "https://accounts.google.com/o/oauth2/v2/auth";

// Least each feature needs: who the user is; reading the thread being logged
// (metadata cannot fetch full messages). Labelling a logged thread needs
// gmail.modify (gmail.labels may create labels but not put them on a thread):
// asked for only when the user allows it (EXTRA_SCOPES.labels), or done by the
// backend through the connected mailbox.
export const SCOPES = Object.freeze(["openid", "email", "profile", "https://www.googleapis.com/auth/gmail.readonly"]);

// Asked for only when the user needs them (incremental authorisation):
// sending mail as the user; booking in and reading free/busy of their calendar
// (the backend's google/calendar.py CALENDAR_SCOPES); labelling logged threads;
// the list of their calendars, to choose which ones sync (CALENDAR_LIST_READONLY,
// for GET /api/v1/calendars and PUT /api/v1/calendars/selection).
export const EXTRA_SCOPES = Object.freeze({
  send: Object.freeze(["https://www.googleapis.com/auth/gmail.send"]),
  labels: Object.freeze(["https://www.googleapis.com/auth/gmail.modify"]),
  calendar: Object.freeze(["https://www.googleapis.com/auth/calendar.events", "https://www.googleapis.com/auth/calendar.freebusy"]),
  calendarList: Object.freeze(["https://www.googleapis.com/auth/calendar.calendarlist.readonly"]),
});
const ALLOWED_EXTRA = new Set(Object.values(EXTRA_SCOPES).flat());

/** True when `scope` is one of the extra scopes the extension may ask for. */
export const isAllowedExtraScope = (scope) => ALLOWED_EXTRA.has(scope);

/** The extra scopes found in a granted `scope` string (so a renewal keeps asking for them). */
export function grantedExtraScopes(scope) {
  return String(scope || "")
    .split(/\s+/)
    .filter(isAllowedExtraScope);
}

/** Return a random URL-safe string with `bytes` bytes of entropy. */
export function randomToken(bytes = 16, cryptoImpl = globalThis.crypto) {
  const buffer = new Uint8Array(bytes);
  cryptoImpl.getRandomValues(buffer);
  return btoa(String.fromCharCode(...buffer))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/**
 * Return the authorisation URL.
 *
 * `interactive: false` asks Google to answer without showing anything
 * (`prompt=none`), for silent renewal; `loginHint` picks the signed-in account;
 * `extraScopes` are asked for beside SCOPES (earlier grants are kept by
 * `include_granted_scopes`).
 */
export function buildAuthorizationUrl({ clientId, redirectUri, nonce, state, interactive = true, loginHint = "", extraScopes = [] }) {
  const params = new URLSearchParams({
    client_id: clientId,
    response_type: "id_token token",
    redirect_uri: redirectUri,
    scope: [...new Set([...SCOPES, ...extraScopes])].join(" "),
    nonce,
    state,
    include_granted_scopes: "true",
  });
  params.set("prompt", interactive ? "select_account" : "none");
  if (loginHint) params.set("login_hint", loginHint);
  return `${AUTHORIZATION_ENDPOINT}?${params}`;
}

/** A sign-in that did not give us tokens; `code` is Google's error or our own. */
export class AuthorizationError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "AuthorizationError";
    this.code = code;
  }
}

/**
 * Read the tokens from the redirect URL Google sent the browser to.
 *
 * Returns `{idToken, accessToken, expiresAt, scope}`; throws AuthorizationError
 * when Google refused, the state does not match, or a token is missing.
 */
export function parseAuthorizationResponse(responseUrl, { state, now = Date.now() }) {
  const url = new URL(responseUrl);
  // Tokens come in the fragment; errors may come in either part.
  const params = new URLSearchParams(url.hash.replace(/^#/, ""));
  const error = params.get("error") || url.searchParams.get("error");
  if (error) {
    const description = params.get("error_description") || url.searchParams.get("error_description") || "";
    throw new AuthorizationError(error, `Google refused the sign-in (${error})${description ? `: ${description}` : "."}`);
  }
  if (params.get("state") !== state) {
    throw new AuthorizationError("state_mismatch", "The sign-in answer did not match the request; try again.");
  }
  const idToken = params.get("id_token");
  const accessToken = params.get("access_token");
  if (!idToken || !accessToken) {
    throw new AuthorizationError("missing_token", "Google's answer lacked a token; try signing in again.");
  }
  const expiresIn = Number.parseInt(params.get("expires_in") || "3600", 10);
  return {
    idToken,
    accessToken,
    expiresAt: now + (Number.isFinite(expiresIn) ? expiresIn : 3600) * 1000,
    scope: params.get("scope") || "",
  };
}

/** Return a time as epoch milliseconds: from ms, epoch seconds or an ISO date; NaN if none. */
export function toEpochMs(value) {
  if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
  return Date.parse(value || "");
}

/** True when `expiresAt` is within `marginMs` of `now`, or unknown. */
export function expiresSoon(expiresAt, now = Date.now(), marginMs = 5 * 60_000) {
  const at = toEpochMs(expiresAt);
  return !Number.isFinite(at) || at - now < marginMs;
}
