/**
 * Every message the extension's parts send each other, in one place.
 *
 * A message is a plain object `{type, ...fields}` with `type` from MESSAGE.
 * The service worker answers every message with `{ok: true, ...}` or
 * `{ok: false, error: {code, message}}`.
 *
 * | type                | from → to              | fields                                       | answer fields |
 * |---------------------|------------------------|----------------------------------------------|---------------|
 * | THREAD_CHANGED      | Gmail tab → worker     | `thread`: ThreadSnapshot or null, `problem`?  | —             |
 * | SIGN_IN             | panel → worker         | `interactive`: boolean                        | `session`     |
 * | DEV_SIGN_IN         | panel → worker         | `email`                                       | `session`     |
 * | RENEW_GOOGLE_ACCESS | panel → worker         | `interactive`: boolean, `scopes`?: [url]      | —             |
 * | SIGN_OUT            | panel → worker         | —                                             | —             |
 * | CONNECT_MAILBOX     | panel → worker         | `url`, `redirectUri` (from connect/start)     | `redirectUrl` |
 *
 * RENEW_GOOGLE_ACCESS's `scopes` are extra Google scopes (gmail.send, calendar.*, gmail.modify;
 * EXTRA_SCOPES in auth/google-oauth.js): the worker refuses any other.
 *
 * ThreadSnapshot (what the Gmail page shows of the open conversation):
 * `{threadId, subject, messageIds: [hex], senders: [text, one per message id], unresolvedMessages: n,
 *   participants: [{email, name, role: "from"|"to"}]}`.
 *
 * The worker keeps what these messages bring in chrome.storage.session (see
 * storage-keys.js); the panel follows that storage, so no message goes from
 * the worker to the panel.
 */

export const MESSAGE = Object.freeze({
  THREAD_CHANGED: "thread-changed",
  SIGN_IN: "sign-in",
  DEV_SIGN_IN: "dev-sign-in",
  RENEW_GOOGLE_ACCESS: "renew-google-access",
  SIGN_OUT: "sign-out",
  CONNECT_MAILBOX: "connect-mailbox",
});

/** Return a failed answer: `{ok: false, error: {code, message}}`. */
export function failure(code, message) {
  return { ok: false, error: { code, message } };
}
