// The Account screen's "Gmail labels" part: how logged conversations get labelled, and asking Google for gmail.modify.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createAccountController, describeLabels } from "../../extension/panel/account-controller.js";
import { EXTRA_SCOPES, SCOPES } from "../../extension/auth/google-oauth.js";
import { MESSAGE } from "../../extension/shared/messages.js";
import { settle } from "./helpers.js";

const MODIFY = "https://www.googleapis.com/auth/gmail.modify";
const READ_ONLY = { token: "ya29", scope: "openid email https://www.googleapis.com/auth/gmail.readonly" };
const CONNECTED = { connected: true, status: "active", kind: "oauth" };
const NOT_CONNECTED = { connected: false, status: "not_connected" };

test("the base sign-in asks only to read mail; changing labels is asked for on its own", () => {
  assert.ok(!SCOPES.some((scope) => /gmail\.(labels|modify)/.test(scope)));
  assert.deepEqual(EXTRA_SCOPES.labels, [MODIFY]);
});

test("a connected mailbox labels logged conversations, whatever the token may do", () => {
  for (const status of ["active", "syncing", "paused"]) {
    const labels = describeLabels({ ...CONNECTED, status }, READ_ONLY, { canGrant: true });
    assert.equal(labels.via, "mailbox");
    assert.equal(labels.canAllow, false);
  }
});

test("a token with gmail.modify labels them itself", () => {
  const labels = describeLabels(NOT_CONNECTED, { token: "ya29", scope: `openid ${MODIFY}` }, { canGrant: true });
  assert.deepEqual([labels.via, labels.canAllow], ["token", false]);
});

test("with neither, the screen says they are not labelled and offers to ask Google, unless signed in for development", () => {
  const google = describeLabels(NOT_CONNECTED, READ_ONLY, { canGrant: true });
  assert.deepEqual([google.via, google.canAllow], [null, true]);
  assert.match(google.text, /not labelled in Gmail/);
  const dev = describeLabels({ ...CONNECTED, status: "needs_reconnect" }, null, { canGrant: false });
  assert.deepEqual([dev.via, dev.canAllow], [null, false]);
  assert.match(dev.text, /Connect Gmail/);
});

function setup({ access = READ_ONLY, grantedAccess = { token: "ya29.2", scope: `openid ${MODIFY}` }, answer = { ok: true } } = {}) {
  let stored = access;
  const sent = [];
  const shown = [];
  const client = {
    mailbox: async () => NOT_CONNECTED,
    dropbox: async () => ({ address: null, enabled: false }),
    me: async () => ({ user: { id: 1 }, org: { id: 1 } }),
  };
  const account = createAccountController({
    view: { enter() {}, leave() {}, showAccount: (state) => shown.push(structuredClone(state)) },
    getClient: () => client,
    send: async (message) => {
      sent.push(message);
      if (answer.ok) stored = grantedAccess;
      return answer;
    },
    copyText: async () => {},
    readGoogle: async () => ({ access: stored, canGrant: true }),
  });
  return { account, sent, last: () => shown.at(-1) };
}

test("Allow labels asks Google for gmail.modify interactively, then shows the conversations will be labelled", async () => {
  const h = setup();
  await h.account.open();
  await settle();
  assert.equal(h.last().labels.canAllow, true);

  await h.account.allowLabels();

  assert.deepEqual(h.sent, [{ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true, scopes: [MODIFY] }]);
  assert.equal(h.last().labels.via, "token");
  assert.equal(h.last().message.error, false);
  assert.match(h.last().message.text, /will be labelled/);
});

test("a refused grant leaves the screen as it was and says so", async () => {
  const h = setup({ answer: { ok: false, error: "access_denied" } });
  await h.account.open();
  await settle();

  await h.account.allowLabels();

  assert.equal(h.last().labels.canAllow, true);
  assert.equal(h.last().message.error, true);
  assert.match(h.last().message.text, /did not allow changing labels/);
  assert.equal(h.last().busy, "");
});
