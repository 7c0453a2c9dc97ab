// Issue 16's panel fixes on the panel's real HTML: stale messages, focus, card headings, skipping cards, the keys of forms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { createPanelView } from "../../extension/panel/panel-view.js";
import { formKeys } from "../../extension/panel/views/form-kit.js";
import { inputValues, nextSlot } from "../../extension/panel/views/meeting-time.js";

const HTML = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
const SESSION = { token: "t", user: { email: "rep@threadbook.test" }, dev: false };

/** The panel page with a view, and focus tracked (linkedom keeps none). */
function panel() {
  const { document, window, Event } = parseHTML(HTML);
  let active = null;
  window.HTMLElement.prototype.focus = function focus() {
    active = this;
  };
  Object.defineProperty(document, "activeElement", { get: () => (active?.isConnected ? active : document.body) });
  const view = createPanelView(document);
  const calls = [];
  const record =
    (name) =>
    (...args) => {
      calls.push([name, ...args]);
      return Promise.resolve({ ok: true });
    };
  const actions = new Proxy({}, { get: (_, name) => record(name) });
  view.bind(actions, { openOptions: record("openOptions") });
  return { document, Event, view, calls, $: (selector) => document.querySelector(selector) };
}

const person = (email, fields = {}) => ({ email, name: "", kind: "unknown", record: null, company: null, deals: [], notes: [], ...fields });
const ADA = person("ada@acme.example", { name: "Ada", kind: "contact", record: { id: 1, name: "Ada Lovelace" } });

function thread(threadId, participants = [ADA, person("mina@newco.example", { name: "Mina Park" })], extra = {}) {
  return {
    name: "thread",
    session: SESSION,
    thread: { threadId, subject: `Subject ${threadId}` },
    participants,
    threadRecord: { logged: false, email_ids: [] },
    logging: false,
    googleReauth: "",
    ...extra,
  };
}

test("the status line stays with its conversation: cleared on another thread, the unreachable screen, and no conversation", () => {
  const { view, $ } = panel();
  view.show(thread("aa01"));
  view.status("Lead created: Mina Park.");
  view.show(thread("aa01")); // the same conversation looked up again
  assert.equal($("#status").textContent, "Lead created: Mina Park.");
  view.show({ name: "loading", session: SESSION, thread: { threadId: "bb02", subject: "Next" } });
  assert.equal($("#status").textContent, "", "not on the next conversation");

  view.show(thread("bb02"));
  view.status("Note added to Ada Lovelace.");
  view.show({ name: "unreachable", session: SESSION, backendUrl: "http://127.0.0.1:5000" });
  assert.equal($("#status").textContent, "");
  view.status("Something");
  view.show({ name: "no-thread", session: SESSION, problem: "" });
  assert.equal($("#status").textContent, "");
});

test("a sign-in's words are said on the first screen after it, whichever comes first, and not on the next conversation", () => {
  for (const statusFirst of [true, false]) {
    const { view, $ } = panel();
    view.show({ name: "signed-out", session: null, devSignIn: false, error: "" });
    if (statusFirst) view.status("Signed in as rep@threadbook.test.");
    view.show({ name: "loading", session: SESSION, thread: { threadId: "aa01", subject: "S" } });
    if (!statusFirst) view.status("Signed in as rep@threadbook.test.");
    view.show(thread("aa01"));
    assert.equal($("#status").textContent, "Signed in as rep@threadbook.test.");
    view.show(thread("bb02"));
    assert.equal($("#status").textContent, "");
  }
  const { view, $ } = panel();
  view.show(thread("aa01"));
  view.status("Signed out.");
  view.show({ name: "signed-out", session: null, devSignIn: false, error: "" });
  assert.equal($("#status").textContent, "Signed out.", "a sign-out's words stay on the sign-in screen");
  view.show({ name: "unreachable", session: null, backendUrl: "http://127.0.0.1:5000" });
  assert.equal($("#status").textContent, "", "but not on the unreachable screen");
});

