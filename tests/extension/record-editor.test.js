// "Edit" on a contact or lead card: the fields a rep uses, only the changes sent, a refused reassignment kept in the form.
import { test } from "node:test";
import assert from "node:assert/strict";
import { choose as pick } from "../../extension/panel/views/form-kit.js";
import { EVIL, openPanel, until } from "./card-actions-helpers.js";
import { ADMIN, MEMBERS, REP, answer, contactRecord, leadRecord, lookupOf, refusal } from "./record-helpers.js";

const value = (form, name) => form.querySelector(`[name="${name}"]`).value;
const optionTexts = (select) => Array.from(select.querySelectorAll("option")).map((o) => o.textContent);

async function openEditor(routes, record = contactRecord(), kind = "contact") {
  const p = await openPanel({ "GET /api/v1/org/members": answer(MEMBERS), ...routes }, { lookup: lookupOf(kind, record) });
  const edit = p.card().querySelector('[data-action="edit-record"]');
  p.click(edit);
  const form = p.form();
  await until(() => !form.querySelector('[name="owner_id"]').disabled || form.textContent.includes("could not be loaded"));
  return { ...p, edit, editor: form };
}

test("Edit opens the contact's fields prefilled, named for the person, with the team to choose an owner from", async () => {
  const p = await openEditor({});
  assert.equal(p.edit.getAttribute("aria-label"), "Edit Ada Lovelace");
  assert.equal(p.edit.getAttribute("aria-expanded"), "true");
  assert.equal(p.editor.dataset.form, "record");
  assert.equal(p.editor.querySelector("h3").textContent, "Edit Ada Lovelace");
  assert.equal(p.editor.querySelector("h3").title, "Edit Ada Lovelace", "the full text when the heading is cut short");
  assert.deepEqual(
    ["name", "title", "phone", "company_name"].map((name) => value(p.editor, name)),
    ["Ada Lovelace", "CTO", "", "Acme Widgets"],
  );
  const owner = p.editor.querySelector('[name="owner_id"]');
  assert.deepEqual(optionTexts(owner), ["No owner", "Demo Admin (demo@threadbook.test)", "Rita Rep (rep@threadbook.test)"]);
  assert.equal(owner.value, String(ADMIN.id));
  assert.equal(p.editor.querySelector('[name="status"]'), null, "a contact has no status");
});

test("Save sends only what changed; the card is looked up again and the form closes", async () => {
  const p = await openEditor({ "PATCH /api/v1/contacts/7": answer(contactRecord({ title: "CEO", phone: "+44 20 7946 0000" })) });
  p.editor.querySelector('[name="title"]').value = "CEO";
  p.editor.querySelector('[name="phone"]').value = " +44 20 7946 0000 ";
  const lookups = p.calls("POST /api/v1/lookup").length;
  p.submit(p.editor);
  await until(() => !p.card().querySelector("form"));
  assert.deepEqual(p.calls("PATCH /api/v1/contacts/7")[0].body, { title: "CEO", phone: "+44 20 7946 0000" });
  assert.equal(p.status(), "Saved Ada Lovelace.");
  assert.equal(p.calls("POST /api/v1/lookup").length, lookups + 1);
});

test("a company is sent by name, and emptied for none; nothing changed sends nothing", async () => {
  const p = await openEditor({ "PATCH /api/v1/contacts/7": answer(contactRecord()) });
  p.editor.querySelector('[name="company_name"]').value = "";
  p.submit(p.editor);
  await until(() => !p.card().querySelector("form"));
  assert.deepEqual(p.calls("PATCH /api/v1/contacts/7")[0].body, { company_name: "" });

  p.click(p.card().querySelector('[data-action="edit-record"]'));
  p.submit(p.form());
  await until(() => !p.card().querySelector("form"));
  assert.equal(p.calls("PATCH /api/v1/contacts/7").length, 1);
});

test("a refused reassignment stays in the form with everything typed and says how to save the rest", async () => {
  const message = "Only the contact's owner or an administrator can change its owner.";
  const p = await openEditor({ "PATCH /api/v1/contacts/7": refusal(403, message) });
  p.editor.querySelector('[name="title"]').value = "Chief Scientist";
  pick(p.editor.querySelector('[name="owner_id"]'), String(REP.id));
  const lookups = p.calls("POST /api/v1/lookup").length;
  p.submit(p.editor);
  const error = p.editor.querySelector('[data-field="form-error"]');
  await until(() => !error.hidden);
  assert.equal(error.textContent, message);
  assert.equal(error.getAttribute("role"), "alert");
  assert.equal(
    p.editor.querySelector('[data-field="form-hint"]').textContent,
    "Nothing was saved. Set Owner back to Demo Admin (demo@threadbook.test) to save your other changes.",
  );
  assert.deepEqual(p.calls("PATCH /api/v1/contacts/7")[0].body, { title: "Chief Scientist", owner_id: REP.id });
  assert.equal(value(p.editor, "title"), "Chief Scientist");
  assert.equal(p.editor.querySelector('[name="owner_id"]').value, String(REP.id));
  assert.equal(p.calls("POST /api/v1/lookup").length, lookups, "nothing to refresh");
  assert.ok(p.card().contains(p.editor), "the form is still open");
});

test("without the team the owner stays as it is and the other fields still save", async () => {
  const p = await openEditor({ "GET /api/v1/org/members": refusal(500, "boom"), "PATCH /api/v1/contacts/7": answer(contactRecord()) });
  const owner = p.editor.querySelector('[name="owner_id"]');
  assert.ok(owner.disabled);
  assert.match(p.editor.textContent, /The team could not be loaded, so the owner cannot be changed now\./);
  p.editor.querySelector('[name="name"]').value = "Ada King";
  p.submit(p.editor);
  await until(() => !p.card().querySelector("form"));
  assert.deepEqual(p.calls("PATCH /api/v1/contacts/7")[0].body, { name: "Ada King" });
});

test("a lead's editor has its status; Escape closes it", async () => {
  const p = await openEditor({ "PATCH /api/v1/leads/9": answer(leadRecord()) }, leadRecord(), "lead");
  assert.equal(p.editor.querySelector('[name="phone"]'), null, "a lead has no phone");
  const status = p.editor.querySelector('[name="status"]');
  assert.deepEqual(optionTexts(status), ["New", "Contacted", "Qualified", "Disqualified"]);
  pick(status, "qualified");
  p.editor.querySelector('[name="company_name"]').value = "Acme Labs";
  p.submit(p.editor);
  await until(() => !p.card().querySelector("form"));
  assert.deepEqual(p.calls("PATCH /api/v1/leads/9")[0].body, { company_name: "Acme Labs", status: "qualified" });

  const edit = p.card().querySelector('[data-action="edit-record"]');
  p.click(edit);
  const escape = new p.Event("keydown");
  escape.key = "Escape";
  p.form().dispatchEvent(escape);
  assert.equal(p.card().querySelector("form"), null);
  assert.equal(edit.getAttribute("aria-expanded"), "false");
  assert.equal(p.calls("PATCH /api/v1/leads/9").length, 1);
});

test("markup in a name stays text in the form", async () => {
  const p = await openEditor({}, contactRecord({ name: EVIL, title: EVIL }));
  assert.equal(value(p.editor, "name"), EVIL);
  assert.equal(p.editor.querySelector("h3").textContent, `Edit ${EVIL}`);
  assert.equal(p.document.querySelectorAll("#participants img").length, 0);
});
