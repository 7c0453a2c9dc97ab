/**
 * Call the Threadbook backend: one function per API route, errors as BackendError.
 *
 * This module never touches a page; the panel and the service worker compose
 * it with what the Gmail tab reported.
 */

import { checkBackendUrl } from "../shared/settings.js";

const DEFAULT_TIMEOUT_MS = 10_000;
// Logging waits on the Gmail API behind the backend.
const LOG_TIMEOUT_MS = 60_000;
// The most participants one lookup may ask about (the backend refuses more).
export const MAX_LOOKUP_PARTICIPANTS = 50;

/**
 * A failed call. `kind` tells the panel which state to show:
 * "unreachable" (no answer), "unauthorized" (session missing or expired),
 * "google_reauth" (the Gmail access token was refused), "conflict", "client", "server",
 * or "aborted" (the caller cancelled it).
 */
export class BackendError extends Error {
  constructor(kind, message, { status = 0, code = "", body = null } = {}) {
    super(message);
    this.name = "BackendError";
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

function kindOf(status, code) {
  if (status === 401 && code === "google_reauth_required") return "google_reauth";
  if (status === 401) return "unauthorized";
  if (status === 409) return "conflict";
  if (status >= 500 || status === 429) return "server";
  return "client";
}

/**
 * Make a client for the backend at `baseUrl`.
 *
 * `getToken()` returns the current session token (or null); `fetchImpl` is the
 * fetch to use (tests pass their own).
 */
export function createBackendClient({ baseUrl, getToken = () => null, fetchImpl = globalThis.fetch.bind(globalThis) }) {
  const root = baseUrl.replace(/\/+$/, "");
  // The options page checks the URL when it is saved; a stored one is checked again here, before any
  // sign-in or session leaves the extension, whatever wrote it to storage.
  const unsafe = checkBackendUrl(root).error;

  // `form`: a FormData body (multipart, its own Content-Type); `raw`: answer the response's text, not JSON.
  async function call(method, path, { body, form, raw, headers = {}, auth = true, secret = auth, timeoutMs = DEFAULT_TIMEOUT_MS, signal } = {}) {
    if (secret && unsafe) {
      throw new BackendError("client", `Threadbook will not send your sign-in to ${root}: ${unsafe} Fix the backend URL in Threadbook's options.`, {
        code: "unsafe_backend_url",
      });
    }
    const sent = { Accept: "application/json", ...headers };
    if (body !== undefined) sent["Content-Type"] = "application/json";
    if (auth) {
      const token = await getToken();
      if (!token) throw new BackendError("unauthorized", "Sign in to Threadbook first.", { status: 401 });
      sent.Authorization = `Bearer ${token}`;
    }
    let response;
    try {
      response = await fetchImpl(root + path, {
        method,
        headers: sent,
        body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
        credentials: "omit",
        cache: "no-store",
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (signal?.aborted) throw new BackendError("aborted", "The request was cancelled.");
      const timedOut = error?.name === "TimeoutError";
      throw new BackendError(
        "unreachable",
        timedOut ? `The Threadbook backend at ${root} did not answer in time.` : `Cannot reach the Threadbook backend at ${root}.`,
      );
    }
    let data = null;
    const text = await response.text().catch(() => "");
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const code = (data && data.error) || "";
      const message = (data && data.message) || `The backend answered ${response.status} ${response.statusText}.`;
      throw new BackendError(kindOf(response.status, code), message, { status: response.status, code, body: data });
    }
    if (raw) return { status: response.status, data: text };
    if (data === null && response.status !== 204) {
      throw new BackendError("server", `The backend at ${root} did not answer with JSON; is the backend URL right?`, {
        status: response.status,
      });
    }
    return { status: response.status, data };
  }

  const data = async (promise) => (await promise).data;
  const googleHeader = (token) => (token ? { "X-Google-Access-Token": token } : {});

  return {
    baseUrl: root,
    /** Any route: `request(method, path, options)` answers its data (the admin page's routes, admin-routes.js, use it). */
    request: (method, path, options) => data(call(method, path, options)),
    health: () => data(call("GET", "/healthz", { auth: false, timeoutMs: 5_000 })),
    config: () => data(call("GET", "/api/v1/config", { auth: false })),
    /** Exchange a Google ID token (and the nonce it was asked with) for a session. */
    createSession: (idToken, nonce) => data(call("POST", "/api/v1/session", { body: { id_token: idToken, nonce }, auth: false, secret: true })),
    devSignIn: (email) => data(call("POST", "/api/v1/session/dev", { body: { email }, auth: false, secret: true })),
    lookup(threadId, participants, { signal } = {}) {
      const asked = participants.slice(0, MAX_LOOKUP_PARTICIPANTS).map(({ email, name }) => ({ email, name }));
      return data(call("POST", "/api/v1/lookup", { body: { thread_id: threadId || undefined, participants: asked }, signal }));
    },
    /**
     * Log a thread; answers `{status: 201|200, data}` (200 when nothing was new).
     * `visibility` ("private", "team_metadata", "team_full") is who sees the mail stored now.
     */
    logThread: (threadId, accessToken, { messageIds, visibility, dealId } = {}) =>
      call("POST", `/api/v1/threads/${encodeURIComponent(threadId)}/log`, {
        body: {
          ...(messageIds && messageIds.length ? { message_ids: messageIds } : {}),
          ...(visibility ? { visibility } : {}),
          // A deal (an id, or null for none) only when the user chose one.
          ...(dealId !== undefined ? { deal_id: dealId } : {}),
        },
        headers: { "X-Google-Access-Token": accessToken },
        timeoutMs: LOG_TIMEOUT_MS,
      }),
    // Sharing: who sees logged mail
    /** Keep a thread private (its logged mail and later messages) or not; answers `{thread_id, private, email_ids}`. */
    setThreadPrivate: (threadId, isPrivate) =>
      data(call("PATCH", `/api/v1/threads/${encodeURIComponent(threadId)}`, { body: { private: Boolean(isPrivate) } })),
    /** Change who sees one logged email; answers the Email. */
    setEmailVisibility: (emailId, visibility) => data(call("PATCH", `/api/v1/emails/${encodeURIComponent(emailId)}`, { body: { visibility } })),
    // Timelines, unlogging (a token that may change labels takes the Gmail label off), match corrections
    /** One page (10 items) of a contact's or lead's timeline (`kind` "contact" or "lead"): `{items, page, per_page, has_more}`. */
    timeline: (kind, id, page) => data(call("GET", `/api/v1/${kind}s/${encodeURIComponent(id)}/timeline?page=${page}&per_page=10`)),
    /** An email's content read live from your own Gmail (no-copy mode): `{email_id, content | null, reason, message}`. */
    emailContent: (emailId, accessToken) => data(call("GET", `/api/v1/emails/${encodeURIComponent(emailId)}/content`, { headers: googleHeader(accessToken) })),
    /** Unlog one email (204). */
    unlogEmail: (emailId, accessToken) =>
      call("DELETE", `/api/v1/emails/${encodeURIComponent(emailId)}`, { headers: googleHeader(accessToken), timeoutMs: LOG_TIMEOUT_MS }),
    /** Unlog the user's copies of `messageIds` in a thread: `{unlogged: [email ids], label, label_reason}`. */
    unlogThread: (threadId, messageIds, accessToken) =>
      data(
        call("DELETE", `/api/v1/threads/${encodeURIComponent(threadId)}/log`, {
          body: { message_ids: messageIds },
          headers: googleHeader(accessToken),
          timeoutMs: LOG_TIMEOUT_MS,
        }),
      ),
    /** Stop matching `address` to a record for the whole team (`{address, contact_id | lead_id | company_id}`). */
    correctMatch: (correction) => data(call("POST", "/api/v1/match-corrections", { body: correction })),
    /** Take a correction back (204): the address matches its record again. */
    removeCorrection: (id) => data(call("DELETE", `/api/v1/match-corrections/${encodeURIComponent(id)}`)),
    /** The user's calendars and whether they may be chosen: `{calendars, choosing}` (api/calendars.py). */
    calendars: (accessToken) => data(call("GET", "/api/v1/calendars", { headers: googleHeader(accessToken) })),
    /** Sync exactly these calendars; answers like `calendars()`. */
    chooseCalendars: (ids, accessToken) =>
      data(call("PUT", "/api/v1/calendars/selection", { body: { calendar_ids: ids }, headers: googleHeader(accessToken) })),
    /** The signed-in user and their organisation: `{user, org}`. */
    me: () => data(call("GET", "/api/v1/me")),
    /** Change the user's own settings (`{default_visibility: level | null}`); answers like `me()`. */
    updateMe: (fields) => data(call("PATCH", "/api/v1/me", { body: fields })),
    // Card actions: meetings and mail
    /** Busy times overlapping `{start, end}` (RFC 3339); answers `{conflicts, google_checked, reason}`. */
    meetingConflicts: ({ start, end }, accessToken) =>
      data(call("POST", "/api/v1/meetings/conflicts", { body: { start, end }, headers: accessToken ? { "X-Google-Access-Token": accessToken } : {} })),
    /** Book a meeting; a 409 (`kind: "conflict"`) carries `body.conflicts` unless `allow_conflict` is true. */
    createMeeting: (meeting, accessToken) =>
      data(
        call("POST", "/api/v1/meetings", { body: meeting, headers: accessToken ? { "X-Google-Access-Token": accessToken } : {}, timeoutMs: LOG_TIMEOUT_MS }),
      ),
    /** Send mail from the user's Gmail and log it; without a token the connected mailbox sends. */
    sendEmail: (message, accessToken) =>
      data(
        call("POST", "/api/v1/emails/send", { body: message, headers: accessToken ? { "X-Google-Access-Token": accessToken } : {}, timeoutMs: LOG_TIMEOUT_MS }),
      ),
    createLead: (lead) => data(call("POST", "/api/v1/leads", { body: lead })),
    /** Attach a note: `target` is `{contact_id}`, `{lead_id}` or `{thread_id}`. */
    addNote: (body, target) => data(call("POST", "/api/v1/notes", { body: { body, ...target } })),
    // Records: a contact's or lead's fields, deals, conversion
    /** Change a contact's or lead's fields (`kind` "contact" or "lead"); answers the record. */
    updateRecord: (kind, id, fields) => data(call("PATCH", `/api/v1/${kind}s/${encodeURIComponent(id)}`, { body: fields })),
    /** The organisation's members: `{members: [{id, name, email, ...}]}`. */
    members: () => data(call("GET", "/api/v1/org/members")),
    /** The organisation's settings (`deal_stages` among them, when the backend has them). */
    org: () => data(call("GET", "/api/v1/org")),
    /** A contact's deals, newest first: `{items, ...}`. */
    contactDeals: (contactId) => data(call("GET", `/api/v1/deals?contact_id=${encodeURIComponent(contactId)}&per_page=100`)),
    createDeal: (deal) => data(call("POST", "/api/v1/deals", { body: deal })),
    updateDeal: (id, fields) => data(call("PATCH", `/api/v1/deals/${encodeURIComponent(id)}`, { body: fields })),
    /** Convert a lead into a contact (`{company_name?, deal?}`); answers `{contact, lead, deal}`. */
    convertLead: (id, options) => data(call("POST", `/api/v1/leads/${encodeURIComponent(id)}/convert`, { body: options })),
    // Alerts and new-mail notifications (the toolbar badge, the panel's feed)
    /** `{sync: {state, broken, needs_reconnect, message, action}, notifications_enabled, unread_notifications}`. */
    alerts: () => data(call("GET", "/api/v1/me/alerts")),
    /** A page of notifications, newest first: `{items, next_cursor, unread}`. */
    notifications: (cursor, limit = 20) => data(call("GET", `/api/v1/notifications?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)),
    /** Mark notifications read: `{ids: [...]}` or `{all: true}`; answers `{marked, unread}`. */
    markNotificationsRead: (body) => data(call("POST", "/api/v1/notifications/read", { body })),
    // Account: mail sync and dropbox
    mailbox: () => data(call("GET", "/api/v1/mailbox")),
    /** Start connecting Gmail: `{authorization_url, state, redirect_uri}`. */
    connectStart: (redirectUri) => data(call("POST", "/api/v1/mailbox/connect/start", { body: redirectUri ? { redirect_uri: redirectUri } : {} })),
    connectFinish: ({ code, state, redirectUri }) =>
      data(call("POST", "/api/v1/mailbox/connect/finish", { body: { code, state, redirect_uri: redirectUri }, timeoutMs: LOG_TIMEOUT_MS })),
    /** Switch the connected mailbox to another account the user owns: start (consent URL), then finish (the new status). */
    replaceMailboxStart: (email) => data(call("POST", "/api/v1/me/mailbox/replace", { body: { email } })),
    replaceMailboxFinish: ({ code, state, redirectUri }) =>
      data(call("POST", "/api/v1/me/mailbox/replace/finish", { body: { code, state, redirect_uri: redirectUri }, timeoutMs: LOG_TIMEOUT_MS })),
    /** Queue a sync; answers `{queued, mailbox}`. */
    syncNow: () => data(call("POST", "/api/v1/mailbox/sync")),
    pauseSync: () => data(call("POST", "/api/v1/mailbox/pause")),
    resumeSync: () => data(call("POST", "/api/v1/mailbox/resume")),
    disconnectMailbox: () => data(call("DELETE", "/api/v1/mailbox")),
    dropbox: () => data(call("GET", "/api/v1/dropbox")),
    // Google Contacts copying (panel/google-contacts-part.js); `path`: "sync", "connect/start", "conflicts/<id>"
    googleContacts: () => data(call("GET", "/api/v1/me/google-contacts")),
    changeGoogleContacts: (body) => data(call("PUT", "/api/v1/me/google-contacts", { body })),
    googleContactsAction: (path, body) => data(call("POST", `/api/v1/me/google-contacts/${path}`, { body })),
    rotateDropbox: () => data(call("POST", "/api/v1/dropbox/rotate")),
  };
}
