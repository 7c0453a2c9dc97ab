// Log options, undo and unlog: the real panel page, controller and backend client over a fake backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EVIL, SESSION, THREAD, lookupAnswer, openPanel, until } from "./card-actions-helpers.js";
import { createLogActions } from "../../extension/panel/log-actions.js";
import { logStatus } from "../../extension/panel/log-outcome.js";

const MESSAGES = ["18aa0000000000a1", "18aa0000000000a2", "18aa0000000000a3"];
const TID = THREAD.threadId;
const LOG = `POST /api/v1/threads/${TID}/log`;
const UNLOG_THREAD = `DELETE /api/v1/threads/${TID}/log`;
const ACCESS = { token: "ya29.first", expires_at: Date.now() + 3_600_000, scope: "https://www.googleapis.com/auth/gmail.readonly" };
const DEALS = [
  { id: 5, name: "Rollout", stage: "proposal", status: "open" },
  { id: 6, name: "Old pilot", stage: "proposal", status: "won" },
];

const email = (id, overrides = {}) => ({
  id,
  subject: "Renewal terms",
  from: { name: "Ada Lovelace", email: "ada@acme.example" },
  date: "2025-06-02T10:00:00Z",
  visibility: "private",
  can_change_visibility: true,
  can_unlog: true,
  gmail_message_id: MESSAGES[id % 3],
  ...overrides,
});

/** A fake backend whose lookup answers what was logged, with the participant's deals. */
function logBackend({ created = [email(21), email(22)], deal = null } = {}) {
  const state = { emails: [] };
  const lookup = () => {
    const answer = lookupAnswer();
    answer.participants[0].deals = DEALS;
    answer.thread = { logged: state.emails.length > 0, email_ids: state.emails.map((e) => e.id), visibility: "private", private: false, emails: state.emails };
    return answer;
  };
  const routes = {
    "POST /api/v1/lookup": () => ({ body: lookup() }),
    [LOG]: () => {
      state.emails.push(...created);
      const body = { thread_id: TID, created, linked_email_ids: [], email_ids: created.map((e) => e.id), label: "applied", warnings: [], deal };
      return { status: created.length ? 201 : 200, body };
    },
    [UNLOG_THREAD]: (request) => {
      const gone = state.emails.filter((e) => request.body.message_ids.includes(e.gmail_message_id));
      state.emails = state.emails.filter((e) => !gone.includes(e));
      return { body: { unlogged: gone.map((e) => e.id), label: "removed" } };
    },
  };
  for (const e of [...created, email(11)]) {
    routes[`DELETE /api/v1/emails/${e.id}`] = () => {
      state.emails = state.emails.filter((s) => s.id !== e.id);
      return { status: 204 };
    };
  }
  routes["POST /api/v1/notes"] = () => ({ status: 201, body: { id: 1 } });
  return { state, routes, lookup };
}

async function open(backend, thread = { ...THREAD, messageIds: MESSAGES, senders: ["Ada Lovelace", EVIL, ""] }) {
  const p = await openPanel(backend.routes, { lookup: backend.lookup() });
  const list = p.document.getElementById("participants");
  const before = list.dataset.renderedAt;
  await new Promise((resolve) => setTimeout(resolve, 2)); // a later render has a later time
  p.controller.setState({ session: SESSION, googleAccess: ACCESS, tab: { thread } });
  await until(() => list.dataset.renderedAt !== before);
  const $ = (selector) => p.document.querySelector(selector);
  const change = (element) => element.dispatchEvent(new p.Event("change", { bubbles: true }));
  const pick = (select, value) => {
    for (const option of select.querySelectorAll("option")) option.selected = option.value === value;
    change(select);
  };
  return { ...p, $, change, pick, undo: () => $("#status-action") };
}