test("a form open on a card (with its error) does not follow to the next conversation; it stays on the same one", () => {
  const { document, Event, view } = panel();
  view.show(thread("aa01"));
  document.querySelector('[data-action="add-note"]').dispatchEvent(new Event("click"));
  const form = document.querySelector("#participants form");
  form.querySelector('[data-field="form-error"]').hidden = false;
  view.show(thread("aa01"));
  assert.equal(document.querySelector("#participants form"), form, "kept while the conversation is the same");
  view.show(thread("bb02"));
  assert.equal(document.querySelector("#participants form"), null);
});

test("focus: to the screen's heading after sign-in and when another conversation opens; kept on a control that stays", () => {
  const { document, view, $ } = panel();
  view.show({ name: "signed-out", session: null, devSignIn: false, error: "" });
  $("#sign-in").focus();
  view.show({ name: "loading", session: SESSION, thread: { threadId: "aa01", subject: "S" } });
  view.show(thread("aa01"));
  assert.ok(document.activeElement === $("#thread-subject"));

  document.querySelector('[data-action="add-note"]').focus();
  view.show(thread("aa01"));
  assert.equal(document.activeElement.dataset.action, "add-note", "the same conversation again: the focus stays on its button, drawn again");
  view.show(thread("bb02"));
  assert.ok(document.activeElement === $("#thread-subject"), "another conversation: its heading");

  $("#open-account").focus();
  view.show(thread("cc03"));
  assert.ok(document.activeElement === $("#open-account"), "the header's buttons keep it");
  $("#sign-out").focus();
  view.show({ name: "signed-out", session: null, devSignIn: false, error: "" });
  assert.equal(document.activeElement.textContent, "Sign in to Threadbook");
});

test("each card's person is a heading (h3, full name in title); its sections are h4 under it", () => {
  const { document, view } = panel();
  const deals = [{ name: "Rollout", stage: "proposal", status: "open" }];
  view.show(thread("aa01", [{ ...ADA, deals, notes: [{ body: "Likes email", created_at: "2025-06-01T10:00:00Z" }] }]));
  const card = document.querySelector("#participants > li");
  const name = card.querySelector("h3");
  assert.equal(name.textContent, "Ada Lovelace");
  assert.equal(name.title, "Ada Lovelace");
  assert.deepEqual(
    Array.from(card.querySelectorAll("h4")).map((h) => h.textContent),
    ["Open deals", "Latest notes"],
  );
});

test("a card whose name is its address shows the address once", () => {
  const { document, view } = panel();
  view.show(thread("aa01", [person("rep@threadbook.test", { kind: "self", record: { id: 2, email: "rep@threadbook.test", name: "" } })]));
  const card = document.querySelector("#participants > li");
  assert.equal(card.querySelector("h3").textContent, "rep@threadbook.test");
  assert.equal(card.querySelector('[data-field="email"]').hidden, true);
});

test("skipping: past the thread's controls to the first person, and from each card to the next one's heading", () => {
  const { document, Event, view, $ } = panel();
  view.show(thread("aa01", [ADA, person("mina@newco.example", { name: "Mina Park" }), person("x@y.example")]));
  const cards = Array.from(document.querySelectorAll("#participants > li"));
  $("#skip-people").dispatchEvent(new Event("click"));
  assert.ok(document.activeElement === cards[0].querySelector("h3"));
  cards[0].querySelector('[data-field="skip"]').dispatchEvent(new Event("click"));
  assert.ok(document.activeElement === cards[1].querySelector("h3"));
  assert.deepEqual(
    cards.map((card) => card.querySelector('[data-field="skip"]').hidden),
    [false, false, true],
    "nothing to skip to after the last card",
  );
  assert.equal(cards[0].querySelector('[data-field="skip"]').getAttribute("type"), "button");
});

