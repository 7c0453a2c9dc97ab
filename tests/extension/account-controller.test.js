// The Account screen's controller: mail sync states, polling, connecting, actions, the dropbox.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createAccountController, describeMailbox, describeSharing, isSyncing } from "../../extension/panel/account-controller.js";
import { MESSAGE } from "../../extension/shared/messages.js";
import { BackendError } from "../../extension/api/backend-client.js";
import { settle } from "./helpers.js";

const REDIRECT = "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/";

function status(overrides = {}) {
  return {
    connected: true,
    kind: "oauth",
    email: "rep@threadbook.test",
    status: "active",
    needs_reconnect: false,
    sync_paused: false,
    org_sync_enabled: true,
    messages_synced: 5678,
    backfill_done: true,
    backfill_days: 90,
    syncing: false,
    last_synced_at: "2025-06-02T10:00:00Z",
    last_error: null,
    connected_at: "2025-06-01T10:00:00Z",
    ...overrides,
  };
}

const ME = {
  user: { id: 3, email: "rep@threadbook.test", name: "Rita Rep", role: "member", default_visibility: null },
  org: { id: 1, name: "Threadbook", default_visibility: "team_metadata" },
};

const NOT_CONNECTED = status({
  connected: false,
  kind: null,
  status: "not_connected",
  messages_synced: 0,
  backfill_done: false,
  last_synced_at: null,
  connected_at: null,
});

function fakeTimers() {
  const timers = new Map();
  let next = 1;
  return {
    timers,
    setTimer: (fn, ms) => {
      timers.set(next, { fn, ms });
      return next++;
    },
    clearTimer: (id) => timers.delete(id),
    async fire() {
      const due = [...timers.entries()];
      timers.clear();
      for (const [, { fn }] of due) fn();
      await settle();
    },
  };
}

function setup({ mailbox = NOT_CONNECTED, client: overrides = {}, send, copyText } = {}) {
  const calls = [];
  let current = mailbox;
  const answer =
    (name, value) =>
    async (...args) => {
      calls.push([name, ...args]);
      return typeof value === "function" ? value(...args) : value;
    };
  const client = {
    mailbox: answer("mailbox", () => current),
    dropbox: answer("dropbox", { address: "rep+a1b2@in.threadbook.test", enabled: true, max_bytes: 26214400 }),
    connectStart: answer("connectStart", { authorization_url: "https://accounts.google.com/o/oauth2/v2/auth?x=1", state: "S1", redirect_uri: REDIRECT }),
    connectFinish: answer("connectFinish", status({ status: "active", backfill_done: false, messages_synced: 0 })),
    syncNow: answer("syncNow", { queued: true, mailbox: status({ status: "syncing", syncing: true }) }),
    pauseSync: answer("pauseSync", status({ status: "paused", sync_paused: true })),
    resumeSync: answer("resumeSync", status()),
    disconnectMailbox: answer("disconnectMailbox", status({ connected: false, kind: null, status: "disconnected" })),
    rotateDropbox: answer("rotateDropbox", { address: "rep+c3d4@in.threadbook.test", enabled: true, max_bytes: 26214400 }),
    me: answer("me", ME),
    updateMe: answer("updateMe", (fields) => ({ ...ME, user: { ...ME.user, ...fields } })),
    ...overrides,
  };
  const shown = [];
  const view = {
    entered: 0,
    left: 0,
    enter() {
      this.entered += 1;
    },
    leave() {
      this.left += 1;
    },
    showAccount: (state) => shown.push(structuredClone(state)),
  };
  const sent = [];
  const timers = fakeTimers();
  const copied = [];
  const account = createAccountController({
    view,
    getClient: () => client,
    send: async (message) => {
      sent.push(message);
      return send ? send(message) : { ok: true, redirectUrl: `${REDIRECT}?code=C1&state=S1` };
    },
    copyText: copyText || (async (text) => copied.push(text)),
    formatTime: () => "2 Jun 2025, 10:00",
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
  });
  return { account, client, calls, shown, last: () => shown.at(-1), view, sent, timers, copied, setMailbox: (m) => (current = m) };
}