test("the deal choice: open deals of the participants, sent only when chosen; the status names it", async () => {
  const p = await open(logBackend({ deal: { id: 5, name: "Rollout", stage: "proposal", status: "open" } }));
  const select = p.$('#log-options select[name="deal"]');
  assert.equal(select.closest("label").hidden, false);
  assert.equal(select.closest("label").textContent.trim(), "Deal No dealRollout — proposal");
  p.click(p.$("#log-thread"));
  await until(() => p.calls(LOG).length === 1);
  assert.equal("deal_id" in p.calls(LOG)[0].body, false, "no choice made, nothing sent");

  p.pick(select, "5");
  p.click(p.$("#log-thread"));
  await until(() => p.calls(LOG).length === 2);
  assert.equal(p.calls(LOG)[1].body.deal_id, 5);
  await until(() => /Linked to the deal Rollout/.test(p.status()));
  assert.equal(logStatus(201, { deal: { name: "Rollout" } }), "Conversation logged. Linked to the deal Rollout.");

  // "No deal" chosen on purpose unlinks (null), a conversation without deals shows no choice.
  p.pick(p.$('#log-options select[name="deal"]'), "");
  p.click(p.$("#log-thread"));
  await until(() => p.calls(LOG).length === 3);
  assert.equal(p.calls(LOG)[2].body.deal_id, null);
});

test("Choose messages: a checkbox per message of the page with its sender; only the chosen ones are logged, none is refused", async () => {
  const backend = logBackend();
  backend.state.emails.push(email(11, { gmail_message_id: MESSAGES[0], subject: EVIL }));
  const p = await open(backend);
  const toggle = Array.from(p.document.querySelectorAll("#log-options button")).find((b) => b.textContent === "Choose messages");
  assert.equal(toggle.getAttribute("aria-expanded"), "false");
  assert.equal(p.$("#log-messages").hidden, true);
  p.click(toggle);
  assert.equal(toggle.getAttribute("aria-expanded"), "true");
  assert.equal(p.$("#log-messages").hidden, false);
  const boxes = () => Array.from(p.document.querySelectorAll("#log-messages input[type=checkbox]"));
  assert.deepEqual(
    boxes().map((b) => [b.value, b.checked, b.closest("label").textContent.trim()]),
    [
      [MESSAGES[0], true, `Message 1 of 3 · Ada Lovelace · logged: ${EVIL}`],
      [MESSAGES[1], true, `Message 2 of 3 · ${EVIL}`],
      [MESSAGES[2], true, "Message 3 of 3"],
    ],
  );
  assert.equal(p.document.body.dataset.pwned, undefined);
  assert.equal(p.document.querySelector("#log-messages img"), null, "a sender's markup stays text");

  boxes()[1].checked = false;
  p.change(boxes()[1]);
  p.click(p.$("#log-thread"));
  await until(() => p.calls(LOG).length === 1);
  assert.deepEqual(p.calls(LOG)[0].body.message_ids, [MESSAGES[0], MESSAGES[2]]);

  // After logging the choices start afresh; with every box unticked nothing is sent.
  await until(() => p.$("#log-messages").hidden);
  p.click(toggle);
  for (const box of boxes()) {
    box.checked = false;
    p.change(box);
  }
  p.click(p.$("#log-thread"));
  assert.equal(p.status(), "Choose at least one message to log.");
  assert.equal(p.calls(LOG).length, 1);
  assert.equal(p.$("#log-thread").disabled, false);
});

test("Choose messages is not offered for a single message", async () => {
  const p = await open(logBackend(), { ...THREAD, messageIds: [MESSAGES[0]] });
  const toggle = Array.from(p.document.querySelectorAll("#log-options button")).find((b) => b.textContent === "Choose messages");
  assert.equal(toggle.hidden, true);
});

