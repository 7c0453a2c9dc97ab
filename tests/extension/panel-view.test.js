// The panel page's view on its real HTML: text only, cards kept across refreshes, forms prefilled.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { createPanelView } from "../../extension/panel/panel-view.js";

const HTML = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
const EVIL = '<img src=x onerror="document.body.dataset.pwned=1"><script>alert(1)</script>';

function panel() {
  const { document, Event } = parseHTML(HTML);
  const view = createPanelView(document);
  const calls = [];
  const record =
    (name) =>
    (...args) => {
      calls.push([name, ...args]);
      return Promise.resolve({ ok: true });
    };
  view.bind(
    {
      signIn: record("signIn"),
      devSignIn: record("devSignIn"),
      signOut: record("signOut"),
      logThread: record("logThread"),
      reconnectGoogle: record("reconnectGoogle"),
      retry: record("retry"),
      createLead: record("createLead"),
      addNote: record("addNote"),
    },
    { openOptions: record("openOptions") },
  );
  return { document, Event, view, calls, $: (selector) => document.querySelector(selector) };
}

const visibleScreens = (document) =>
  Array.from(document.querySelectorAll("[data-screen]"))
    .filter((s) => !s.hidden)
    .map((s) => s.dataset.screen);

function threadScreen(overrides = {}) {
  return {
    name: "thread",
    session: { token: "t", user: { email: "rep@threadbook.test" }, dev: false },
    thread: { threadId: "18ee0000000000ee", subject: EVIL },
    participants: [
      { email: "evil@x.example", name: EVIL, kind: "unknown", record: null, company: null, deals: [], notes: [] },
      {
        email: "ada@acme.example",
        name: "Ada",
        kind: "contact",
        record: { id: 1, name: "Ada Lovelace", title: "CTO" },
        company: { id: 3, name: "Acme" },
        deals: [
          { name: "Rollout", stage: "negotiation", amount: "48000.00", currency: "USD", status: "open" },
          { name: "Old", status: "won" },
        ],
        notes: [{ body: EVIL, created_at: "2025-06-01T10:00:00Z" }],
        last_logged_at: "2025-06-02T10:00:00Z",
      },
      { email: "rep@threadbook.test", name: "", kind: "self", record: null, company: null, deals: [], notes: [] },
    ],
    threadRecord: { logged: false, email_ids: [] },
    logging: false,
    googleReauth: false,
    ...overrides,
  };
}

test("one screen at a time; the development badge shows for a development session", () => {
  const { document, view, $ } = panel();
  view.show({ name: "signed-out", devSignIn: true, error: "", session: null });
  assert.deepEqual(visibleScreens(document), ["signed-out"]);
  assert.equal($("#dev-sign-in-box").hidden, false);
  assert.equal($("#sign-out").hidden, true);
  view.show({ name: "no-thread", problem: "", session: { token: "t", user: { email: "dev@x" }, dev: true } });
  assert.deepEqual(visibleScreens(document), ["no-thread"]);
  assert.equal($("#dev-badge").hidden, false);
  assert.equal($("#account").textContent, "dev@x");
});

test("markup in subjects, names and notes is shown as text and creates no element", () => {
  const { document, view, $ } = panel();
  view.show(threadScreen());
  assert.equal($("#thread-subject").textContent, EVIL);
  const cards = document.querySelectorAll("#participants > li");
  assert.equal(cards.length, 3);
  assert.equal(cards[0].querySelector('[data-field="name"]').textContent, EVIL);
  assert.equal(document.querySelectorAll("main img, main script").length, 0);
  assert.match(cards[1].querySelector('[data-field="notes"]').textContent, /<img src=x/);
});

