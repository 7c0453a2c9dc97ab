// The admin page as a whole: an administrator sees every section; anyone else their own settings and nothing of the organisation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BackendError } from "../../extension/api/backend-client.js";
import { answers, EVIL, openPage } from "./admin-helpers.js";

test("an administrator gets every section, each loaded once", async () => {
  const { document, $, calls } = await openPage();
  assert.equal(document.body.dataset.ready, "admin");
  assert.equal($("#admin").hidden, false);
  assert.equal($("#not-admin").hidden, true);
  assert.equal($("#org-name").textContent, "Acme");
  assert.deepEqual(calls.map(([name]) => name).sort(), [
    "audit",
    "blocklist",
    "config",
    "imports",
    "invitations",
    "me",
    "members",
    "org",
    "orgImapAccounts",
    "orgMailboxes",
  ]);
  // No section is left saying "Loading…" and none failed.
  for (const section of document.querySelectorAll("section")) assert.equal(section.querySelector("[data-note]").hidden, true, section.id);
  assert.equal($("#my-settings").hidden, false);
});

test("a member sees only 'Only administrators…' and their own settings, and nothing of the organisation is asked for", async () => {
  const table = answers();
  table.me = {
    user: { id: 2, email: "rep@acme.example", role: "member", default_visibility: "private" },
    org: { id: 9, name: "Acme", default_visibility: "team_full" },
  };
  const { document, $, calls } = await openPage(table);
  assert.equal(document.body.dataset.ready, "member");
  assert.equal($("#admin").hidden, true);
  assert.equal($("#not-admin").hidden, false);
  assert.match($("#not-admin").textContent, /^Only administrators/);
  assert.equal($("#org-name").textContent, "");
  assert.deepEqual(
    calls.map(([name]) => name),
    ["me"],
  );
  assert.equal($("#my-settings").hidden, false);
  assert.equal($("#my-settings select").value, "private");
});

test("signed out (or a session of another backend): the page says where to sign in", async () => {
  const table = answers();
  table.me = new BackendError("unauthorized", "Sign in to Threadbook first.", { status: 401 });
  const { document, $ } = await openPage(table);
  assert.equal(document.body.dataset.ready, "error");
  assert.equal($("#page-error").hidden, false);
  assert.equal($("#page-error").textContent, "Sign in to Threadbook in the side panel, then reload this page.");
  assert.equal($("#admin").hidden, true);
  assert.equal($("#my-settings").hidden, true);
});

test("a section that fails to load says why in an alert, and the others still load", async () => {
  const table = answers();
  table.orgMailboxes = new BackendError("server", "The backend answered 500.", { status: 500 });
  const { document, $ } = await openPage(table);
  const note = $("#mailboxes [data-note]");
  assert.equal(note.hidden, false);
  assert.equal(note.getAttribute("role"), "alert");
  assert.equal(note.textContent, "The backend answered 500.");
  assert.equal(document.querySelectorAll("#members ul")[0].children.length, 3);
});

test("everything from the backend is shown as text, never parsed as markup", async () => {
  const table = answers();
  table.org = { ...table.org, name: EVIL, deal_stages: [EVIL] };
  table.members = { members: [{ id: 1, email: EVIL, name: EVIL, role: "admin" }] };
  table.blocklist = { entries: [{ id: 1, pattern: EVIL, kind: "domain", scope: "org" }] };
  table.audit = { entries: [{ id: 1, action: EVIL, detail: { x: EVIL }, user: { email: EVIL }, created_at: "2026-01-01T00:00:00Z" }], next_before_id: null };
  const { document, $ } = await openPage(table);
  assert.equal(document.querySelector("img"), null);
  assert.equal($("#org-name").textContent, EVIL);
  assert.equal($("#blocklist li .cut").getAttribute("title"), EVIL);
  assert.equal(document.body.dataset.pwned, undefined);
});
