/**
 * The panel's Account screen: the user's mail sync, default sharing and BCC dropbox address.
 *
 * Reached from the header's "Account" button; "Back" returns to what the
 * panel controller last decided (the conversation, or no conversation). The
 * backend is reached through the panel controller's current client
 * (`getClient()`), the service worker through `send` (it runs Google's consent
 * for connecting Gmail), so node tests drive this with fakes.
 *
 * The view gets `view.showAccount(state)` with:
 * `{mailbox, summary, loading, loadError, dropbox, dropboxError, sharing, labels, busy, confirming, message, admin}`
 * (`admin`: the user is an administrator, so the screen offers the admin page, opened by `openAdminPage()`)
 * (see `describeMailbox` for `summary`, `describeSharing` for `sharing`, `describeLabels` for `labels`);
 * `view.enter()` shows the screen.
 */

import { EXTRA_SCOPES } from "../auth/google-oauth.js";
import { isUnder } from "../background/mailbox-connect.js";
import { MESSAGE } from "../shared/messages.js";
import { isVisibility, VISIBILITY_OPTIONS, visibilityLabel } from "./views/format.js";

export const POLL_MS = 3000;

const count = (n) => new Intl.NumberFormat("en-US").format(Number(n) || 0);
const plural = (n, word) => `${count(n)} ${word}${Number(n) === 1 ? "" : "s"}`;