test("Enter in the development sign-in field signs in: the box is a form", () => {
  const { Event, view, calls, $ } = panel();
  view.show({ name: "signed-out", session: null, devSignIn: true, error: "" });
  $("#dev-email").value = " jane@threadbook.test ";
  const submit = new Event("submit", { cancelable: true });
  $("#dev-sign-in-box").dispatchEvent(submit);
  assert.deepEqual(calls.at(-1), ["devSignIn", "jane@threadbook.test"]);
  assert.equal(submit.defaultPrevented, true);
  assert.equal($("#dev-sign-in").getAttribute("type"), null, "its button submits");
});

test("a development sign-in outside the demo shows the backend's notice under the header", () => {
  const { view, $ } = panel();
  const notice = "You are in 'mycompany.example', not the demo organisation: …";
  view.show({ name: "no-thread", problem: "", session: { ...SESSION, dev: true, notice } });
  assert.equal($("#session-notice").hidden, false);
  assert.equal($("#session-notice").textContent, notice);
  assert.equal($("#dev-badge").title, "Development sign-in");
  view.show({ name: "signed-out", session: null, devSignIn: true, error: "" });
  assert.equal($("#session-notice").hidden, true);
});

test("a backend without Google: the thread's notice says so and offers no Reconnect Google", () => {
  const { view, $ } = panel();
  view.show(thread("aa01", [ADA], { googleReauth: "unconfigured" }));
  assert.equal($("#google-reauth").hidden, false);
  assert.match($("#google-reauth-text").textContent, /^Google isn't set up on this backend: see docs\/google-setup\.md\./);
  assert.equal($("#reconnect-google").hidden, true);
  view.show(thread("aa01", [ADA], { googleReauth: "expired" }));
  assert.match($("#google-reauth-text").textContent, /^Google access has expired/);
  assert.equal($("#reconnect-google").hidden, false);
});

test("Ctrl+Enter or ⌘+Enter submits a form, not while it is busy; Escape closes it unless told not to", () => {
  const { document, Event } = parseHTML("<form><textarea></textarea></form>");
  const form = document.querySelector("form");
  let submitted = 0;
  let closed = 0;
  form.requestSubmit = () => (submitted += 1);
  let closable = true;
  formKeys(
    form,
    () => (closed += 1),
    () => closable,
  );
  const key = (init) => {
    const event = Object.assign(new Event("keydown", { bubbles: true, cancelable: true }), { ctrlKey: false, metaKey: false, ...init });
    form.querySelector("textarea").dispatchEvent(event);
    return event;
  };
  key({ key: "Enter" });
  assert.equal(submitted, 0, "Enter alone writes a new line");
  assert.equal(key({ key: "Enter", ctrlKey: true }).defaultPrevented, true);
  key({ key: "Enter", metaKey: true });
  assert.equal(submitted, 2);
  form.setAttribute("aria-busy", "true");
  key({ key: "Enter", ctrlKey: true });
  assert.equal(submitted, 2, "not again while saving");
  key({ key: "Escape" });
  closable = false;
  key({ key: "Escape" });
  assert.equal(closed, 1);
});

test("a new meeting starts at the next working-hours slot: never at 01:00 or on a weekend", () => {
  const at = (text) => inputValues(nextSlot(new Date(text)));
  assert.deepEqual(at("2026-03-04T10:20:00"), { day: "2026-03-04", time: "11:00" }, "a Wednesday morning: the next hour");
  assert.deepEqual(at("2026-03-04T00:40:00"), { day: "2026-03-04", time: "09:00" }, "01:00 becomes 09:00");
  assert.deepEqual(at("2026-03-04T15:10:00"), { day: "2026-03-04", time: "16:00" }, "16:00 is the last start");
  assert.deepEqual(at("2026-03-04T15:50:00"), { day: "2026-03-05", time: "09:00" }, "after that, the next morning");
  assert.deepEqual(at("2026-03-06T18:00:00"), { day: "2026-03-09", time: "09:00" }, "Friday evening: Monday");
  assert.deepEqual(at("2026-03-07T11:00:00"), { day: "2026-03-09", time: "09:00" }, "Saturday: Monday");
  assert.deepEqual(at("2026-03-08T23:50:00"), { day: "2026-03-09", time: "09:00" }, "Sunday night: Monday");
});
