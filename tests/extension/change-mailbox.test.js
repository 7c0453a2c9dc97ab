// "Change mailbox…": the lazily loaded form and flow that switch the connected Gmail to another account.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { describeChange, openChangeMailbox, runChange, switchedMessage } from "../../extension/panel/views/change-mailbox.js";
import { createAccountView } from "../../extension/panel/views/account-view.js";
import { describeMailbox } from "../../extension/panel/account-controller.js";

const HTML = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
const REDIRECT = "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/";
const EVIL = '<img src=x onerror="document.body.dataset.pwned=1">';

function fakeClient({ finish = { email: "new@gmail.com", connected: true }, refuse = null } = {}) {
  const calls = [];
  return {
    calls,
    async replaceMailboxStart(email) {
      calls.push(["start", email]);
      if (refuse) throw new Error(refuse);
      return { authorization_url: "https://accounts.google.com/o/oauth2/v2/auth?x=1", state: "S1", redirect_uri: REDIRECT };
    },
    async replaceMailboxFinish(body) {
      calls.push(["finish", body]);
      return finish;
    },
  };
}

const sendAnswer = (answer) => async (message) => ({ ...answer, asked: message });

test("the form says what will happen, naming the current address", () => {
  const { current, steps } = describeChange({ email: "old@acme.example" });
  assert.equal(current, "old@acme.example");
  assert.ok(steps.some((s) => s.includes("old@acme.example stays yours")));
  assert.ok(steps.some((s) => s.includes("nothing is logged twice")));
  assert.ok(steps.some((s) => s.includes("withdrawn at Google")));
});

test("a switch starts, consents in the worker and finishes with Google's code", async () => {
  const client = fakeClient();
  const sent = [];
  const send = async (message) => {
    sent.push(message);
    return { ok: true, redirectUrl: `${REDIRECT}?code=C1&state=S1` };
  };
  const next = await runChange({ client, send, email: "new@gmail.com" });
  assert.equal(next.email, "new@gmail.com");
  assert.deepEqual(client.calls, [
    ["start", "new@gmail.com"],
    ["finish", { code: "C1", state: "S1", redirectUri: REDIRECT }],
  ]);
  assert.equal(sent[0].type, "connect-mailbox");
  assert.equal(sent[0].redirectUri, REDIRECT);
});

test("closing Google's window or refusing access changes nothing", async () => {
  for (const answer of [
    { ok: false, error: { code: "cancelled" } },
    { ok: true, redirectUrl: `${REDIRECT}?error=access_denied&state=S1` },
  ]) {
    const client = fakeClient();
    assert.equal(await runChange({ client, send: sendAnswer(answer), email: "new@gmail.com" }), null);
    assert.deepEqual(
      client.calls.map((c) => c[0]),
      ["start"],
    );
  }
});

test("the backend's refusal and a mismatched answer reach the user as errors, never finishing", async () => {
  const taken = fakeClient({ refuse: "new@gmail.com is already the address of Carol in your organisation" });
  await assert.rejects(runChange({ client: taken, send: sendAnswer({ ok: true }), email: "new@gmail.com" }), /already the address of Carol/);
  const client = fakeClient();
  await assert.rejects(
    runChange({ client, send: sendAnswer({ ok: true, redirectUrl: `${REDIRECT}?code=C&state=OTHER` }), email: "x@y.example" }),
    /did not match/,
  );
  await assert.rejects(
    runChange({ client, send: sendAnswer({ ok: true, redirectUrl: "https://evil.example/?code=C&state=S1" }), email: "x@y.example" }),
    /unexpected address/,
  );
  assert.ok(!client.calls.some((c) => c[0] === "finish"));
});

test("the form shows the current address as text, switches, and reports the new mailbox", async () => {
  const { document } = parseHTML("<body><section id=host></section></body>");
  const host = document.getElementById("host");
  const switched = [];
  const client = fakeClient();
  const send = async () => ({ ok: true, redirectUrl: `${REDIRECT}#code=C9&state=S1` });
  openChangeMailbox(document, host, { mailbox: { email: EVIL }, getClient: () => client, send, switched: (...args) => switched.push(args) });

  assert.equal(document.getElementById("change-mailbox-current").textContent, `Now connected: ${EVIL}`);
  assert.equal(document.querySelector("img"), null);
  document.getElementById("change-mailbox-email").value = "new@gmail.com";
  document.getElementById("change-mailbox").dispatchEvent(new document.defaultView.Event("submit", { cancelable: true }));
  await new Promise((resolve) => setTimeout(resolve, 0));

  assert.deepEqual(switched, [
    [{ email: "new@gmail.com", connected: true }, "Mailbox changed: Threadbook now syncs new@gmail.com. Mail already logged is kept."],
  ]);
  assert.equal(document.getElementById("change-mailbox"), null); // the form closed
});

test("a refused switch keeps the form open with the backend's message", async () => {
  const { document } = parseHTML("<body><section id=host></section></body>");
  const client = fakeClient({ refuse: "new@gmail.com already belongs to a Threadbook user of another organisation" });
  openChangeMailbox(document, document.getElementById("host"), {
    mailbox: { email: "old@x.example" },
    getClient: () => client,
    send: async () => ({}),
    switched: () => assert.fail("not switched"),
  });
  document.getElementById("change-mailbox-email").value = "new@gmail.com";
  document.getElementById("change-mailbox").dispatchEvent(new document.defaultView.Event("submit", { cancelable: true }));
  await new Promise((resolve) => setTimeout(resolve, 0));

  const status = document.getElementById("change-mailbox-status");
  assert.match(status.textContent, /another organisation/);
  assert.ok(status.classList.contains("error"));
  assert.equal(document.getElementById("change-mailbox-email").disabled, false);
});

test("the Account screen offers Change mailbox… for a connected OAuth mailbox only", () => {
  const { document } = parseHTML(HTML);
  const view = createAccountView(document);
  view.bind({ open() {}, close() {}, chooseDefaultSharing() {}, saveDefaultSharing() {} });
  const show = (mailbox) => {
    view.showAccount({ mailbox, summary: describeMailbox(mailbox), busy: "", confirming: "", message: null });
    return !document.getElementById("change-mailbox-open").hidden;
  };
  assert.equal(show({ connected: true, kind: "oauth", status: "active", backfill_done: true, email: "a@x.example" }), true);
  assert.equal(show({ connected: true, kind: "service_account", status: "active", backfill_done: true }), false);
  assert.equal(show({ connected: false, status: "not_connected" }), false);
});

test("a switch whose old grant Google could not revoke yet says it is retried", () => {
  assert.match(switchedMessage({ email: "n@x.example", old_grant_revocation_pending: true }), /could not be reached.*tries again every hour/);
  assert.doesNotMatch(switchedMessage({ email: "n@x.example", old_grant_revocation_pending: false }), /tries again/);
});
