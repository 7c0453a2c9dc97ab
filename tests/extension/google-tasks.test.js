// CRM tasks in the panel: a card's open tasks (views/task-section.js) and the Account screen's Google Tasks switch
// (google-tasks-part.js), each loaded on demand; both driven here with a fake backend client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHTML } from "linkedom";
import { newTask, renderTasks, taskLine, tasksPath } from "../../extension/panel/views/task-section.js";
import { googleTasksWords, grantAnswer, showGoogleTasks } from "../../extension/panel/google-tasks-part.js";
import { BackendError } from "../../extension/api/backend-client.js";
import { MESSAGE } from "../../extension/shared/messages.js";
import { settle } from "./helpers.js";

const EVIL = '<img src=x onerror="alert(1)">';

function page() {
  const { document } = parseHTML(
    `<!doctype html><html><body><section data-screen="account"><section id="calendars-part"></section></section>
     <ul><li class="card" id="card"><div data-field="actions"></div><div data-field="form"></div></li></ul></body></html>`,
  );
  return document;
}

/** A fake backend: `routes["METHOD path"]` answers (a value, or a function of the body); every call is kept. */
function fakeClient(routes) {
  const calls = [];
  return {
    calls,
    async request(method, path, { body } = {}) {
      calls.push([method, path, body]);
      const answer = routes[`${method} ${path}`];
      if (answer === undefined) throw new BackendError("server", `no route ${method} ${path}`);
      const value = typeof answer === "function" ? answer(body) : answer;
      if (value instanceof Error) throw value;
      return structuredClone(value);
    },
  };
}

test("pure helpers: the record's path, a task's line, a new task's body", () => {
  assert.equal(tasksPath({ contact_id: 7 }), "/api/v1/contacts/7/tasks?status=all&per_page=20");
  assert.equal(tasksPath({ lead_id: 3 }), "/api/v1/leads/3/tasks?status=all&per_page=20");
  assert.equal(tasksPath(null), null);
  assert.equal(taskLine({ title: "Call", due_date: "2026-03-02", due_time: "09:15" }), "Call · due 2026-03-02 09:15");
  assert.equal(taskLine({ title: "Call", due_date: null }), "Call");
  assert.deepEqual(newTask({ contact_id: 7 }, { title: "  Send quote ", due: "2026-03-02" }), {
    body: { title: "Send quote", due_date: "2026-03-02", contact_id: 7 },
  });
  assert.deepEqual(newTask({ lead_id: 1 }, { title: "x", due: "" }), { body: { title: "x", lead_id: 1 } });
  assert.ok(newTask({ lead_id: 1 }, { title: " " }).error);
  assert.ok(newTask({ lead_id: 1 }, { title: "x", due: "soon" }).error);
});