test("each mailbox status reads in a sales rep's words", () => {
  const said = (m) => describeMailbox(m, { formatTime: () => "2 Jun 2025, 10:00" });
  assert.equal(said(NOT_CONNECTED).headline, "Not connected");
  assert.equal(said(NOT_CONNECTED).canConnect, true);
  assert.equal(said(status({ status: "active", backfill_done: false, messages_synced: 1234 })).headline, "Syncing: 1,234 messages so far (first 90 days)");
  assert.equal(
    said(status({ status: "syncing", syncing: true, backfill_done: false, messages_synced: 10 })).headline,
    "Syncing: 10 messages so far (first 90 days)",
  );
  assert.equal(said(status()).headline, "Up to date — 5,678 messages, last synced 2 Jun 2025, 10:00");
  assert.equal(said(status()).canSync, true);
  assert.equal(said(status({ status: "paused", sync_paused: true })).headline, "Paused");
  assert.equal(said(status({ status: "paused", sync_paused: true })).canResume, true);
  assert.equal(said(status({ status: "disabled", org_sync_enabled: false })).headline, "Turned off for your organisation by an administrator");
  assert.equal(said(status({ status: "disabled" })).canSync, false);
  const revoked = said(status({ status: "needs_reconnect", needs_reconnect: true }));
  assert.match(revoked.headline, /Google access was revoked: reconnect/);
  assert.equal(revoked.reconnect, true);
  assert.equal(revoked.connectLabel, "Reconnect Gmail");
  assert.equal(revoked.tone, "error");
  const gone = said(status({ connected: false, status: "disconnected" }));
  assert.equal(gone.headline, "Disconnected");
  assert.equal(gone.canConnect, true);
  assert.equal(gone.canDisconnect, false);
  assert.equal(gone.canPause, false, "nothing to pause while disconnected");
  assert.equal(said(NOT_CONNECTED).canPause, false, "nor before connecting");
  assert.equal(said({ ...NOT_CONNECTED, sync_paused: true }).canResume, true, "a pause made before connecting can be undone");
  assert.equal(said(status()).canPause, true);
  assert.equal(isSyncing(status()), false);
  assert.equal(isSyncing(status({ backfill_done: false })), true);
  assert.equal(isSyncing(status({ status: "paused", backfill_done: false })), false);
});

test("a backend without Google offers no Connect Gmail: it says what to set up, and nothing about labels (issue 16)", async () => {
  const { account, last } = setup({ client: { config: async () => ({ google_configured: false, dev_signin: true }) } });
  await account.open();
  const { summary, labels } = last();
  assert.equal(summary.headline, "Not connected");
  assert.equal(summary.canConnect, false);
  assert.equal(summary.detail, "Google isn't set up on this backend, so Gmail cannot be connected: see docs/google-setup.md.");
  assert.equal(labels, null);
  const revoked = describeMailbox(status({ status: "needs_reconnect", needs_reconnect: true }), { googleConfigured: false });
  assert.equal(revoked.canConnect, false, "nor Reconnect Gmail");
  assert.equal(describeMailbox(status(), { googleConfigured: false }).canSync, true, "a connected mailbox keeps its other buttons");
});

test("opening the Account screen clears the conversation's status line", async () => {
  const { account } = setup();
  const said = [];
  account.gate({ show() {}, status: (text) => said.push(text) });
  await account.open();
  assert.deepEqual(said, [""]);
});

test("opening shows the screen, the mailbox state with its last error, and the dropbox", async () => {
  const { account, view, last, calls } = setup({ mailbox: status({ status: "needs_reconnect", needs_reconnect: true, last_error: "invalid_grant" }) });
  await account.open();
  assert.equal(view.entered, 1);
  assert.deepEqual(calls.map((c) => c[0]).sort(), ["dropbox", "mailbox", "me"]);
  const state = last();
  assert.equal(state.summary.reconnect, true);
  assert.equal(state.mailbox.last_error, "invalid_grant");
  assert.equal(state.dropbox.address, "rep+a1b2@in.threadbook.test");
  assert.equal(state.loading, false);
});

