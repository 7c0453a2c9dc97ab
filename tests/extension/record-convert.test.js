// "Convert to contact" on a lead card: the company and an optional first deal in one request; the card becomes the contact.
import { test } from "node:test";
import assert from "node:assert/strict";
import { choose } from "../../extension/panel/views/form-kit.js";
import { openPanel, until } from "./card-actions-helpers.js";
import { answer, contactRecord, leadRecord, lookupOf, refusal } from "./record-helpers.js";

async function openConvert(convert) {
  let converted = false;
  const p = await openPanel(
    {
      "POST /api/v1/lookup": () => ({ body: converted ? lookupOf("contact", contactRecord()) : lookupOf("lead", leadRecord()) }),
      "GET /api/v1/org": answer({ deal_stages: ["discovery", "proposal"] }),
      "POST /api/v1/leads/9/convert": (request) => {
        const result = convert(request);
        converted = result.status === 201;
        return result;
      },
    },
    { lookup: lookupOf("lead", leadRecord()) },
  );
  const button = p.card().querySelector('[data-action="convert-lead"]');
  p.click(button);
  return { ...p, button, convertForm: p.form() };
}

const made = (deal = null) => ({ status: 201, body: { contact: contactRecord(), lead: leadRecord({ status: "converted" }), deal } });

test("Convert to contact, as it is: nothing else sent; the card becomes the contact", async () => {
  const p = await openConvert(() => made());
  assert.equal(p.button.getAttribute("aria-label"), "Convert Ada Lovelace to a contact");
  assert.equal(p.convertForm.dataset.form, "convert");
  assert.equal(p.convertForm.querySelector("h3").textContent, "Convert Ada Lovelace to a contact");
  assert.equal(p.convertForm.querySelector('[name="company_name"]').value, "Acme");
  assert.ok(p.convertForm.querySelector("fieldset").hidden, "the first deal only when asked for");
  p.submit(p.convertForm);
  await until(() => p.card().dataset.kind === "contact");
  assert.deepEqual(p.calls("POST /api/v1/leads/9/convert")[0].body, {});
  assert.equal(p.status(), "Ada Lovelace is now a contact.");
  assert.equal(p.card().querySelector("form"), null);
  assert.ok(p.card().querySelector('[data-action="deals"]'), "the contact's buttons");
  assert.equal(p.card().querySelector('[data-action="convert-lead"]'), null);
});

test("with another company and a first deal: both go in the one request", async () => {
  const p = await openConvert((request) => made({ id: 4, name: request.body.deal.name }));
  const form = p.convertForm;
  form.querySelector('[name="company_name"]').value = "Acme Labs";
  const tick = form.querySelector('[name="with_deal"]');
  tick.checked = true;
  tick.dispatchEvent(new p.Event("change"));
  assert.equal(form.querySelector("fieldset").hidden, false);
  assert.equal(form.querySelector('[name="deal_name"]').value, "Acme deal");
  const stage = form.querySelector('[name="stage"]');
  await until(() => stage.querySelectorAll("option").length === 2);
  choose(stage, "proposal");
  form.querySelector('[name="amount"]').value = "9000";
  p.submit(form);
  await until(() => p.card().dataset.kind === "contact");
  assert.deepEqual(p.calls("POST /api/v1/leads/9/convert")[0].body, {
    company_name: "Acme Labs",
    deal: { name: "Acme deal", stage: "proposal", amount: "9000" },
  });
  assert.equal(p.status(), "Ada Lovelace is now a contact with the deal Acme deal.");
});

test("a first deal needs a name; a refusal stays in the form with everything typed", async () => {
  const p = await openConvert(refusal(409, "ada@acme.example already belongs to a contact."));
  const form = p.convertForm;
  const tick = form.querySelector('[name="with_deal"]');
  tick.checked = true;
  tick.dispatchEvent(new p.Event("change"));
  form.querySelector('[name="deal_name"]').value = "";
  p.submit(form);
  const error = form.querySelector('[data-field="form-error"]');
  await until(() => !error.hidden);
  assert.equal(error.textContent, "Name the deal.");
  assert.equal(p.calls("POST /api/v1/leads/9/convert").length, 0);

  form.querySelector('[name="deal_name"]').value = "Pilot";
  p.submit(form);
  await until(() => error.textContent.includes("already belongs"));
  assert.equal(p.card().dataset.kind, "lead");
  assert.equal(form.querySelector('[name="deal_name"]').value, "Pilot");
  assert.ok(p.card().contains(form));
});