test("a card lists the record's open tasks as text, adds one, and completes one", async () => {
  const doc = page();
  const card = doc.getElementById("card");
  let open = [{ id: 1, title: EVIL, due_date: "2026-03-02", due_time: null, done: false }];
  const client = fakeClient({
    "GET /api/v1/contacts/7/tasks?status=all&per_page=20": () => ({ items: open }),
    "POST /api/v1/tasks": (body) => {
      open = [...open, { id: 2, title: body.title, due_date: body.due_date || null, done: false }];
      return open.at(-1);
    },
    "PATCH /api/v1/tasks/1": (body) => {
      assert.deepEqual(body, { done: true });
      open = open.filter((t) => t.id !== 1);
      return { id: 1, done: true };
    },
  });
  await renderTasks(doc, card, { target: { contact_id: 7 }, name: "Ada" }, client);
  const box = card.querySelector('[data-field="tasks"]');
  assert.ok(box && box.nextElementSibling === card.querySelector('[data-field="actions"]'));
  const items = () => [...box.querySelectorAll("li")].map((li) => li.textContent.trim());
  assert.deepEqual(items(), [`${EVIL} · due 2026-03-02`]);
  assert.equal(box.querySelector("img"), null, "email and CRM text never becomes HTML");

  box.querySelector('[data-action="add-task"]').click();
  const form = box.querySelector("form");
  form.querySelector('[name="title"]').value = "Send the quote";
  form.querySelector('[name="due"]').value = "2026-04-01";
  form.dispatchEvent(new doc.defaultView.Event("submit", { cancelable: true }));
  await settle();
  assert.deepEqual(client.calls.find((c) => c[0] === "POST")[2], { title: "Send the quote", due_date: "2026-04-01", contact_id: 7 });
  assert.deepEqual(items(), [`${EVIL} · due 2026-03-02`, "Send the quote · due 2026-04-01"]);
  assert.equal(box.querySelector("form"), null);

  const done = box.querySelector('li[data-task-id="1"] input');
  done.checked = true;
  done.dispatchEvent(new doc.defaultView.Event("change"));
  await settle();
  assert.deepEqual(items(), ["Send the quote · due 2026-04-01"]);
  assert.match(box.querySelector('[data-field="task-note"]').textContent, /^Done: /);

  // Drawn again (the card refreshes): one box, not two.
  await renderTasks(doc, card, { target: { contact_id: 7 }, name: "Ada" }, client);
  assert.equal(card.querySelectorAll('[data-field="tasks"]').length, 1);
});

test("a task without a title is not sent; a refusal is shown and nothing is lost", async () => {
  const doc = page();
  const card = doc.getElementById("card");
  const client = fakeClient({
    "GET /api/v1/leads/3/tasks?status=all&per_page=20": { items: [] },
    "POST /api/v1/tasks": new BackendError("client", "'due_date' must be a date like 2026-01-31.", { status: 400 }),
  });
  await renderTasks(doc, card, { target: { lead_id: 3 }, name: "Kat" }, client);
  const box = card.querySelector('[data-field="tasks"]');
  assert.equal(box.querySelector('[data-field="task-note"]').textContent, "No tasks yet.");
  box.querySelector('[data-action="add-task"]').click();
  const form = box.querySelector("form");
  form.dispatchEvent(new doc.defaultView.Event("submit", { cancelable: true }));
  await settle();
  assert.equal(form.querySelector('[role="alert"]').textContent, "Give the task a title.");
  assert.equal(client.calls.filter((c) => c[0] === "POST").length, 0);
  form.querySelector('[name="title"]').value = "Call";
  form.dispatchEvent(new doc.defaultView.Event("submit", { cancelable: true }));
  await settle();
  assert.match(form.querySelector('[role="alert"]').textContent, /not added: 'due_date' must be a date/);
  assert.equal(form.querySelector('[name="title"]').value, "Call");
});

test("the switch's words: off, on with its last sync and error, needing permission", () => {
  const at = () => "2 Mar 10:00";
  assert.deepEqual(googleTasksWords({ enabled: false, status: "off" }, at), { text: "Off.", allow: false, sync: false });
  assert.equal(
    googleTasksWords({ enabled: false, status: "off", last_error: "Your Threadbook list was deleted." }, at).text,
    "Off. Your Threadbook list was deleted.",
  );
  const on = googleTasksWords({ enabled: true, status: "active", last_success_at: "2026-03-02T10:00:00Z", last_error: null }, at);
  assert.deepEqual(on, { text: "On: your tasks are in the Threadbook list of Google Tasks. Last synced 2 Mar 10:00.", allow: false, sync: true });
  assert.equal(googleTasksWords({ enabled: true, status: "needs_reconnect", last_error: "Turn it on again." }, at).allow, true);
  assert.deepEqual(grantAnswer("https://id.chromiumapp.org/?code=c1&state=s1"), { code: "c1", state: "s1", error: "" });
});

