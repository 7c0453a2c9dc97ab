/**
 * Answer messages from the Gmail tabs and the panel: one handler per message type.
 */

import { isAllowedExtraScope } from "../auth/google-oauth.js";
import { MESSAGE, failure } from "../shared/messages.js";
import { isGmailUrl } from "./side-panel.js";
import { MAX_PROBLEM, checkThreadSnapshot } from "./thread-snapshot.js";

/** Turn a thrown error into the `{ok: false, error}` answer the panel shows. */
function asFailure(error) {
  return failure(error?.code || error?.kind || "error", String(error?.message || error));
}

/**
 * Make the `(message, sender) => Promise<answer>` dispatcher.
 *
 * `tabThreads`, `auth`, `panelPolicy` and `mailboxConnect` are the services built in the worker;
 * `extensionId` is this extension's id (messages from anything else are refused).
 */
export function createMessageRouter({ tabThreads, auth, panelPolicy, mailboxConnect = null, extensionId = "" }) {
  const ownPages = extensionId ? `chrome-extension://${extensionId}/` : "chrome-extension://";
  // An extension page (never a web page or content script), of this extension.
  const fromOwnPage = (sender) => Boolean(sender.url?.startsWith(ownPages)) && (!extensionId || sender.id === extensionId);
  const handlers = {
    async [MESSAGE.THREAD_CHANGED](message, sender) {
      if (!sender.tab || !isGmailUrl(sender.url || sender.tab.url)) {
        return failure("bad_sender", "Only a Gmail tab reports threads.");
      }
      // What a Gmail tab sends is untrusted: keep only a well-formed snapshot.
      const checked = checkThreadSnapshot(message.thread);
      if (checked.error) return failure("bad_message", checked.error);
      const problem = typeof message.problem === "string" ? message.problem.slice(0, MAX_PROBLEM) : "";
      panelPolicy.applyTo(sender.tab.id, sender.tab.url || sender.url);
      await tabThreads.record(sender.tab, checked.thread, problem);
      return { ok: true };
    },
    async [MESSAGE.SIGN_IN](message) {
      return { ok: true, session: await auth.signIn({ interactive: message.interactive !== false }) };
    },
    async [MESSAGE.DEV_SIGN_IN](message) {
      return { ok: true, session: await auth.devSignIn({ email: message.email }) };
    },
    async [MESSAGE.RENEW_GOOGLE_ACCESS](message, sender) {
      if (!fromOwnPage(sender)) return failure("bad_sender", "Only Threadbook's own pages may renew Google access.");
      // Extra scopes: only the few a card action needs, never anything else.
      const scopes = message.scopes ?? [];
      if (!Array.isArray(scopes) || !scopes.every(isAllowedExtraScope)) {
        return failure("bad_message", "Threadbook may not ask Google for those scopes.");
      }
      await auth.renewGoogleAccess({ interactive: Boolean(message.interactive), scopes });
      return { ok: true };
    },
    async [MESSAGE.SIGN_OUT]() {
      await auth.signOut();
      return { ok: true };
    },
    async [MESSAGE.CONNECT_MAILBOX](message, sender) {
      // Only the panel (an extension page, never a web page or content script) connects a mailbox.
      if (!fromOwnPage(sender)) {
        return failure("bad_sender", "Only Threadbook's own pages may connect a mailbox.");
      }
      if (!mailboxConnect) return failure("unavailable", "Connecting a mailbox is not available.");
      return { ok: true, redirectUrl: await mailboxConnect.run({ url: message.url, redirectUri: message.redirectUri }) };
    },
  };

  return async function route(message, sender = {}) {
    if (extensionId && sender.id && sender.id !== extensionId) return failure("bad_sender", "Messages from other extensions are refused.");
    const handler = Object.hasOwn(handlers, message?.type) ? handlers[message.type] : null;
    if (!handler) return failure("unknown_message", `No handler for message type ${JSON.stringify(message?.type)}.`);
    // Only this extension's own pages may sign in or out; content scripts only report threads.
    if (sender.tab && message.type !== MESSAGE.THREAD_CHANGED && !sender.url?.startsWith(ownPages)) {
      return failure("bad_sender", "A web page may only report threads.");
    }
    try {
      return await handler(message, sender);
    } catch (error) {
      return asFailure(error);
    }
  };
}