test("cards say who each participant is and offer what fits them", () => {
  const { document, view } = panel();
  view.show(threadScreen());
  const [unknown, contact, self] = document.querySelectorAll("#participants > li");
  assert.equal(unknown.querySelector('[data-field="kind"]').textContent, "Not in Threadbook");
  assert.deepEqual(
    Array.from(unknown.querySelectorAll("[data-action]")).map((b) => b.textContent),
    ["Create lead"],
  );
  assert.equal(contact.querySelector('[data-field="name"]').textContent, "Ada Lovelace");
  assert.equal(contact.querySelector('[data-field="company"]').textContent, "Company: Acme");
  assert.deepEqual(
    Array.from(contact.querySelectorAll('[data-field="deals"] li')).map((li) => li.textContent.split(" — ")[0]),
    ["Rollout"],
  );
  assert.deepEqual(
    Array.from(contact.querySelectorAll("[data-action]")).map((b) => b.textContent),
    ["Add note", "Schedule meeting", "Email", "Edit", "Deals"],
  );
  assert.equal(self.querySelector('[data-field="kind"]').textContent, "You");
  assert.equal(self.querySelectorAll("[data-action]").length, 0);
  assert.equal(contact.querySelector('[data-action="add-note"]').getAttribute("aria-label"), "Add a note to Ada Lovelace");
});

test("Create lead opens a form prefilled from the sender; it survives a refresh of the cards", () => {
  const { document, Event, view, calls } = panel();
  view.show(threadScreen({ participants: [{ email: "mina@newco.example", name: "Mina Park", kind: "unknown", deals: [], notes: [] }] }));
  document.querySelector('[data-action="create-lead"]').dispatchEvent(new Event("click"));
  const form = document.querySelector("#participants form");
  assert.equal(form.querySelector('[name="name"]').value, "Mina Park");
  assert.equal(form.querySelector('[name="email"]').value, "mina@newco.example");
  assert.equal(form.querySelector('[name="company_name"]').value, "Newco");
  form.querySelector('[name="title"]').value = "Buyer";

  view.show(threadScreen({ participants: [{ email: "mina@newco.example", name: "Mina Park", kind: "unknown", deals: [], notes: [] }] }));
  assert.equal(document.querySelector("#participants form [name='title']").value, "Buyer", "the typed value is kept");

  form.dispatchEvent(new Event("submit"));
  assert.deepEqual(calls.at(-1), ["createLead", { name: "Mina Park", email: "mina@newco.example", company_name: "Newco", title: "Buyer" }]);
});

test("the log button shows progress and the logged state", () => {
  const { view, $ } = panel();
  view.show(threadScreen({ logging: true }));
  assert.equal($("#log-thread").disabled, true);
  assert.equal($("#log-thread").getAttribute("aria-busy"), "true");
  view.show(threadScreen({ threadRecord: { logged: true, email_ids: [1, 2, 3] } }));
  assert.equal($("#log-thread").disabled, false);
  assert.equal($("#log-state").hidden, false);
  assert.equal($("#log-state").textContent, "✓ Logged · 3 emails");
  view.show(threadScreen({ googleReauth: true }));
  assert.equal($("#google-reauth").hidden, false);
});

test("a thread mail sync left out says why, as text, and offers Log anyway until it is logged", () => {
  const { view, $ } = panel();
  const filtered = {
    reason: "role_address",
    detail: "noreply@shop.example",
    explanation: "Sent from noreply@shop.example: <b>a role address</b>, so sync left it out.",
  };
  view.show(threadScreen({ threadRecord: { logged: false, email_ids: [], filtered } }));
  assert.equal($("#log-thread").textContent, "Log anyway");
  assert.equal($("#thread-filtered").hidden, false);
  assert.equal($("#thread-filtered").textContent, filtered.explanation);
  assert.equal($("#thread-filtered").children.length, 0, "the explanation is text, never markup");
  view.show(threadScreen({ threadRecord: { logged: true, email_ids: [4], filtered: null } }));
  assert.equal($("#log-thread").textContent, "Log new messages");
  assert.equal($("#thread-filtered").hidden, true);
  view.show(threadScreen());
  assert.equal($("#log-thread").textContent, "Log thread");
});

test("status messages go to the live region", () => {
  const { view, $ } = panel();
  view.status("Conversation logged.");
  assert.equal($("#status").getAttribute("aria-live"), "polite");
  assert.equal($("#status").textContent, "Conversation logged.");
});