test("Undo after logging: the thread's unlog with the message ids just logged; the list empties", async () => {
  const p = await open(logBackend());
  p.click(p.$("#log-thread"));
  await until(() => !p.undo().hidden && p.$("#logged-emails").children.length === 2);
  assert.equal(p.undo().textContent, "Undo");
  p.click(p.undo());
  assert.equal(p.undo().hidden, true, "an offer runs once");
  await until(() => p.calls(UNLOG_THREAD).length === 1 && /Undone/.test(p.status()));
  assert.deepEqual(p.calls(UNLOG_THREAD)[0].body, { message_ids: [MESSAGES[0], MESSAGES[1]] });
  assert.equal(p.status(), "Undone: 2 emails unlogged.");
  assert.equal(p.calls(UNLOG_THREAD)[0].headers["X-Google-Access-Token"], undefined, "a read-only token cannot take the label off");
  await until(() => p.$("#logged-emails").children.length === 0);
});

test("no Undo when nothing new was logged; a later message takes the offer away", async () => {
  const again = await open(logBackend({ created: [] }));
  again.click(again.$("#log-thread"));
  await until(() => /Already logged/.test(again.status()));
  assert.equal(again.undo().hidden, true);

  const p = await open(logBackend());
  p.click(p.$("#log-thread"));
  await until(() => !p.undo().hidden);
  await p.controller.addNote({ contact_id: 7 }, "Call back", "Ada");
  assert.equal(p.status(), "Note added to Ada.");
  assert.equal(p.undo().hidden, true);
});

test("the Undo offer expires and belongs to the message it came with", async () => {
  const timers = [];
  const offers = [];
  const logs = createLogActions({
    client: () => ({}),
    shown: () => null,
    rerender() {},
    refreshShown: async () => {},
    view: { status() {}, offer: (action) => offers.push(action) },
    handleError: async () => {},
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer() {},
  });
  logs.logged(TID, { status: 201, data: { created: [email(21)] } });
  assert.equal(offers.at(-1).label, "Undo");
  assert.equal(timers.at(-1).ms, 30_000);
  timers.at(-1).fn();
  assert.equal(offers.at(-1), null);
});

test("Unlog one email of the conversation after a confirm step, the label token sent; a refusal says why", async () => {
  const backend = logBackend();
  backend.state.emails.push(email(11, { subject: EVIL }), email(12, { can_unlog: false }));
  const p = await open(backend);
  const row = (id) => p.$(`#logged-emails li[data-email-id="${id}"]`);
  const unlog = () => row(11).querySelector("button");
  assert.equal(Array.from(row(12).querySelectorAll("button")).length, 0, "not the user's to unlog");
  assert.equal(unlog().getAttribute("aria-label"), `Unlog “${EVIL}”`);
  p.click(unlog());
  assert.equal(unlog().textContent, "Press again to unlog");
  assert.equal(unlog().getAttribute("aria-label"), `Press again to unlog “${EVIL}”`);
  unlog().dispatchEvent(new p.Event("blur"));
  assert.equal(unlog().textContent, "Unlog", "leaving the button takes the question back");
  assert.equal(p.calls("DELETE /api/v1/emails/11").length, 0);
  p.click(unlog());
  p.click(unlog());
  await until(() => !row(11));
  assert.equal(p.calls("DELETE /api/v1/emails/11").length, 1);
  assert.equal(p.status(), `Unlogged “${EVIL}”.`);
  assert.equal(p.document.body.dataset.pwned, undefined);
});

test("unlog refused, and the label token sent when it may change labels", async () => {
  const backend = logBackend();
  backend.routes["DELETE /api/v1/emails/12"] = () => ({ status: 403, body: { error: "forbidden", message: "Only its owner can unlog this email." } });
  const p = await openPanel(backend.routes, { lookup: backend.lookup(), scope: "https://www.googleapis.com/auth/gmail.modify" });
  assert.equal(await p.controller.unlogEmail(12, "Renewal terms"), false);
  assert.equal(p.status(), "Only its owner can unlog this email.");
  assert.equal(await p.controller.unlogEmail(11, "Renewal terms"), true);
  assert.equal(p.calls("DELETE /api/v1/emails/11")[0].headers["X-Google-Access-Token"], "ya29.first");
});
