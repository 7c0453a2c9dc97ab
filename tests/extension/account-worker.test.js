// The service worker's part in connecting Gmail: run Google's consent for the panel only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createMailboxConnect } from "../../extension/background/mailbox-connect.js";
import { createMessageRouter } from "../../extension/background/message-router.js";
import { MESSAGE } from "../../extension/shared/messages.js";

const ID = "abcdefghijklmnopabcdefghijklmnop";
const OWN = `https://${ID}.chromiumapp.org/`;
const PANEL = { id: ID, url: `chrome-extension://${ID}/extension/panel/panel.html` };
const AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth?response_type=code";

function fakeIdentity(respond) {
  const launched = [];
  return {
    launched,
    redirectUrl: () => OWN,
    async launchWebAuthFlow(details) {
      launched.push(details);
      return respond(details);
    },
  };
}

function router(identity) {
  return createMessageRouter({ tabThreads: {}, auth: {}, panelPolicy: {}, mailboxConnect: createMailboxConnect({ identity }), extensionId: ID });
}

test("the panel gets Google's redirect URL back", async () => {
  const identity = fakeIdentity(() => `${OWN}?code=C1&state=S1`);
  const answer = await router(identity)({ type: MESSAGE.CONNECT_MAILBOX, url: AUTH_URL, redirectUri: OWN }, PANEL);
  assert.deepEqual(answer, { ok: true, redirectUrl: `${OWN}?code=C1&state=S1` });
  assert.deepEqual(identity.launched, [{ url: AUTH_URL, interactive: true }]);
});

test("senders other than the extension's own pages are refused", async () => {
  const identity = fakeIdentity(() => `${OWN}?code=C1`);
  const route = router(identity);
  const message = { type: MESSAGE.CONNECT_MAILBOX, url: AUTH_URL, redirectUri: OWN };
  for (const sender of [
    { id: ID, url: "https://mail.google.com/mail/u/0/", tab: { id: 3, url: "https://mail.google.com/mail/u/0/" } }, // a content script
    { id: ID, url: "https://evil.example/" },
    { id: "otherextensionotherextensionxxxx", url: "chrome-extension://otherextensionotherextensionxxxx/page.html" },
    {},
  ]) {
    const answer = await route(message, sender);
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "bad_sender");
  }
  assert.equal(identity.launched.length, 0);
});

test("a redirect address that is not the extension's own, or an answer elsewhere, is refused", async () => {
  const identity = fakeIdentity(() => "https://evil.example/?code=C1");
  const route = router(identity);
  const foreign = await route({ type: MESSAGE.CONNECT_MAILBOX, url: AUTH_URL, redirectUri: `https://${ID}.chromiumapp.org.evil.example/` }, PANEL);
  assert.equal(foreign.error.code, "bad_redirect");
  assert.equal(identity.launched.length, 0);
  const plain = await route({ type: MESSAGE.CONNECT_MAILBOX, url: "http://accounts.google.com/auth", redirectUri: OWN }, PANEL);
  assert.equal(plain.error.code, "bad_request");
  const elsewhere = await route({ type: MESSAGE.CONNECT_MAILBOX, url: AUTH_URL, redirectUri: OWN }, PANEL);
  assert.equal(elsewhere.error.code, "bad_redirect");
});

test("a closed consent window answers 'cancelled'", async () => {
  const identity = fakeIdentity(() => Promise.reject(new Error("The user did not approve access.")));
  const answer = await router(identity)({ type: MESSAGE.CONNECT_MAILBOX, url: AUTH_URL, redirectUri: OWN }, PANEL);
  assert.equal(answer.ok, false);
  assert.equal(answer.error.code, "cancelled");
});