test("while the backfill runs the panel polls for progress, and stops when the screen is left", async () => {
  const t = setup({ mailbox: status({ status: "syncing", syncing: true, backfill_done: false, messages_synced: 100 }) });
  await t.account.open();
  assert.equal(t.timers.timers.size, 1, "a poll is planned");
  assert.equal([...t.timers.timers.values()][0].ms, 3000);
  t.setMailbox(status({ status: "syncing", syncing: true, backfill_done: false, messages_synced: 1234 }));
  await t.timers.fire();
  assert.equal(t.last().summary.headline, "Syncing: 1,234 messages so far (first 90 days)");
  assert.equal(t.timers.timers.size, 1, "still syncing: polls again");
  t.setMailbox(status({ messages_synced: 5678 }));
  await t.timers.fire();
  assert.match(t.last().summary.headline, /^Up to date — 5,678 messages/);
  assert.equal(t.timers.timers.size, 0, "done: no more polling");

  t.setMailbox(status({ status: "syncing", syncing: true, backfill_done: false }));
  await t.account.refresh();
  assert.equal(t.timers.timers.size, 1);
  t.account.close();
  assert.equal(t.timers.timers.size, 0, "leaving the screen stops polling");
  assert.equal(t.view.left, 1);
  const mailboxCalls = t.calls.filter((c) => c[0] === "mailbox").length;
  await settle();
  assert.equal(t.calls.filter((c) => c[0] === "mailbox").length, mailboxCalls);
});

test("connecting: the worker runs Google's consent, then the backend finishes and syncing starts", async () => {
  const t = setup();
  await t.account.open();
  await t.account.connect();
  assert.deepEqual(t.sent, [{ type: MESSAGE.CONNECT_MAILBOX, url: "https://accounts.google.com/o/oauth2/v2/auth?x=1", redirectUri: REDIRECT }]);
  const finish = t.calls.find((c) => c[0] === "connectFinish");
  assert.deepEqual(finish[1], { code: "C1", state: "S1", redirectUri: REDIRECT });
  assert.match(t.last().message.text, /Gmail connected/);
  assert.equal(t.last().message.error, false);
  assert.equal(t.last().busy, "");
  assert.match(t.last().summary.headline, /^Syncing: 0 messages so far/);
  assert.equal(t.timers.timers.size, 1, "the new mailbox's backfill is followed");
});

test("a cancelled consent is a calm message, not an error", async () => {
  for (const send of [
    () => ({ ok: false, error: { code: "cancelled", message: "The user did not approve access." } }),
    () => ({ ok: true, redirectUrl: `${REDIRECT}?error=access_denied&state=S1` }),
  ]) {
    const t = setup({ send });
    await t.account.open();
    await t.account.connect();
    assert.equal(t.last().message.error, false);
    assert.match(t.last().message.text, /Gmail was not connected/);
    assert.ok(!t.calls.some((c) => c[0] === "connectFinish"));
    assert.equal(t.last().summary.headline, "Not connected");
  }
});

test("the backend's refusal (another Google account, no OAuth client) is shown as its message", async () => {
  const wrong = "You chose the mailbox other@gmail.com, but you are signed in as rep@threadbook.test; connect your own mailbox.";
  const t = setup({
    client: {
      connectFinish: async () => {
        throw new BackendError("client", wrong, { status: 400, code: "wrong_mailbox" });
      },
    },
  });
  await t.account.open();
  await t.account.connect();
  assert.deepEqual(t.last().message, { text: wrong, error: true });
  assert.equal(t.last().busy, "");

  const u = setup({
    client: {
      connectStart: async () => {
        throw new BackendError("server", "Mailbox connection is not set up on this server.", { status: 503 });
      },
    },
  });
  await u.account.open();
  await u.account.connect();
  assert.deepEqual(u.last().message, { text: "Mailbox connection is not set up on this server.", error: true });
  assert.equal(u.sent.length, 0);
});

