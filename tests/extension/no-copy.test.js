// No-copy mode in the extension: the admin's two switches with their confirm step, and the timeline's "content in Gmail".
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHTML } from "linkedom";
import { BackendError } from "../../extension/api/backend-client.js";
import { timelineItem } from "../../extension/panel/views/timeline-section.js";
import { showLiveContent } from "../../extension/panel/views/live-content.js";
import { answers, change, EVIL, ORG, openPage, settle, submit } from "./admin-helpers.js";

const NOT_CONFIRMED = "This deletes the stored body, snippet and subject of 12 logged emails in your organisation; …";
const notConfirmed = () =>
  new BackendError("conflict", NOT_CONFIRMED, {
    status: 409,
    body: { error: "purge_not_confirmed", message: NOT_CONFIRMED, emails: 12, parts: ["body", "snippet", "subject"] },
  });

function noCopyTable() {
  const table = answers();
  table.org = { ...ORG, no_copy_mode: false, no_copy_keep_subjects: false };
  table.updateOrg = (body) => (body.confirm === "purge" ? { ...table.org, ...body, confirm: undefined } : notConfirmed());
  return table;
}

test("switching no-copy mode on asks first, naming how many emails lose what, and sends the confirmation only when asked to", async () => {
  const { $, calls } = await openPage(noCopyTable());
  const form = $("#no-copy form");
  assert.equal(form.querySelector('[name="no_copy_keep_subjects"]').disabled, true, "subjects only matter in no-copy mode");
  form.querySelector('[name="no_copy_mode"]').checked = true;
  change(form.querySelector('[name="no_copy_mode"]'));
  assert.equal(form.querySelector('[name="no_copy_keep_subjects"]').disabled, false);
  submit(form);
  await settle();

  const ask = $("#no-copy [data-confirm]");
  assert.equal(ask.hidden, false);
  assert.equal(ask.getAttribute("role"), "alertdialog");
  assert.equal(ask.querySelector("[data-text]").textContent, NOT_CONFIRMED);
  assert.deepEqual(calls.at(-1), ["updateOrg", { no_copy_mode: true }]);

  ask.querySelector('[data-action="purge"]').click();
  await settle();
  assert.deepEqual(calls.at(-1), ["updateOrg", { no_copy_mode: true, confirm: "purge" }]);
  assert.equal(ask.hidden, true);
  assert.equal($("#no-copy [data-note]").textContent, "Saved: the stored content of 12 emails was deleted.");
  assert.equal(form.querySelector('[name="no_copy_mode"]').checked, true);
});

test("Cancel in the confirm step changes nothing and puts the switch back", async () => {
  const { $, calls } = await openPage(noCopyTable());
  const form = $("#no-copy form");
  form.querySelector('[name="no_copy_mode"]').checked = true;
  submit(form);
  await settle();
  $('#no-copy [data-action="cancel"]').click();
  await settle();
  assert.equal(calls.filter(([name]) => name === "updateOrg").length, 1);
  assert.equal(form.querySelector('[name="no_copy_mode"]').checked, false);
  assert.equal($("#no-copy [data-confirm]").hidden, true);
  assert.equal($("#no-copy [data-note]").textContent, "Nothing changed.");
});

test("switching it off says that deleted content does not come back", async () => {
  const table = noCopyTable();
  table.org = { ...table.org, no_copy_mode: true };
  table.updateOrg = (body) => ({ ...table.org, ...body });
  const { $ } = await openPage(table);
  $('#no-copy [name="no_copy_mode"]').checked = false;
  submit($("#no-copy form"));
  await settle();
  assert.match($("#no-copy [data-note]").textContent, /does not come back/);
});

const EMAIL = {
  id: 5,
  subject: "",
  subject_stored: false,
  content_stored: false,
  redacted: false,
  from: { email: "ada@globex.example" },
  date: "2026-03-02T10:00:00Z",
};

test("the timeline says the content is in Gmail and loads it live on demand, as text", async () => {
  const { document } = parseHTML("<ul></ul>");
  const asked = [];
  const read = async (id) => (asked.push(id), { ok: true, content: { subject: "Terms", body: EVIL } });
  const li = timelineItem(document, { kind: "email", email: EMAIL }, () => {}, read);
  assert.match(li.textContent, /\(subject in Gmail\)/);
  assert.match(li.textContent, /Content in Gmail/);
  const button = [...li.querySelectorAll("button")].find((b) => b.textContent === "Show content");
  await button.onclick();
  assert.deepEqual(asked, [5]);
  assert.equal(li.querySelector(".live-body").textContent, EVIL);
  assert.equal(li.querySelector("img"), null, "email content is never parsed as HTML");
  assert.match(li.textContent, /Terms/);
  assert.equal(button.hidden, true);
});

test("mail stored in full, or shared as metadata only, offers no live read", () => {
  const { document } = parseHTML("<ul></ul>");
  for (const email of [
    { ...EMAIL, content_stored: true, subject: "Hi" },
    { ...EMAIL, redacted: true },
  ]) {
    const li = timelineItem(
      document,
      { kind: "email", email },
      () => {},
      async () => ({ ok: true }),
    );
    assert.ok(![...li.querySelectorAll("button")].some((b) => b.textContent === "Show content"));
  }
});

test("when the viewer's Gmail cannot show it, the reason is shown and the button stays for another try", async () => {
  const { document } = parseHTML("<div></div>");
  const box = document.querySelector("div");
  const shown = await showLiveContent(document, box, EMAIL, async () => ({ ok: true, content: null, message: "This email is not in your Gmail." }));
  assert.equal(shown, false);
  assert.equal(box.textContent, "This email is not in your Gmail.");
  assert.match(box.className, /error/);
});
