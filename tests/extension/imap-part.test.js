// The Account screen's "Other mailboxes (IMAP)" part, on the panel's real HTML with a fake backend client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { accountState, connectBody, createImapPart } from "../../extension/panel/imap-part.js";
import { BackendError } from "../../extension/api/backend-client.js";
import { settle } from "./helpers.js";
import { submit } from "./admin-helpers.js";

const HTML = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
const EVIL = '<img src=x onerror="document.body.dataset.pwned=1">';
const ACCOUNT = {
  id: 7,
  host: "imap.fastmail.com",
  port: 993,
  tls: "tls",
  username: `rep${EVIL}@fastmail.com`,
  status: "error",
  needs_reconnect: false,
  sync_paused: false,
  syncing: false,
  messages_synced: 12,
  last_synced_at: "2026-03-02T10:05:00Z",
  last_error: `Could not connect ${EVIL}`,
};

function fakeClient(answers) {
  const calls = [];
  return {
    calls,
    async request(method, path, options = {}) {
      calls.push({ method, path, body: options.body });
      const answer = answers[`${method} ${path}`];
      if (answer instanceof Error) throw answer;
      return typeof answer === "function" ? answer(options.body) : structuredClone(answer);
    },
  };
}

function mount(answers) {
  const { document } = parseHTML(HTML);
  const client = fakeClient(answers);
  const part = createImapPart(document, () => client, { formatTime: () => "2 March" });
  return { document, client, part, root: document.getElementById("imap-part") };
}

test("the state in words: last sync and count, a refused password, a pause", () => {
  assert.equal(
    accountState(ACCOUNT, () => "2 March"),
    "Last synced 2 March; 12 messages logged",
  );
  assert.match(accountState({ ...ACCOUNT, needs_reconnect: true }), /refused the password/);
  assert.equal(accountState({ ...ACCOUNT, sync_paused: true }), "Sync paused");
  assert.equal(accountState({ ...ACCOUNT, last_synced_at: null, messages_synced: 1 }), "Not synced yet; 1 message logged");
});

test("the form's values are checked before anything is sent", () => {
  const good = { host: " imap.example.com ", port: "993", tls: "tls", username: "me@example.com", password: " pw " };
  assert.deepEqual(connectBody(good).body, { host: "imap.example.com", port: 993, tls: "tls", username: "me@example.com", password: " pw " });
  assert.equal(connectBody({ ...good, host: " " }).field, "host");
  assert.equal(connectBody({ ...good, port: "70000" }).field, "port");
  assert.equal(connectBody({ ...good, port: "x" }).field, "port");
  assert.equal(connectBody({ ...good, username: "" }).field, "username");
  assert.equal(connectBody({ ...good, password: "" }).field, "password");
});

test("accounts are listed as text with their state and last error", async () => {
  const { document, part, root } = mount({ "GET /api/v1/me/imap-accounts": { accounts: [ACCOUNT] } });
  await part.load();
  assert.equal(root.hidden, false);
  const item = root.querySelector('[data-account-id="7"]');
  assert.match(item.textContent, /rep<img src=x/);
  assert.equal(item.querySelector('[data-field="error"]').textContent, `Last error: Could not connect ${EVIL}`);
  assert.equal(item.querySelector("img"), null);
  assert.equal(document.body.dataset.pwned, undefined);
});

test("connecting sends the form, shows the server's refusal, then the new account; the password is emptied", async () => {
  let refuse = true;
  const { root, client, part } = mount({
    "GET /api/v1/me/imap-accounts": { accounts: [] },
    "POST /api/v1/me/imap-accounts": (body) => {
      if (refuse) {
        refuse = false;
        throw new BackendError("client", "The server refused the login: Authentication failed.", { status: 400, body: { field: "password" } });
      }
      return { ...ACCOUNT, id: 8, username: body.username, status: "active", last_error: null };
    },
  });
  await part.load();
  const add = [...root.querySelectorAll("button")].find((b) => b.textContent === "Add a mailbox");
  add.click();
  const form = root.querySelector("form");
  assert.equal(form.hidden, false);
  const set = (name, value) => (form.querySelector(`[name="${name}"]`).value = value);
  set("host", "imap.fastmail.com");
  set("username", "me@fastmail.com");
  set("password", "app pass");
  submit(form);
  await settle();
  assert.deepEqual(client.calls.at(-1), {
    method: "POST",
    path: "/api/v1/me/imap-accounts",
    body: { host: "imap.fastmail.com", port: 993, tls: "tls", username: "me@fastmail.com", password: "app pass" },
  });
  assert.equal(form.querySelector('[role="alert"]').textContent, "The server refused the login: Authentication failed.");
  submit(form);
  await settle();
  assert.equal(form.hidden, true);
  assert.equal(form.querySelector('[name="password"]').value, "");
  assert.ok(root.querySelector('[data-account-id="8"]'));
});

test("Sync now and Remove (after a confirming click) call the account's routes", async () => {
  const { root, client, part } = mount({
    "GET /api/v1/me/imap-accounts": { accounts: [ACCOUNT] },
    "POST /api/v1/me/imap-accounts/7/sync": { queued: true, account: { ...ACCOUNT, syncing: true } },
    "DELETE /api/v1/me/imap-accounts/7": null,
  });
  await part.load();
  root.querySelector('[data-imap-action="sync"]').click();
  await settle();
  assert.equal(client.calls.at(-1).path, "/api/v1/me/imap-accounts/7/sync");
  assert.match(root.querySelector('[data-field="state"]').textContent, /^Syncing…/);
  root.querySelector('[data-imap-action="remove"]').click();
  assert.equal(client.calls.at(-1).method, "POST", "the first click only asks to confirm");
  root.querySelector('[data-imap-action="remove"]').click();
  await settle();
  assert.equal(client.calls.at(-1).method, "DELETE");
  assert.equal(root.querySelector('[data-account-id="7"]'), null);
});

test("a refused password is entered again in the account's row (PATCH), the server's refusal shown", async () => {
  let refuse = true;
  const { root, client, part } = mount({
    "GET /api/v1/me/imap-accounts": { accounts: [{ ...ACCOUNT, status: "needs_reconnect", needs_reconnect: true }] },
    "PATCH /api/v1/me/imap-accounts/7": () => {
      if (refuse) {
        refuse = false;
        throw new BackendError("client", "The server refused the login: Authentication failed.", { status: 400, body: { field: "password" } });
      }
      return { ...ACCOUNT, status: "active", needs_reconnect: false, last_error: null };
    },
  });
  await part.load();
  assert.match(root.querySelector('[data-field="state"]').textContent, /refused the password/);
  const form = root.querySelector('[data-imap-action="password"]');
  form.querySelector('[name="password"]').value = "new one";
  submit(form);
  await settle();
  assert.deepEqual(client.calls.at(-1), { method: "PATCH", path: "/api/v1/me/imap-accounts/7", body: { password: "new one" } });
  assert.equal(root.querySelector('[role="status"]').textContent, "The server refused the login: Authentication failed.");
  const again = root.querySelector('[data-imap-action="password"]');
  again.querySelector('[name="password"]').value = "right one";
  submit(again);
  await settle();
  assert.equal(root.querySelector('[data-imap-action="password"]'), null);
  assert.equal(root.querySelector('[role="status"]').textContent, `${ACCOUNT.username} reconnected.`);
});