test("a redirect to a foreign origin, or with another state, is refused", async () => {
  for (const redirectUrl of [
    "https://evil.example/?code=C1&state=S1",
    "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org.evil.example/?code=C1&state=S1",
  ]) {
    const t = setup({ send: () => ({ ok: true, redirectUrl }) });
    await t.account.open();
    await t.account.connect();
    assert.equal(t.last().message.error, true);
    assert.match(t.last().message.text, /unexpected address/);
    assert.ok(!t.calls.some((c) => c[0] === "connectFinish"));
  }
  const t = setup({ send: () => ({ ok: true, redirectUrl: `${REDIRECT}?code=C1&state=FORGED` }) });
  await t.account.open();
  await t.account.connect();
  assert.equal(t.last().message.error, true);
  assert.ok(!t.calls.some((c) => c[0] === "connectFinish"));
});

test("sync now, pause, resume and disconnect call their routes and re-render from the answer", async () => {
  const t = setup({ mailbox: status() });
  await t.account.open();
  await t.account.syncNow();
  assert.ok(t.calls.some((c) => c[0] === "syncNow"));
  assert.equal(t.last().mailbox.status, "syncing");
  assert.match(t.last().message.text, /Sync started/);

  await t.account.pause();
  assert.ok(t.calls.some((c) => c[0] === "pauseSync"));
  assert.equal(t.last().summary.headline, "Paused");
  assert.equal(t.timers.timers.size, 0, "no polling while paused");

  await t.account.resume();
  assert.ok(t.calls.some((c) => c[0] === "resumeSync"));
  assert.match(t.last().summary.headline, /^Up to date/);

  // Disconnecting asks first; Cancel leaves everything as it was.
  await t.account.disconnect();
  assert.equal(t.last().confirming, "disconnect");
  assert.ok(!t.calls.some((c) => c[0] === "disconnectMailbox"));
  t.account.cancelConfirm();
  assert.equal(t.last().confirming, "");
  await t.account.disconnect();
  await t.account.disconnect();
  assert.ok(t.calls.some((c) => c[0] === "disconnectMailbox"));
  assert.equal(t.last().summary.headline, "Disconnected");
  assert.match(t.last().message.text, /Mail already logged is kept/);
  assert.equal(t.last().confirming, "");
});

test("an action the backend refuses (409) shows its message", async () => {
  const t = setup({
    mailbox: status(),
    client: {
      syncNow: async () => {
        throw new BackendError("conflict", "Your sync is paused; resume it first.", { status: 409, code: "sync_paused" });
      },
    },
  });
  await t.account.open();
  await t.account.syncNow();
  assert.deepEqual(t.last().message, { text: "Your sync is paused; resume it first.", error: true });
});

test("the dropbox address is copied, and a new one is issued only after confirming", async () => {
  const t = setup();
  await t.account.open();
  await t.account.copyDropbox();
  assert.deepEqual(t.copied, ["rep+a1b2@in.threadbook.test"]);
  assert.match(t.last().message.text, /copied/);

  await t.account.rotateDropbox();
  assert.equal(t.last().confirming, "rotate");
  assert.ok(!t.calls.some((c) => c[0] === "rotateDropbox"));
  await t.account.rotateDropbox();
  assert.ok(t.calls.some((c) => c[0] === "rotateDropbox"));
  assert.equal(t.last().dropbox.address, "rep+c3d4@in.threadbook.test");
  assert.match(t.last().message.text, /old one no longer/);

  const failing = setup({ copyText: async () => Promise.reject(new Error("denied")) });
  await failing.account.open();
  await failing.account.copyDropbox();
  assert.equal(failing.last().message.error, true);
});