function defaultFormatTime(value) {
  const date = new Date(value);
  if (!value || Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** True while the backend is still working through the mailbox: the panel polls for progress. */
export function isSyncing(mailbox) {
  if (!mailbox?.connected) return false;
  return mailbox.status === "syncing" || (mailbox.status === "active" && !mailbox.backfill_done);
}

/**
 * Put a mailbox status in a sales rep's words (pure).
 *
 * Returns `{headline, detail, tone, reconnect, canConnect, connectLabel, canSync, canPause, canResume, canDisconnect}`;
 * `tone` is "ok", "busy", "warn", "error" or "off". On a backend without Google (`googleConfigured: false`,
 * from `GET /api/v1/config`) nothing offers to connect Gmail: the detail says what to set up instead.
 */
export function describeMailbox(mailbox, { formatTime = defaultFormatTime, googleConfigured = true } = {}) {
  const said = sayMailbox(mailbox, formatTime);
  if (googleConfigured || !said.canConnect) return said;
  return { ...said, canConnect: false, detail: "Google isn't set up on this backend, so Gmail cannot be connected: see docs/google-setup.md." };
}

function sayMailbox(mailbox, formatTime) {
  const m = mailbox || { status: "not_connected", connected: false };
  const messages = plural(m.messages_synced, "message");
  const days = m.backfill_days ? ` (first ${m.backfill_days} days)` : "";
  const synced = m.last_synced_at ? formatTime(m.last_synced_at) : "";
  const base = {
    reconnect: false,
    canConnect: false,
    connectLabel: "Connect Gmail",
    canSync: false,
    // Pausing means something once a mailbox is connected; a pause made before stays undoable.
    canPause: Boolean(m.connected && !m.sync_paused),
    canResume: Boolean(m.sync_paused),
    canDisconnect: Boolean(m.connected),
  };
  const via = m.kind === "service_account" ? " Synced through your organisation's Google Workspace." : "";
  switch (m.status) {
    case "needs_reconnect":
      return {
        ...base,
        headline: "Google access was revoked: reconnect Gmail",
        detail: `Threadbook can no longer read your mailbox, so new mail is not being logged. ${messages} synced before it stopped.`,
        tone: "error",
        reconnect: true,
        canConnect: true,
        connectLabel: "Reconnect Gmail",
      };
    case "disabled":
      return {
        ...base,
        headline: "Turned off for your organisation by an administrator",
        detail: `Mail sync is off for everyone in your organisation; ask an administrator. ${messages} synced so far.`,
        tone: "off",
      };
    case "disconnected":
      return {
        ...base,
        headline: "Disconnected",
        detail: "Mail already logged is kept. Connect Gmail again to resume syncing.",
        tone: "off",
        canConnect: true,
      };
    case "paused":
      return {
        ...base,
        headline: "Paused",
        detail: `${messages} synced so far. Resume to keep logging new mail.${via}`,
        tone: "warn",
      };
    case "syncing":
    case "active":
      if (!m.backfill_done) {
        return {
          ...base,
          headline: `Syncing: ${count(m.messages_synced)} messages so far${days}`,
          detail: `Threadbook is reading your recent mail; this can take a while.${via}`,
          tone: "busy",
          canSync: m.status === "active",
        };
      }
      if (m.status === "syncing") {
        return { ...base, headline: `Syncing new mail — ${messages} so far`, detail: via.trim(), tone: "busy" };
      }
      return {
        ...base,
        headline: `Up to date — ${messages}${synced ? `, last synced ${synced}` : ""}`,
        detail: via.trim(),
        tone: "ok",
        canSync: true,
      };
    default:
      return {
        ...base,
        headline: "Not connected",
        detail: m.sync_paused
          ? "Connect Gmail so mail with your contacts is logged by itself. Your sync is paused: it stays paused after you connect."
          : "Connect Gmail so mail with your contacts is logged by itself.",
        tone: "off",
        canConnect: true,
      };
  }
}

/**
 * The "Default sharing for your mail" choice from `GET /api/v1/me` (pure).
 *
 * Returns null when the backend says nothing about it (no `default_visibility`
 * on the user), else `{options: [[value, label]], saved, chosen, error}`:
 * the value "" is the organisation's default (null in the API), shown with
 * its level; `chosen` is what the select shows (`draft` when the user picked
 * something not saved yet).
 */
export function describeSharing(me, { draft, error = "" } = {}) {
  if (error && !me) return { options: [], saved: "", chosen: "", error };
  const user = me?.user;
  if (!user || !("default_visibility" in user)) return null;
  const orgLevel = visibilityLabel(me.org?.default_visibility);
  const options = [["", orgLevel ? `Organisation default (${orgLevel})` : "Organisation default"], ...VISIBILITY_OPTIONS];
  const saved = isVisibility(user.default_visibility) ? user.default_visibility : "";
  return { options, saved, chosen: draft ?? saved, error };
}

const MODIFY_SCOPES = ["https://www.googleapis.com/auth/gmail.modify", "https://mail.google.com/"];
const MAILBOX_LABELS = new Set(["active", "syncing", "paused", "disabled"]);

/**
 * Whether logged conversations get the Threadbook/Logged label in Gmail, and how (pure).
 *
 * The backend labels with the extension's token when it may change labels
 * (gmail.modify), else through the connected mailbox. Returns `{text, via, canAllow}`:
 * `via` is "mailbox", "token" or null; `canAllow` offers to ask Google for gmail.modify.
 */
export function describeLabels(mailbox, access, { canGrant = false } = {}) {
  if (mailbox?.connected && MAILBOX_LABELS.has(mailbox.status)) {
    return { text: "Logged conversations are labelled Threadbook/Logged in Gmail, through your connected mailbox.", via: "mailbox", canAllow: false };
  }
  const scopes = new Set(String(access?.scope || "").split(/\s+/));
  if (MODIFY_SCOPES.some((scope) => scopes.has(scope))) {
    return { text: "Logged conversations are labelled Threadbook/Logged in Gmail, with your Google access.", via: "token", canAllow: false };
  }
  const how = canGrant ? "Allow Threadbook to change labels, or connect Gmail above." : "Connect Gmail above to have them labelled.";
  return { text: `Logged conversations are not labelled in Gmail: Threadbook may only read your mail. ${how}`, via: null, canAllow: canGrant };
}

/** Read `code`, `state` and `error` from Google's redirect (query or fragment). */
export function redirectParams(redirectUrl) {
  const url = new URL(redirectUrl);
  const hash = new URLSearchParams(url.hash.replace(/^#/, ""));
  const pick = (name) => url.searchParams.get(name) || hash.get(name) || "";
  return { code: pick("code"), state: pick("state"), error: pick("error"), description: pick("error_description") };
}

export function createAccountController({
  view,
  getClient,
  send,
  copyText,
  readGoogle = async () => ({ access: null, canGrant: false }),
  openAdminPage = () => {},
  formatTime = defaultFormatTime,
  pollMs = POLL_MS,
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
}) {
  let open = false;
  let visits = 0; // each opening; answers for an earlier one are dropped
  let mailbox = null;
  let loading = false;
  let loadError = "";
  let dropbox = null;
  let dropboxError = "";
  let google = { access: null, canGrant: false }; // the stored Google access, and whether Google may be asked for more
  let me = null; // GET /api/v1/me: {user, org}
  let googleConfigured = true; // GET /api/v1/config's google_configured
  let meError = "";
  let sharingDraft; // the default sharing picked but not saved ("" is the organisation's)
  let busy = "";
  let confirming = "";
  let message = null;
  let pollTimer = 0;
  let mainView = null;
  let lastMain = null;

  function render() {
    if (!open) return;
    view.showAccount({
      mailbox,
      summary: describeMailbox(mailbox, { formatTime, googleConfigured }),
      loading,
      loadError,
      dropbox,
      dropboxError,
      sharing: describeSharing(me, { draft: sharingDraft, error: meError }),
      labels: googleConfigured ? describeLabels(mailbox, google.access, { canGrant: google.canGrant }) : null,
      busy,
      confirming,
      message,
      admin: me?.user?.role === "admin",
    });
  }

  function say(text, { error = false } = {}) {
    message = text ? { text, error } : null;
  }

  function stopPolling() {
    if (pollTimer) clearTimer(pollTimer);
    pollTimer = 0;
  }

  function planPoll() {
    stopPolling();
    if (!open || !isSyncing(mailbox)) return;
    const visit = visits;
    pollTimer = setTimer(() => {
      pollTimer = 0;
      if (open && visit === visits) loadMailbox({ quiet: true });
    }, pollMs);
  }

  function useMailbox(next) {
    if (next && typeof next === "object") mailbox = next;
    loadError = "";
    planPoll();
  }

  async function loadMailbox({ quiet = false } = {}) {
    const visit = visits;
    if (!quiet) loading = true;
    render();
    try {
      const answer = await getClient().mailbox();
      if (!open || visit !== visits) return;
      useMailbox(answer);
    } catch (error) {
      if (!open || visit !== visits) return;
      loadError = error?.message || String(error);
      // A failed poll tries again: the backfill goes on without the panel.
      if (quiet && isSyncing(mailbox)) planPoll();
    } finally {
      if (visit === visits) loading = false;
      render();
    }
  }

  async function loadDropbox() {
    const visit = visits;
    try {
      const answer = await getClient().dropbox();
      if (visit !== visits) return;
      dropbox = answer;
      dropboxError = "";
    } catch (error) {
      if (visit !== visits) return;
      dropboxError = error?.message || String(error);
    }
    render();
  }

  async function loadMe() {
    const visit = visits;
    try {
      const answer = await getClient().me();
      if (visit !== visits) return;
      me = answer;
      meError = "";
    } catch (error) {
      if (visit !== visits) return;
      meError = `Your sharing default could not be loaded: ${error?.message || String(error)}`;
    }
    render();
  }

  async function loadGoogle() {
    google = (await readGoogle().catch(() => null)) || { access: null, canGrant: false };
    try {
      googleConfigured = (await getClient().config()).google_configured !== false;
    } catch {
      googleConfigured = true; // unknown: offer what Google could do
    }
    render();
  }

  /** Run one action on the screen: one at a time, its answer re-rendered, its error shown. */
  async function act(name, progress, work) {
    if (!open || busy) return;
    busy = name;
    confirming = "";
    say(progress);
    render();
    const visit = visits;
    try {
      await work(visit);
    } catch (error) {
      if (visit === visits) say(error?.message || String(error), { error: true });
    } finally {
      if (visit === visits) {
        busy = "";
        render();
      }
    }
  }

  const actions = {
    isOpen: () => open,

    /** Show the Account screen and load the mailbox and dropbox. */
    async open() {
      if (open) return;
      open = true;
      visits += 1;
      confirming = "";
      busy = "";
      message = null;
      sharingDraft = undefined;
      mainView?.status(""); // the conversation's status line does not follow here
      view.enter();
      await Promise.all([loadMailbox(), loadDropbox(), loadMe(), loadGoogle()]);
    },

    /** Ask Google (interactively) to let Threadbook change labels, so logged conversations are labelled. */
    allowLabels() {
      return act("allow-labels", "Opening Google to allow labels…", async (visit) => {
        const answer = await send({ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true, scopes: EXTRA_SCOPES.labels });
        if (visit !== visits) return;
        await loadGoogle();
        if (!answer?.ok || describeLabels(mailbox, google.access).via !== "token") {
          throw new Error("Google did not allow changing labels, so logged conversations stay unlabelled.");
        }
        say("Logged conversations will be labelled Threadbook/Logged in Gmail.");
      });
    },

    /** Leave the screen (Back): stop polling and show the panel's current screen again. */
    close() {
      if (!open) return;
      open = false;
      visits += 1;
      busy = "";
      confirming = "";
      stopPolling();
      view.leave?.();
      if (mainView && lastMain) mainView.show(lastMain);
    },

    refresh: () => loadMailbox(),

    /** Open the admin page in a tab (the button shows for administrators only; the backend refuses anyone else). */
    openAdmin: () => openAdminPage(),

    connect() {
      return act("connect", "Opening Google to connect Gmail…", async (visit) => {
        const client = getClient();
        const start = await client.connectStart();
        const answer = await send({ type: MESSAGE.CONNECT_MAILBOX, url: start.authorization_url, redirectUri: start.redirect_uri }).catch((error) => ({
          ok: false,
          error: { code: "error", message: String(error?.message || error) },
        }));
        if (visit !== visits) return;
        if (!answer?.ok) {
          if (answer?.error?.code === "cancelled") {
            say("Gmail was not connected: the Google window was closed before you allowed access. Connect again when you are ready.");
            return;
          }
          throw new Error(answer?.error?.message || "Connecting Gmail did not finish.");
        }
        const redirectUrl = String(answer.redirectUrl || "");
        if (!isUnder(redirectUrl, start.redirect_uri)) {
          throw new Error("Google's answer came back to an unexpected address, so it was ignored; Gmail was not connected.");
        }
        const params = redirectParams(redirectUrl);
        if (params.error === "access_denied") {
          say("Gmail was not connected: you did not allow access. Connect again when you are ready.");
          return;
        }
        if (params.error) throw new Error(`Google refused the connection (${params.error})${params.description ? `: ${params.description}` : "."}`);
        if (params.state !== start.state) throw new Error("Google's answer did not match this connection; start connecting again.");
        if (!params.code) throw new Error("Google's answer had no authorisation code; start connecting again.");
        say("Finishing the connection…");
        render();
        const next = await client.connectFinish({ code: params.code, state: params.state, redirectUri: start.redirect_uri });
        if (visit !== visits) return;
        useMailbox(next);
        say(`Gmail connected${next?.email ? ` (${next.email})` : ""}: the first sync has started.`);
      });
    },

    syncNow() {
      return act("sync", "Asking for a sync…", async (visit) => {
        const answer = await getClient().syncNow();
        if (visit !== visits) return;
        useMailbox(answer?.mailbox);
        say("Sync started: new mail will appear shortly.");
      });
    },

    pause() {
      return act("pause", "Pausing sync…", async (visit) => {
        const answer = await getClient().pauseSync();
        if (visit !== visits) return;
        useMailbox(answer);
        say("Sync paused. Mail already logged stays.");
      });
    },

    resume() {
      return act("resume", "Resuming sync…", async (visit) => {
        const answer = await getClient().resumeSync();
        if (visit !== visits) return;
        useMailbox(answer);
        say("Sync resumed.");
      });
    },

    /** Ask to confirm a disconnection or a new dropbox address: `what` is "disconnect" or "rotate". */
    ask(what) {
      if (!open || busy || (what !== "disconnect" && what !== "rotate")) return;
      confirming = what;
      message = null;
      render();
    },

    cancelConfirm() {
      confirming = "";
      render();
    },

    /** What the "Change mailbox…" form (views/change-mailbox.js) needs, and how it reports the switch. */
    changeMailboxContext() {
      return {
        mailbox,
        getClient,
        send,
        switched(next, text) {
          useMailbox(next);
          say(text);
          render();
        },
      };
    },

    disconnect() {
      if (confirming !== "disconnect") return actions.ask("disconnect");
      return act("disconnect", "Disconnecting Gmail…", async (visit) => {
        const answer = await getClient().disconnectMailbox();
        if (visit !== visits) return;
        useMailbox(answer);
        say("Gmail disconnected. Mail already logged is kept.");
      });
    },

    /** Pick a default sharing level ("" for the organisation's) without saving it yet. */
    chooseDefaultSharing(value) {
      if (!open) return;
      sharingDraft = value === "" || isVisibility(value) ? value : undefined;
      render();
    },

    /** Save the default sharing level picked (`value`, else the one shown): PATCH /api/v1/me, null for the organisation's. */
    saveDefaultSharing(value) {
      const shown = describeSharing(me, { draft: sharingDraft });
      if (!shown) return;
      const wanted = value === undefined ? shown.chosen : value;
      if (wanted !== "" && !isVisibility(wanted)) return;
      return act("save-sharing", "Saving your default sharing…", async (visit) => {
        const answer = await getClient().updateMe({ default_visibility: wanted || null });
        if (visit !== visits) return;
        if (answer?.user) me = answer;
        sharingDraft = undefined;
        meError = "";
        const level = me?.user?.default_visibility;
        say(
          isVisibility(level)
            ? `Saved: your new mail is shared as “${visibilityLabel(level)}” unless you choose otherwise.`
            : `Saved: your new mail follows the organisation's default${me?.org?.default_visibility ? ` (${visibilityLabel(me.org.default_visibility)})` : ""}.`,
        );
      });
    },

    async copyDropbox() {
      const address = dropbox?.address;
      if (!open || !address) return;
      try {
        await copyText(address);
        say("Dropbox address copied: paste it in Bcc when you send a mail.");
      } catch {
        say("Could not copy the address: select it and copy it yourself.", { error: true });
      }
      render();
    },

    rotateDropbox() {
      if (confirming !== "rotate") return actions.ask("rotate");
      return act("rotate", "Issuing a new dropbox address…", async (visit) => {
        const answer = await getClient().rotateDropbox();
        if (visit !== visits) return;
        dropbox = answer;
        dropboxError = "";
        say("New dropbox address issued: the old one no longer logs mail.");
      });
    },

    /**
     * Wrap the panel view: while the Account screen is open, the panel
     * controller's screens wait (shown on Back), except signing out, which
     * closes the Account screen.
     */
    gate(panelView) {
      mainView = panelView;
      return {
        ...panelView,
        show(screen) {
          lastMain = screen;
          if (open && screen?.session && screen.name !== "signed-out") return;
          if (open) {
            open = false;
            visits += 1;
            stopPolling();
            view.leave?.();
          }
          panelView.show(screen);
        },
      };
    },
  };
  return actions;
}
