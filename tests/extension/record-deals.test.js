// "Deals" on a contact card: open deals first, closed ones as Won or Lost; stage changes, closing, new deals;
// loading, empty and error states in words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_STAGES, dealsInOrder } from "../../extension/panel/record-actions.js";
import { stageOptions } from "../../extension/panel/views/deal-section.js";
import { choose } from "../../extension/panel/views/form-kit.js";
import { EVIL, openPanel, until } from "./card-actions-helpers.js";
import { answer, contactRecord, deal, lookupOf, refusal } from "./record-helpers.js";

const ROLLOUT = deal(11, "Acme rollout", "open", "negotiation", "48000.00");
const PILOT = deal(12, "Acme pilot", "won", "closed_won");
const SUPPORT = deal(13, "Support plan", "lost");
const rows = (section) =>
  Array.from(section.querySelectorAll(".deal")).map((li) => [li.dataset.dealId, li.dataset.status, li.querySelector(".deal-name").textContent]);

async function openDeals(routes, items = [PILOT, ROLLOUT, SUPPORT]) {
  const p = await openPanel(
    {
      "GET /api/v1/deals": answer({ items, page: 1, per_page: 100, has_more: false }),
      "GET /api/v1/org": answer({ deal_stages: ["discovery", "proposal", "negotiation"] }),
      ...routes,
    },
    { lookup: lookupOf("contact", contactRecord()) },
  );
  const button = p.card().querySelector('[data-action="deals"]');
  p.click(button);
  const section = p.form();
  await until(() => section.getAttribute("aria-busy") !== "true");
  return { ...p, button, section, state: () => section.querySelector('[role="status"]').textContent };
}

test("open deals come first, then closed ones; stages keep their order and a deal's own stage", () => {
  assert.deepEqual(
    dealsInOrder([PILOT, ROLLOUT, SUPPORT]).map((d) => d.id),
    [11, 12, 13],
  );
  assert.deepEqual(stageOptions(DEFAULT_STAGES, "closed_won"), [
    ["qualification", "qualification"],
    ["proposal", "proposal"],
    ["negotiation", "negotiation"],
    ["closed_won", "closed won"],
  ]);
});

test("Deals lists the contact's deals: open ones with their stage, Won and Lost; closed ones as Won or Lost", async () => {
  const p = await openDeals({});
  assert.equal(p.button.getAttribute("aria-label"), "Deals with Ada Lovelace");
  assert.equal(p.section.getAttribute("aria-label"), "Deals with Ada Lovelace");
  assert.match(p.calls("GET /api/v1/deals")[0].url, /contact_id=7&/);
  assert.deepEqual(rows(p.section), [
    ["11", "open", "Acme rollout"],
    ["12", "won", "Acme pilot"],
    ["13", "lost", "Support plan"],
  ]);
  const [open, won, lost] = p.section.querySelectorAll(".deal");
  const stage = open.querySelector("select");
  assert.equal(stage.getAttribute("aria-label"), "Stage of Acme rollout");
  assert.deepEqual(
    Array.from(stage.querySelectorAll("option")).map((o) => o.value),
    ["discovery", "proposal", "negotiation"],
    "the organisation's stages",
  );
  assert.equal(stage.value, "negotiation");
  assert.match(open.textContent, /\$48,000/);
  assert.equal(open.querySelector('[data-action="deal-won"]').getAttribute("aria-label"), "Mark Acme rollout won");
  assert.equal(won.querySelector(".badge").textContent, "Won");
  assert.equal(lost.querySelector(".badge").textContent, "Lost");
  assert.equal(won.querySelector("select"), null);
  assert.equal(won.querySelector(".deal-name").title, "Acme pilot", "the full name when it is cut short");
  assert.equal(p.state(), "");
});

test("no deals yet, and a failed load with Try again, are said in words", async () => {
  const empty = await openDeals({}, []);
  assert.equal(empty.state(), "No deals with Ada Lovelace yet.");

  let fail = true;
  const p = await openDeals({
    "GET /api/v1/deals": () => (fail ? { status: 500, body: { error: "server_error", message: "The database is away." } } : { body: { items: [ROLLOUT] } }),
  });
  assert.equal(p.state(), "The deals could not be loaded: The database is away.");
  const retry = Array.from(p.section.querySelectorAll("button")).find((b) => b.textContent === "Try again");
  assert.equal(retry.hidden, false);
  fail = false;
  p.click(retry);
  await until(() => rows(p.section).length === 1);
  assert.equal(p.state(), "");
  assert.equal(retry.hidden, true);
});