test("while the Account screen is open the panel's screens wait for Back; signing out closes it", async () => {
  const t = setup();
  const mainShown = [];
  const gated = t.account.gate({ show: (screen) => mainShown.push(screen.name), status() {} });
  const session = { token: "t", user: { email: "rep@threadbook.test" } };
  gated.show({ name: "no-thread", session });
  await t.account.open();
  gated.show({ name: "thread", session });
  assert.deepEqual(mainShown, ["no-thread"], "the conversation waits while the Account screen shows");
  t.account.close();
  assert.deepEqual(mainShown, ["no-thread", "thread"], "Back shows the latest conversation screen");

  await t.account.open();
  gated.show({ name: "signed-out", session: null });
  assert.equal(t.account.isOpen(), false);
  assert.deepEqual(mainShown.at(-1), "signed-out");
});

test("the default sharing choice: the organisation's default named with its level, or nothing from a backend without it", () => {
  const sharing = describeSharing(ME);
  assert.deepEqual(sharing.options, [
    ["", "Organisation default (Team: who, when, subject)"],
    ["private", "Only me"],
    ["team_metadata", "Team: who, when, subject"],
    ["team_full", "Team: everything"],
  ]);
  assert.equal(sharing.saved, "", "null is the organisation's default");
  assert.equal(sharing.chosen, "");
  assert.equal(describeSharing({ ...ME, user: { ...ME.user, default_visibility: "team_full" } }).chosen, "team_full");
  assert.equal(describeSharing(ME, { draft: "private" }).chosen, "private");
  const older = { ...ME.user };
  delete older.default_visibility;
  assert.equal(describeSharing({ ...ME, user: older }), null, "a backend without it");
  assert.equal(describeSharing(null, { error: "down" }).error, "down");
});

test("saving the default sharing: PATCH /me with the level, or null for the organisation's default; a confirmation", async () => {
  const t = setup({ client: { me: async () => ({ ...ME, user: { ...ME.user, default_visibility: "team_full" } }) } });
  await t.account.open();
  assert.equal(t.last().sharing.chosen, "team_full");

  t.account.chooseDefaultSharing("");
  assert.equal(t.last().sharing.chosen, "", "the pick shows before it is saved");
  await t.account.saveDefaultSharing();
  assert.deepEqual(
    t.calls.find((c) => c[0] === "updateMe"),
    ["updateMe", { default_visibility: null }],
  );
  assert.deepEqual(t.last().message, { text: "Saved: your new mail follows the organisation's default (Team: who, when, subject).", error: false });
  assert.equal(t.last().sharing.saved, "");
  assert.equal(t.last().busy, "");

  await t.account.saveDefaultSharing("private");
  assert.deepEqual(t.calls.filter((c) => c[0] === "updateMe").at(-1), ["updateMe", { default_visibility: "private" }]);
  assert.equal(t.last().message.text, "Saved: your new mail is shared as “Only me” unless you choose otherwise.");
  assert.equal(t.last().sharing.chosen, "private");

  await t.account.saveDefaultSharing("everyone");
  assert.equal(t.calls.filter((c) => c[0] === "updateMe").length, 2, "an unknown level is never sent");
});

test("saving the default sharing refused: the backend's message, the choice kept to try again", async () => {
  const t = setup({
    client: {
      updateMe: async () => {
        throw new BackendError("client", "default_visibility must be one of private, team_metadata, team_full.", { status: 400 });
      },
    },
  });
  await t.account.open();
  t.account.chooseDefaultSharing("team_full");
  await t.account.saveDefaultSharing();
  assert.deepEqual(t.last().message, { text: "default_visibility must be one of private, team_metadata, team_full.", error: true });
  assert.equal(t.last().sharing.chosen, "team_full");
  assert.equal(t.last().sharing.saved, "");
});

test("the sharing default that cannot be loaded says so; the rest of the screen works", async () => {
  const t = setup({
    client: {
      me: async () => {
        throw new BackendError("server", "Something went wrong.", { status: 500 });
      },
    },
  });
  await t.account.open();
  assert.equal(t.last().sharing.error, "Your sharing default could not be loaded: Something went wrong.");
  assert.equal(t.last().dropbox.address, "rep+a1b2@in.threadbook.test");
});
