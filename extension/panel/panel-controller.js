/**
 * Decide what the panel shows and carry out its actions.
 *
 * Inputs are the state followed from storage (session, Gmail access token,
 * current Gmail tab) and the settings; outputs are screens handed to the view.
 * The backend is reached through a client made by `makeClient`, the service
 * worker through `send`, so node tests drive this with fakes.
 *
 * Screens (`view.show(screen)`), each with `session` added:
 * - `{name: "signed-out", devSignIn, error}`
 * - `{name: "no-thread", problem}`
 * - `{name: "loading", thread}`
 * - `{name: "unreachable", backendUrl}`
 * - `{name: "error", message}`
 * - `{name: "thread", thread, participants, threadRecord, logging, googleReauth, sharing}`
 *   (`googleReauth`: "" or why logging cannot reach Google, "expired" or "unconfigured": the backend has no Google client)
 *   (`sharing`: who sees the conversation's mail, see sharing-actions.js; null
 *   when the backend says nothing about it; `logOptions`: deal and messages to log, see log-actions.js)
 */

import { expiresSoon, toEpochMs } from "../auth/google-oauth.js";
import { MESSAGE } from "../shared/messages.js";
import { createCardActions } from "./card-actions.js";
import { createLogActions } from "./log-actions.js";
import { createRecordActions } from "./record-actions.js";
import { createSharingActions } from "./sharing-actions.js";
import { logStatus } from "./log-outcome.js";

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 8000;
const SESSION_MARGIN_MS = 5 * 60_000;
const GOOGLE_MARGIN_MS = 60_000;
// What the status line says when logging cannot reach Google (`googleReauth`).
const NO_GOOGLE = {
  expired: "Google access has expired: reconnect Google to log this conversation.",
  unconfigured: "Google isn't set up on this backend: see docs/google-setup.md.",
};

