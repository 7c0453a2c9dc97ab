/**
 * Answer messages from the Gmail tabs and the panel: one handler per message type.
 */

import { MESSAGE, failure } from "../shared/messages.js";
import { isGmailUrl } from "./side-panel.js";

/** Turn a thrown error into the `{ok: false, error}` answer the panel shows. */
function asFailure(error) {
  return failure(error?.code || error?.kind || "error", String(error?.message || error));
}

/**
 * Make the `(message, sender) => Promise<answer>` dispatcher.
 *
 * `tabThreads`, `auth` and `panelPolicy` are the services built in the worker.
 */
export function createMessageRouter({ tabThreads, auth, panelPolicy }) {
  const handlers = {
    async [MESSAGE.THREAD_CHANGED](message, sender) {
      if (!sender.tab || !isGmailUrl(sender.url || sender.tab.url)) {
        return failure("bad_sender", "Only a Gmail tab reports threads.");
      }
      panelPolicy.applyTo(sender.tab.id, sender.tab.url || sender.url);
      await tabThreads.record(sender.tab, message.thread, message.problem);
      return { ok: true };
    },
    async [MESSAGE.SIGN_IN](message) {
      return { ok: true, session: await auth.signIn({ interactive: message.interactive !== false }) };
    },
    async [MESSAGE.DEV_SIGN_IN](message) {
      return { ok: true, session: await auth.devSignIn({ email: message.email }) };
    },
    async [MESSAGE.RENEW_GOOGLE_ACCESS](message) {
      await auth.renewGoogleAccess({ interactive: Boolean(message.interactive) });
      return { ok: true };
    },
    async [MESSAGE.SIGN_OUT]() {
      await auth.signOut();
      return { ok: true };
    },
  };

  return async function route(message, sender = {}) {
    const handler = handlers[message?.type];
    if (!handler) return failure("unknown_message", `No handler for message type ${JSON.stringify(message?.type)}.`);
    // Only this extension's own pages may sign in or out; content scripts only report threads.
    if (sender.tab && message.type !== MESSAGE.THREAD_CHANGED && !sender.url?.startsWith("chrome-extension://")) {
      return failure("bad_sender", "A web page may only report threads.");
    }
    try {
      return await handler(message, sender);
    } catch (error) {
      return asFailure(error);
    }
  };
}
