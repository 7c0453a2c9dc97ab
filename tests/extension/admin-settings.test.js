// The organisation's settings on the admin page: only what changed is sent; a refusal names and focuses its field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseStages, settingsChanges } from "../../extension/admin/settings-section.js";
import { answers, ORG, openPage, refusal, settle, submit } from "./admin-helpers.js";

test("deal stages are typed one a line: trimmed, blank lines left out", () => {
  assert.deepEqual(parseStages(" Discovery \r\n\nDemo\n  \nWon?\n"), ["Discovery", "Demo", "Won?"]);
  assert.deepEqual(parseStages(""), []);
});

test("only the settings that changed, and only settings the backend gave", () => {
  const values = { name: "Acme", default_visibility: "team_full", invite_only: false, deal_stages: ["a"], sync_enabled: true };
  assert.deepEqual(settingsChanges(ORG, values), { default_visibility: "team_full", deal_stages: ["a"] });
  const older = { ...ORG };
  delete older.deal_stages;
  assert.deepEqual(settingsChanges(older, values), { default_visibility: "team_full" });
});

test("the form shows the organisation's settings", async () => {
  const { $ } = await openPage();
  const form = $("#org-settings form");
  assert.equal(form.querySelector('[name="name"]').value, "Acme");
  assert.equal(form.querySelector('[name="default_visibility"]').value, "team_metadata");
  assert.equal(form.querySelector('[name="sync_enabled"]').checked, true);
  assert.equal(form.querySelector('[name="invite_only"]').checked, false);
  assert.equal(form.querySelector('[name="deal_stages"]').value, "qualification\nproposal\nnegotiation");
});

test("Save sends what changed, then shows what the backend answered", async () => {
  const table = answers();
  table.updateOrg = (changes) => ({ ...ORG, ...changes });
  const { $, calls } = await openPage(table);
  const form = $("#org-settings form");
  form.querySelector('[name="invite_only"]').checked = true;
  form.querySelector('[name="deal_stages"]').value = "Discovery\n Demo \n\nProposal";
  submit(form);
  await settle();
  assert.deepEqual(calls.at(-1), ["updateOrg", { invite_only: true, deal_stages: ["Discovery", "Demo", "Proposal"] }]);
  assert.equal($("#org-settings [data-note]").textContent, "Settings saved.");
  assert.equal(form.querySelector('[name="deal_stages"]').value, "Discovery\nDemo\nProposal");
});

test("nothing changed: nothing is sent", async () => {
  const { $, calls } = await openPage();
  submit($("#org-settings form"));
  await settle();
  assert.ok(!calls.some(([name]) => name === "updateOrg"));
  assert.equal($("#org-settings [data-note]").textContent, "Nothing to save: no setting changed.");
});

test("a refusal is an alert, focuses the field it names, and keeps what was typed", async () => {
  const table = answers();
  table.updateOrg = refusal("Deal stage 2 is longer than 50 characters.", "deal_stages");
  const { $ } = await openPage(table);
  const stages = $('#org-settings [name="deal_stages"]');
  let focused = false;
  stages.focus = () => (focused = true);
  stages.value = `ok\n${"x".repeat(60)}`;
  submit($("#org-settings form"));
  await settle();
  const note = $("#org-settings [data-note]");
  assert.equal(note.textContent, "Deal stage 2 is longer than 50 characters.");
  assert.equal(note.getAttribute("role"), "alert");
  assert.equal(focused, true, "the field named by the refusal has the focus");
  assert.equal(stages.value, `ok\n${"x".repeat(60)}`);
  assert.equal($("#org-settings button").disabled, false);
});