export function createPanelController({
  view,
  makeClient,
  send,
  readGoogleAccess,
  now = () => Date.now(),
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
}) {
  let settings = null;
  let client = null;
  let session = null;
  let googleAccess = null;
  let tab = null;
  let config = null;
  let shown = null; // {thread, data}: the conversation on screen
  let lookups = 0;
  let inFlight = null;
  let retryTimer = 0;
  let retryDelay = RETRY_FIRST_MS;
  let renewTimer = 0;
  let renewing = null;
  let logging = false;
  let googleReauth = "";
  let signInError = "";
  let started = false;
  let sharing = null; // the sharing actions (below), made once the other actions exist
  let logs = null; // the log options, undo, unlog, timeline and corrections (below)

  const signedIn = () => Boolean(session && client && session.token && (!session.backend || session.backend === client.baseUrl));

  function show(screen) {
    view.show({ ...screen, session: signedIn() ? session : null });
  }

  function showThread() {
    if (!shown) return;
    show({
      name: "thread",
      thread: shown.thread,
      participants: shown.data.participants || [],
      threadRecord: shown.data.thread || { logged: false, email_ids: [] },
      logging,
      googleReauth,
      sharing: sharing.describe(shown),
      logOptions: logs.describe(shown),
    });
  }

  function cancelRetry() {
    if (retryTimer) clearTimer(retryTimer);
    retryTimer = 0;
  }

  function scheduleRetry() {
    cancelRetry();
    retryTimer = setTimer(() => {
      retryTimer = 0;
      refresh();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  /** Renew the session silently; resolves true when a fresh session is stored. */
  function renewSession() {
    if (!renewing) {
      renewing = send({ type: MESSAGE.SIGN_IN, interactive: false })
        .then((answer) => Boolean(answer?.ok))
        .catch(() => false)
        .finally(() => {
          renewing = null;
        });
    }
    return renewing;
  }

  function planRenewal() {
    if (renewTimer) clearTimer(renewTimer);
    renewTimer = 0;
    if (!session || session.dev) return;
    const at = toEpochMs(session.expires_at);
    if (!Number.isFinite(at)) return;
    renewTimer = setTimer(renewSession, Math.max(0, at - SESSION_MARGIN_MS - now()));
  }

  /** Handle a failed backend call; `lookupFailed` when the conversation could not be shown. */
  async function handleError(error, { lookupFailed = true } = {}) {
    if (error?.kind === "aborted") return;
    if (error?.kind === "unreachable") {
      show({ name: "unreachable", backendUrl: client.baseUrl, message: error.message });
      scheduleRetry();
      return;
    }
    if (error?.kind === "unauthorized") {
      if (!session?.dev && (await renewSession())) return; // the new session triggers a refresh
      signInError = session ? "Your Threadbook session has ended; sign in again." : "";
      await send({ type: MESSAGE.SIGN_OUT }).catch(() => {});
      return;
    }
    if (lookupFailed) show({ name: "error", message: error?.message || String(error) });
    else view.status(error?.message || String(error), { error: true });
  }

  async function showSignedOut() {
    shown = null;
    if (!config) {
      try {
        config = await client.config();
      } catch (error) {
        if (error.kind === "unreachable") {
          show({ name: "unreachable", backendUrl: client.baseUrl, message: error.message });
          scheduleRetry();
          return;
        }
        config = { dev_signin: false };
      }
    }
    retryDelay = RETRY_FIRST_MS;
    show({ name: "signed-out", devSignIn: Boolean(config.dev_signin), error: signInError });
  }

  async function lookup(thread) {
    const mine = ++lookups;
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    if (shown?.thread.threadId !== thread.threadId) {
      shown = null;
      googleReauth = "";
      sharing.forget(); // each conversation starts from its own default
      logs.forget();
      show({ name: "loading", thread });
    }
    if (!session.dev && expiresSoon(session.expires_at, now(), SESSION_MARGIN_MS)) await renewSession();
    try {
      const data = await client.lookup(thread.threadId, thread.participants, { signal: controller.signal });
      if (mine !== lookups) return;
      shown = { thread, data };
      retryDelay = RETRY_FIRST_MS;
      showThread();
    } catch (error) {
      if (mine === lookups) await handleError(error);
    } finally {
      if (inFlight === controller) inFlight = null;
    }
  }

  /** Show what the current state calls for. */
  async function refresh() {
    if (!started || !client) return;
    cancelRetry();
    if (!signedIn()) return showSignedOut();
    signInError = "";
    if (!tab || !tab.thread) {
      shown = null;
      show({ name: "no-thread", problem: tab?.problem || "" });
      return;
    }
    return lookup(tab.thread);
  }

  /** The backend's public settings (`GET /api/v1/config`), read once; {} when it cannot be read. */
  async function backendConfig() {
    config ||= await client.config().catch(() => null);
    return config || {};
  }

  /** Say that logging cannot reach Google: `why` is "expired", or "unconfigured" when the backend has no Google client. */
  async function noGoogle(why = "expired") {
    if ((await backendConfig()).google_configured === false) why = "unconfigured";
    googleReauth = why;
    view.status(NO_GOOGLE[why], { error: true });
  }

  /** Return a Gmail access token that is not about to expire, renewing silently; null if none. */
  async function freshGoogleAccess({ force = false } = {}) {
    if (!force && googleAccess?.token && !expiresSoon(googleAccess.expires_at, now(), GOOGLE_MARGIN_MS)) return googleAccess;
    const answer = await send({ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: false }).catch(() => null);
    if (!answer?.ok) return null;
    googleAccess = await readGoogleAccess();
    return googleAccess?.token ? googleAccess : null;
  }

  /** Ask Google interactively for extra `scopes` (incremental authorisation); the new access, or null if refused. */
  async function grantGoogleAccess(scopes) {
    const answer = await send({ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true, scopes }).catch(() => null);
    if (!answer?.ok) return null;
    googleAccess = await readGoogleAccess();
    return googleAccess?.token ? googleAccess : null;
  }

  const actions = {
    /** The current backend client, for the views loaded on demand (views/task-section.js). */
    backend: () => client,
    /** Follow a new state from storage. */
    setState(next) {
      const sessionChanged = next.session?.token !== session?.token;
      const threadChanged = JSON.stringify(next.tab?.thread ?? null) !== JSON.stringify(tab?.thread ?? null) || next.tab?.problem !== tab?.problem;
      session = next.session;
      googleAccess = next.googleAccess;
      tab = next.tab;
      if (sessionChanged) planRenewal();
      if (sessionChanged || threadChanged || !started) {
        started = true;
        refresh();
      }
    },

    /** Use new settings (backend URL, client id). */
    setSettings(next) {
      settings = next;
      client = makeClient(settings.backendUrl, () => session?.token || null);
      config = null;
      refresh();
    },

    retry() {
      retryDelay = RETRY_FIRST_MS;
      config = null;
      return refresh();
    },

    async signIn() {
      signInError = "";
      view.status("Signing in with Google…");
      const answer = await send({ type: MESSAGE.SIGN_IN, interactive: true }).catch((error) => ({ ok: false, error }));
      if (!answer?.ok) {
        signInError = answer?.error?.message || "Sign-in did not finish.";
        view.status(signInError, { error: true });
        await showSignedOut();
      } else {
        view.status(`Signed in as ${answer.session?.user?.email || "you"}.`);
      }
    },

    async devSignIn(email) {
      signInError = "";
      const answer = await send({ type: MESSAGE.DEV_SIGN_IN, email }).catch((error) => ({ ok: false, error }));
      if (!answer?.ok) {
        signInError = answer?.error?.message || "Development sign-in failed.";
        view.status(signInError, { error: true });
        await showSignedOut();
      } else {
        view.status(`Signed in as ${answer.session?.user?.email || "you"} (development sign-in).`);
      }
    },

    async signOut() {
      signInError = "";
      await send({ type: MESSAGE.SIGN_OUT });
      view.status("Signed out.");
    },

    async logThread() {
      const thread = shown?.thread;
      if (!thread || logging) return;
      // Who sees the mail stored now, its deal and messages: what the panel shows when the button is pressed.
      const visibility = sharing.levelToLog(shown);
      const { error: notChosen, ...extra } = logs.toSend(shown);
      if (notChosen) return view.status(notChosen, { error: true });
      logging = true;
      googleReauth = "";
      showThread();
      view.status("Logging the conversation…");
      try {
        let access = await freshGoogleAccess();
        if (!access) return await noGoogle();
        let result;
        try {
          result = await client.logThread(thread.threadId, access.token, { visibility, ...extra });
        } catch (error) {
          if (error.kind !== "google_reauth") throw error;
          access = await freshGoogleAccess({ force: true });
          if (!access) throw error;
          result = await client.logThread(thread.threadId, access.token, { visibility, ...extra });
        }
        view.status(logStatus(result.status, result.data));
        logs.logged(thread.threadId, result);
        // Show the logged state, unless another conversation was opened meanwhile.
        if (tab?.thread?.threadId === thread.threadId) await lookup(tab.thread);
      } catch (error) {
        if (error.kind === "google_reauth" || error.code === "google_not_configured") {
          await noGoogle(error.code === "google_not_configured" ? "unconfigured" : "expired");
        } else {
          await handleError(error, { lookupFailed: false });
        }
      } finally {
        logging = false;
        if (shown?.thread === thread || shown?.thread.threadId === thread.threadId) showThread();
      }
    },

    async reconnectGoogle() {
      const answer = await send({ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true }).catch((error) => ({ ok: false, error }));
      if (!answer?.ok) {
        view.status(answer?.error?.message || "Google did not reconnect.", { error: true });
        return;
      }
      googleAccess = await readGoogleAccess();
      googleReauth = "";
      await actions.logThread();
    },

    /**
     * Create a lead; resolves `{ok}` or `{ok: false, message}` for the form. A 409 (already a
     * contact or lead) stays in the form, and the conversation is looked up again to show the record.
     */
    async createLead(fields) {
      try {
        await client.createLead(fields);
      } catch (error) {
        if (error.kind === "conflict" && shown) await lookup(shown.thread);
        else if (error.kind !== "client") await handleError(error, { lookupFailed: false });
        return { ok: false, message: error.message || `${fields.email} is already in Threadbook.` };
      }
      view.status(`Lead created: ${fields.name || fields.email}.`);
      if (shown) await lookup(shown.thread);
      return { ok: true };
    },

    /** Add a note to `target` (`{contact_id}`, `{lead_id}` or `{thread_id}`); resolves like createLead. */
    async addNote(target, body, label) {
      try {
        await client.addNote(body, target);
      } catch (error) {
        if (error.kind !== "client" && error.kind !== "conflict") await handleError(error, { lookupFailed: false });
        return { ok: false, message: error.message };
      }
      view.status(`Note added to ${label}.`);
      if (shown) await lookup(shown.thread);
      return { ok: true };
    },
  };

  // Card actions: checkConflicts, scheduleMeeting, sendEmail, attachmentLimit, allowGoogle (card-actions.js).
  Object.assign(
    actions,
    createCardActions({
      client: () => client,
      googleAccess: () => googleAccess,
      freshGoogleAccess,
      grantGoogleAccess,
      // A development session has no Google account to widen.
      canGrantGoogle: () => Boolean(session && !session.dev),
      view,
      handleError,
      refreshShown: async () => {
        if (shown) await lookup(shown.thread);
      },
    }),
  );

  // Records: saveRecord, teamMembers, dealStages, listDeals, createDeal, changeDeal, convertLead (record-actions.js).
  Object.assign(
    actions,
    createRecordActions({
      client: () => client,
      view,
      handleError,
      refreshShown: async () => {
        if (shown) await lookup(shown.thread);
      },
    }),
  );

  // Sharing: chooseVisibility, setThreadPrivate, setEmailVisibility (sharing-actions.js).
  sharing = createSharingActions({
    client: () => client,
    shown: () => shown,
    updateThread(threadId, change) {
      if (shown?.thread.threadId !== threadId) return;
      shown = { ...shown, data: { ...shown.data, thread: change(shown.data.thread || {}) } };
    },
    rerender: showThread,
    refreshShown: async () => {
      if (shown) await lookup(shown.thread);
    },
    view,
    handleError,
  });
  Object.assign(actions, sharing.actions);

  // Log options, undo and unlog, timelines, match corrections (log-actions.js).
  logs = createLogActions({
    client: () => client,
    shown: () => shown,
    labelToken: () => (/gmail\.modify|mail\.google\.com\/(\s|$)/.test(googleAccess?.scope) ? googleAccess.token : null),
    readToken: async () => (await freshGoogleAccess())?.token || null,
    rerender: showThread,
    refreshShown: async () => {
      if (shown) await lookup(shown.thread);
    },
    view,
    handleError,
    setTimer,
    clearTimer,
  });
  Object.assign(actions, logs.actions);

  return actions;
}