test("changing a stage, marking won and reopening send one change each; the list and the card refresh", async () => {
  let items = [ROLLOUT, PILOT];
  const p = await openDeals({
    "GET /api/v1/deals": () => ({ body: { items } }),
    "PATCH /api/v1/deals/11": (request) => ({ body: { ...ROLLOUT, ...request.body } }),
    "PATCH /api/v1/deals/12": (request) => ({ body: { ...PILOT, ...request.body } }),
  });
  const lookups = p.calls("POST /api/v1/lookup").length;
  const stage = p.section.querySelector('[data-deal-id="11"] select');
  choose(stage, "proposal");
  stage.dispatchEvent(new p.Event("change"));
  await until(() => p.calls("GET /api/v1/deals").length === 2);
  assert.deepEqual(p.calls("PATCH /api/v1/deals/11")[0].body, { stage: "proposal" });
  assert.equal(p.status(), "Acme rollout: proposal.");
  assert.equal(p.calls("POST /api/v1/lookup").length, lookups + 1, "the card's open deals follow");

  items = [ROLLOUT, { ...PILOT }];
  p.click(p.section.querySelector('[data-deal-id="11"] [data-action="deal-won"]'));
  await until(() => p.status() === "Acme rollout: won.");
  assert.deepEqual(p.calls("PATCH /api/v1/deals/11")[1].body, { status: "won" });
  p.click(p.section.querySelector('[data-deal-id="12"] [data-action="deal-open"]'));
  await until(() => p.status() === "Acme pilot: reopened.");
  assert.deepEqual(p.calls("PATCH /api/v1/deals/12")[0].body, { status: "open" });
  assert.ok(p.card().contains(p.section), "the deals stay open");
});

test("a refused change is said in its row and the stage goes back", async () => {
  const p = await openDeals({ "PATCH /api/v1/deals/11": refusal(400, "'stage' is longer than 50 characters.") });
  const row = p.section.querySelector('[data-deal-id="11"]');
  const stage = row.querySelector("select");
  choose(stage, "discovery");
  stage.dispatchEvent(new p.Event("change"));
  const error = row.querySelector(".error");
  await until(() => !error.hidden);
  assert.equal(error.textContent, "'stage' is longer than 50 characters.");
  assert.equal(stage.value, "negotiation");
});

test("a new deal: name, amount and stage, linked to the contact; a missing name is asked for first", async () => {
  const p = await openDeals({ "POST /api/v1/deals": (request) => ({ status: 201, body: { id: 20, ...request.body } }), "GET /api/v1/org": answer({ id: 1 }) });
  const form = p.section;
  const stage = form.querySelector('[name="stage"]');
  assert.deepEqual(
    Array.from(stage.querySelectorAll("option")).map((o) => o.value),
    DEFAULT_STAGES,
    "the default stages when the organisation names none",
  );
  p.submit(form);
  const error = form.querySelector('[data-field="form-error"]');
  await until(() => !error.hidden);
  assert.equal(error.textContent, "Name the deal.");
  assert.equal(p.calls("POST /api/v1/deals").length, 0);

  form.querySelector('[name="deal_name"]').value = "Acme expansion";
  form.querySelector('[name="amount"]').value = "25000";
  choose(stage, "proposal");
  p.submit(form);
  await until(() => p.calls("POST /api/v1/deals").length === 1 && p.status() === "Deal created: Acme expansion.");
  assert.deepEqual(p.calls("POST /api/v1/deals")[0].body, { name: "Acme expansion", stage: "proposal", amount: "25000", contact_id: 7 });
  await until(() => form.querySelector('[name="deal_name"]').value === "");
  assert.ok(p.card().contains(form), "the deals stay open for the next one");
});

test("Close and Escape close the deals; markup in a deal's name stays text", async () => {
  const p = await openDeals({}, [deal(30, EVIL)]);
  assert.equal(p.section.querySelector(".deal-name").textContent, EVIL);
  assert.equal(p.document.querySelectorAll("#participants img").length, 0);
  const escape = new p.Event("keydown");
  escape.key = "Escape";
  p.section.dispatchEvent(escape);
  assert.equal(p.card().querySelector("form"), null);
  assert.equal(p.button.getAttribute("aria-expanded"), "false");
});

test("a lead has no Deals (deals belong to contacts) but may be converted with one", async () => {
  const p = await openPanel({}, { lookup: lookupOf("lead", { id: 9, name: "Ada Lovelace", status: "new" }) });
  assert.equal(p.card().querySelector('[data-action="deals"]'), null);
  assert.ok(p.card().querySelector('[data-action="convert-lead"]'));
});