test("turning Google Tasks on: needs_scope offers Allow, which grants the scope through the worker and turns it on", async () => {
  const doc = page();
  const redirect = "https://id.chromiumapp.org/";
  let state = { enabled: false, status: "off", granted: false, last_error: null };
  const client = fakeClient({
    "GET /api/v1/me/google-tasks": () => state,
    "PUT /api/v1/me/google-tasks": () => new BackendError("forbidden", "Allow access to Google Tasks.", { status: 403, code: "needs_scope" }),
    "POST /api/v1/me/google-tasks/connect/start": {
      authorization_url: "https://accounts.google.com/o/oauth2/v2/auth?x=1",
      state: "s1",
      redirect_uri: redirect,
    },
    "POST /api/v1/me/google-tasks/connect/finish": (body) => {
      assert.deepEqual(body, { code: "c1", state: "s1", redirect_uri: redirect });
      return (state = { enabled: true, status: "active", granted: true, last_success_at: "2026-03-02T10:00:00Z", last_error: null });
    },
    "POST /api/v1/me/google-tasks/sync": () => state,
  });
  const sent = [];
  const send = async (message) => {
    sent.push(message);
    return { ok: true, redirectUrl: `${redirect}?code=c1&state=s1` };
  };
  await showGoogleTasks(doc, { getClient: () => client, send, formatTime: () => "then" });
  const $ = (id) => doc.getElementById(id);
  assert.equal(doc.getElementById("calendars-part").nextElementSibling, $("google-tasks-part"));
  assert.equal($("google-tasks-state").textContent, "Off.");
  assert.ok($("google-tasks-allow").hidden && $("google-tasks-sync").hidden);

  $("google-tasks-switch").checked = true;
  $("google-tasks-switch").dispatchEvent(new doc.defaultView.Event("change"));
  await settle();
  assert.equal($("google-tasks-switch").checked, false);
  assert.equal($("google-tasks-allow").hidden, false);
  assert.match($("google-tasks-state").textContent, /permission to use Google Tasks/);

  $("google-tasks-allow").click();
  await settle();
  assert.deepEqual(sent, [{ type: MESSAGE.CONNECT_MAILBOX, url: "https://accounts.google.com/o/oauth2/v2/auth?x=1", redirectUri: redirect }]);
  assert.equal($("google-tasks-switch").checked, true);
  assert.equal($("google-tasks-sync").hidden, false);
  assert.equal($("google-tasks-state").textContent, "On: your tasks are in the Threadbook list of Google Tasks. Last synced then.");

  $("google-tasks-sync").click();
  await settle();
  assert.deepEqual(client.calls.at(-1).slice(0, 2), ["POST", "/api/v1/me/google-tasks/sync"]);

  // Opened again: the part is not mounted twice.
  await showGoogleTasks(doc, { getClient: () => client, send });
  assert.equal(doc.querySelectorAll("#google-tasks-part").length, 1);
});

test("a grant Google's window closed, or answered elsewhere, changes nothing and says why", async () => {
  const doc = page();
  const client = fakeClient({
    "GET /api/v1/me/google-tasks": { enabled: false, status: "needs_scope" },
    "POST /api/v1/me/google-tasks/connect/start": {
      authorization_url: "https://accounts.google.com/x",
      state: "s1",
      redirect_uri: "https://id.chromiumapp.org/",
    },
  });
  const answers = [
    { ok: false, error: { code: "cancelled", message: "closed" } },
    { ok: true, redirectUrl: "https://evil.example/?code=c&state=s1" },
  ];
  await showGoogleTasks(doc, { getClient: () => client, send: async () => answers.shift() });
  const $ = (id) => doc.getElementById(id);
  $("google-tasks-allow").click();
  await settle();
  assert.match($("google-tasks-state").textContent, /window was closed/);
  $("google-tasks-allow").click();
  await settle();
  assert.match($("google-tasks-state").textContent, /unexpected address/);
  assert.equal(client.calls.filter((c) => c[1].endsWith("/finish")).length, 0);
});
