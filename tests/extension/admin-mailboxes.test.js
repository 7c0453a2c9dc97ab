// Mailboxes, the service account, the blocklist and the viewer's own settings on the admin page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serviceAccountText } from "../../extension/admin/mailboxes-section.js";
import { choose } from "../../extension/panel/views/form-kit.js";
import { answers, openPage, refusal, settle, submit } from "./admin-helpers.js";

test("every member's mailbox with its state and last error", async () => {
  const { document } = await openPage();
  const rows = Array.from(document.querySelectorAll("#mailboxes li"));
  assert.deepEqual(
    rows.map((row) => [row.dataset.userId, row.dataset.status]),
    [
      ["1", "active"],
      ["2", "needs_reconnect"],
      ["3", "not_connected"],
    ],
  );
  assert.match(rows[0].querySelector(".state").textContent, /^Up to date — 12 messages/);
  assert.equal(rows[1].querySelector(".state").dataset.tone, "error");
  const error = rows[1].querySelector(".error");
  assert.equal(error.textContent, "Last error: invalid_grant: Token has been revoked.");
  assert.equal(error.getAttribute("title"), error.textContent);
  assert.equal(rows[2].querySelector(".state").textContent, "Not connected");
  assert.equal(rows[2].querySelector(".error"), null);
});

test("the service account in a sentence", () => {
  assert.equal(serviceAccountText(null), "Not set up: each member connects their own Gmail.");
  assert.equal(
    serviceAccountText({ configured: true, client_email: "sync@p.iam.gserviceaccount.com" }),
    "Set up as sync@p.iam.gserviceaccount.com: it syncs every member's mailbox.",
  );
});

test("set a service account key, then remove it after a second click", async () => {
  const table = answers();
  let account = { configured: false };
  table.orgMailboxes = () => ({ ...answers().orgMailboxes, service_account: account });
  table.setServiceAccount = () => (account = { configured: true, client_email: "sync@p.iam.gserviceaccount.com" });
  table.removeServiceAccount = () => {
    account = { configured: false };
    return null;
  };
  const { document, calls } = await openPage(table);
  const remove = document.querySelector('#mailboxes [data-action="remove"]');
  assert.equal(remove.hidden, true);
  document.querySelector('#mailboxes [name="key"]').value = ' {"type": "service_account"} ';
  submit(document.querySelector("#mailboxes form"));
  await settle();
  assert.deepEqual(
    calls.find(([name]) => name === "setServiceAccount"),
    ["setServiceAccount", '{"type": "service_account"}'],
  );
  assert.match(document.querySelector("#mailboxes [data-service-account]").textContent, /^Set up as sync@/);
  assert.equal(document.querySelector('#mailboxes [name="key"]').value, "");
  assert.equal(remove.hidden, false);

  remove.click();
  await settle();
  assert.equal(remove.textContent, "Remove for everyone?");
  assert.ok(!calls.some(([name]) => name === "removeServiceAccount"));
  remove.click();
  await settle();
  assert.ok(calls.some(([name]) => name === "removeServiceAccount"));
  assert.equal(remove.hidden, true);
  assert.match(document.querySelector("#mailboxes [data-note]").textContent, /^Service account removed/);
});

test("a refused key keeps it and says why", async () => {
  const table = answers();
  table.setServiceAccount = refusal("This is not a service account's JSON key.", "key");
  const { document } = await openPage(table);
  document.querySelector('#mailboxes [name="key"]').value = "nonsense";
  submit(document.querySelector("#mailboxes form"));
  await settle();
  assert.equal(document.querySelector('#mailboxes [name="key"]').value, "nonsense");
  assert.equal(document.querySelector("#mailboxes [data-note]").textContent, "This is not a service account's JSON key.");
});

test("the blocklist shows and adds the organisation's entries, and removes one", async () => {
  const table = answers();
  const entries = [...answers().blocklist.entries];
  table.blocklist = () => ({ entries });
  table.block = (pattern, scope) => entries.push({ id: 6, pattern, kind: "address", scope });
  table.unblock = (id) =>
    entries.splice(
      entries.findIndex((e) => e.id === id),
      1,
    ) && null;
  const { document, calls } = await openPage(table);
  const patterns = () => Array.from(document.querySelectorAll("#blocklist li"), (li) => li.querySelector(".cut")?.textContent ?? li.textContent);
  assert.deepEqual(patterns(), ["spam.example"]);

  document.querySelector('#blocklist [name="pattern"]').value = " eve@evil.example ";
  submit(document.querySelector("#blocklist form"));
  await settle();
  assert.deepEqual(
    calls.find(([name]) => name === "block"),
    ["block", "eve@evil.example", "org"],
  );
  assert.deepEqual(patterns(), ["spam.example", "eve@evil.example"]);
  assert.equal(document.querySelector('#blocklist [name="pattern"]').value, "");

  document.querySelector('#blocklist [aria-label="Remove spam.example from the blocklist"]').click();
  await settle();
  assert.deepEqual(patterns(), ["eve@evil.example"]);
  assert.equal(document.querySelector("#blocklist [data-note]").textContent, "spam.example is no longer blocked.");
  entries.splice(0);
  document.querySelector('#blocklist [aria-label="Remove eve@evil.example from the blocklist"]').click();
  await settle();
  assert.deepEqual(patterns(), ["Nothing is blocked."]);
});

test("your own default sharing: the organisation's or a level of your own", async () => {
  const table = answers();
  table.updateMe = ({ default_visibility }) => ({ ...answers().me, user: { ...answers().me.user, default_visibility } });
  const { document, calls } = await openPage(table);
  const choice = document.querySelector("#my-settings select");
  assert.deepEqual(
    Array.from(choice.querySelectorAll("option"), (o) => o.textContent),
    ["Organisation default (Team: who, when, subject)", "Only me", "Team: who, when, subject", "Team: everything"],
  );
  choose(choice, "team_full");
  submit(document.querySelector("#my-settings form"));
  await settle();
  assert.deepEqual(calls.at(-1), ["updateMe", { default_visibility: "team_full" }]);
  assert.equal(document.querySelector("#my-settings [data-note]").textContent, "Saved: your new mail is shared as “Team: everything”.");
  choose(choice, "");
  submit(document.querySelector("#my-settings form"));
  await settle();
  assert.deepEqual(calls.at(-1), ["updateMe", { default_visibility: null }]);
  assert.equal(choice.value, "");
});
