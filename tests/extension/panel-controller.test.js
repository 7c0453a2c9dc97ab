// The panel's states and actions, driven with a fake backend, a fake worker and a recording view.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBackendClient } from "../../extension/api/backend-client.js";
import { createPanelController } from "../../extension/panel/panel-controller.js";
import { MESSAGE } from "../../extension/shared/messages.js";
import { fakeFetch, settle } from "./helpers.js";

const BACKEND = "http://127.0.0.1:5000";
const FAR = "2099-01-01T00:00:00Z";
const SESSION = { token: "s1", expires_at: FAR, user: { email: "rep@threadbook.test" }, dev: false, backend: BACKEND };
const THREAD = {
  threadId: "18aa00000000000a",
  subject: "Renewal",
  messageIds: ["18aa00000000000a"],
  unresolvedMessages: 0,
  participants: [
    { email: "ada@acme.example", name: "Ada", role: "from" },
    { email: "new@newco.example", name: "New", role: "to" },
  ],
};
const LOOKUP = {
  participants: [
    {
      email: "ada@acme.example",
      name: "Ada Lovelace",
      kind: "contact",
      record: { id: 1, name: "Ada Lovelace" },
      company: { name: "Acme" },
      deals: [],
      notes: [],
    },
    { email: "new@newco.example", name: "New", kind: "unknown", record: null, company: null, deals: [], notes: [] },
  ],
  thread: { logged: false, email_ids: [] },
};

function harness(routes, { answers = {}, googleAccess = { token: "ya29", expires_at: Date.now() + 3_600_000 } } = {}) {
  const screens = [];
  const statuses = [];
  const sent = [];
  const timers = [];
  const fetchImpl = fakeFetch(routes);
  const controller = createPanelController({
    view: { show: (screen) => screens.push(screen), status: (text, options) => statuses.push({ text, ...options }) },
    makeClient: (baseUrl, getToken) => createBackendClient({ baseUrl, getToken, fetchImpl }),
    send: async (message) => {
      sent.push(message);
      const answer = answers[message.type];
      return typeof answer === "function" ? answer(message) : answer || { ok: true };
    },
    readGoogleAccess: async () => googleAccess,
    setTimer: (fn, ms) => timers.push({ fn, ms }) && timers.length,
    clearTimer: () => {},
  });
  controller.setSettings({ backendUrl: BACKEND, clientId: "" });
  return { controller, screens, statuses, sent, timers, fetchImpl, last: () => screens.at(-1) };
}

const lookupRoute = (data = LOOKUP) => ({ "POST /api/v1/lookup": () => ({ body: data }) });

test("signed out: the sign-in screen, with the development sign-in when the backend offers it", async () => {
  const h = harness({ "GET /api/v1/config": () => ({ body: { google_client_id: "c", dev_signin: true } }) });
  h.controller.setState({ session: null, googleAccess: null, tab: null });
  await settle();
  assert.deepEqual(h.last(), { name: "signed-out", devSignIn: true, error: "", session: null });
});

test("a session from another backend counts as signed out", async () => {
  const h = harness({ "GET /api/v1/config": () => ({ body: { dev_signin: false } }) });
  h.controller.setState({ session: { ...SESSION, backend: "https://other.example" }, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  assert.equal(h.last().name, "signed-out");
});

test("no conversation open, or a Gmail page Threadbook cannot read", async () => {
  const h = harness({});
  h.controller.setState({ session: SESSION, googleAccess: null, tab: null });
  await settle();
  assert.deepEqual(h.last(), { name: "no-thread", problem: "", session: SESSION });
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: null, problem: "no thread id" } });
  await settle();
  assert.equal(h.last().problem, "no thread id");
});

test("a conversation: loading, then a card per participant in the order asked", async () => {
  const h = harness(lookupRoute());
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  assert.deepEqual(
    h.screens.map((s) => s.name),
    ["loading", "thread"],
  );
  assert.deepEqual(
    h.last().participants.map((p) => p.kind),
    ["contact", "unknown"],
  );
  assert.deepEqual(h.fetchImpl.calls[0].body.participants, [
    { email: "ada@acme.example", name: "Ada" },
    { email: "new@newco.example", name: "New" },
  ]);

  // The same conversation with a new message: refreshed without flashing "loading".
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: { ...THREAD, messageIds: ["18aa00000000000a", "18aa00000000000b"] } } });
  await settle();
  assert.deepEqual(
    h.screens.map((s) => s.name),
    ["loading", "thread", "thread"],
  );
});

test("the backend unreachable: that state, then recovery on the scheduled retry", async () => {
  let up = false;
  const h = harness({ "POST /api/v1/lookup": () => (up ? { body: LOOKUP } : new TypeError("Failed to fetch")) });
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  assert.deepEqual(h.last(), { name: "unreachable", backendUrl: BACKEND, message: `Cannot reach the Threadbook backend at ${BACKEND}.`, session: SESSION });
  assert.equal(h.timers.at(-1).ms, 1000);
  h.timers.at(-1).fn(); // still down: the next wait is longer
  await settle();
  assert.equal(h.timers.at(-1).ms, 2000);
  up = true;
  h.timers.at(-1).fn();
  await settle();
  assert.equal(h.last().name, "thread");
});

test("an error with a retry", async () => {
  let fail = true;
  const h = harness({
    "POST /api/v1/lookup": () => (fail ? { status: 500, body: { error: "internal_error", message: "Something went wrong on the server." } } : { body: LOOKUP }),
  });
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  assert.deepEqual(h.last(), { name: "error", message: "Something went wrong on the server.", session: SESSION });
  fail = false;
  await h.controller.retry();
  assert.equal(h.last().name, "thread");
});

test("an expired session is renewed silently; when that fails, the user is signed out with a reason", async () => {
  const h = harness(
    { "POST /api/v1/lookup": () => ({ status: 401, body: { error: "unauthorized", message: "Your session has expired." } }) },
    { answers: { [MESSAGE.SIGN_IN]: { ok: false, error: { message: "interaction required" } } } },
  );
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  await settle();
  assert.deepEqual(
    h.sent.map((m) => m.type),
    [MESSAGE.SIGN_IN, MESSAGE.SIGN_OUT],
  );
  assert.equal(h.sent[0].interactive, false);
});

test("a session about to expire is renewed before the lookup", async () => {
  const h = harness(lookupRoute());
  const soon = new Date(Date.now() + 60_000).toISOString();
  h.controller.setState({ session: { ...SESSION, expires_at: soon }, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  assert.deepEqual(h.sent, [{ type: MESSAGE.SIGN_IN, interactive: false }]);
});

test("logging: progress, then the logged state from the next lookup", async () => {
  let logged = false;
  const h = harness({
    "POST /api/v1/lookup": () => ({ body: { ...LOOKUP, thread: { logged, email_ids: logged ? [11, 12] : [] } } }),
    "POST /api/v1/threads/18aa00000000000a/log": (request) => {
      assert.equal(request.headers["X-Google-Access-Token"], "ya29");
      logged = true;
      return { status: 201, body: { created: 2 } };
    },
  });
  h.controller.setState({ session: SESSION, googleAccess: { token: "ya29", expires_at: Date.now() + 3_600_000 }, tab: { thread: THREAD } });
  await settle();
  await h.controller.logThread();
  const threadScreens = h.screens.filter((s) => s.name === "thread");
  assert.ok(
    threadScreens.some((s) => s.logging),
    "the button shows progress",
  );
  assert.equal(h.last().logging, false);
  assert.deepEqual(h.last().threadRecord, { logged: true, email_ids: [11, 12] });
  assert.deepEqual(
    h.statuses.map((s) => s.text),
    ["Logging the conversation…", "Conversation logged."],
  );
});

test("Google access refused while logging: renewed silently and retried; if that fails, the reconnect state", async () => {
  let logCalls = 0;
  const routes = {
    ...lookupRoute(),
    "POST /api/v1/threads/18aa00000000000a/log": () => {
      logCalls += 1;
      return { status: 401, body: { error: "google_reauth_required", message: "Google refused the access token." } };
    },
  };
  const h = harness(routes, { answers: { [MESSAGE.RENEW_GOOGLE_ACCESS]: { ok: true } } });
  h.controller.setState({ session: SESSION, googleAccess: { token: "ya29", expires_at: Date.now() + 3_600_000 }, tab: { thread: THREAD } });
  await settle();
  await h.controller.logThread();
  assert.equal(logCalls, 2, "one retry with a renewed token");
  assert.equal(h.last().googleReauth, "expired");
  assert.match(h.statuses.at(-1).text, /reconnect Google/);
  assert.equal(h.statuses.at(-1).error, true);
});

test("no Gmail token and silent renewal refused: the reconnect state without calling the backend", async () => {
  const h = harness(lookupRoute(), { answers: { [MESSAGE.RENEW_GOOGLE_ACCESS]: { ok: false } }, googleAccess: null });
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  await h.controller.logThread();
  assert.equal(h.last().googleReauth, "expired");
  assert.ok(!h.fetchImpl.calls.some((call) => call.pathname.endsWith("/log")));
});

test("a backend without Google: logging says Google isn't set up there, not that access expired (issue 16)", async () => {
  const routes = { ...lookupRoute(), "GET /api/v1/config": () => ({ body: { google_client_id: null, google_configured: false, dev_signin: true } }) };
  const refused = { ok: false, error: { code: "google_not_configured", message: "Google isn't set up on this backend." } };
  const h = harness(routes, { answers: { [MESSAGE.RENEW_GOOGLE_ACCESS]: refused }, googleAccess: null });
  h.controller.setState({ session: { ...SESSION, dev: true }, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  await h.controller.logThread();
  assert.equal(h.last().googleReauth, "unconfigured");
  assert.deepEqual(h.statuses.at(-1), { text: "Google isn't set up on this backend: see docs/google-setup.md.", error: true });
  assert.ok(!h.fetchImpl.calls.some((call) => call.pathname.endsWith("/log")));
});

test("creating a lead refreshes the cards; a duplicate stays in the form with the backend's word, the cards looked up again", async () => {
  let created = false;
  const h = harness({
    "POST /api/v1/lookup": () => ({
      body: {
        ...LOOKUP,
        participants: [LOOKUP.participants[0], { ...LOOKUP.participants[1], kind: created ? "lead" : "unknown", record: created ? { id: 5 } : null }],
      },
    }),
    "POST /api/v1/leads": (request) => {
      if (created) return { status: 409, body: { error: "conflict", message: "new@newco.example is already a lead." } };
      created = true;
      assert.deepEqual(request.body, { email: "new@newco.example", name: "New", company_name: "Newco" });
      return { status: 201, body: { id: 5 } };
    },
  });
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  assert.deepEqual(await h.controller.createLead({ email: "new@newco.example", name: "New", company_name: "Newco" }), { ok: true });
  assert.equal(h.last().participants[1].kind, "lead");
  const lookups = h.fetchImpl.calls.filter((call) => call.pathname === "/api/v1/lookup").length;
  const statuses = h.statuses.length;
  assert.deepEqual(await h.controller.createLead({ email: "new@newco.example", name: "New", company_name: "Newco" }), {
    ok: false,
    message: "new@newco.example is already a lead.",
  });
  assert.equal(h.statuses.length, statuses, "said in the form, which stays open");
  assert.equal(h.fetchImpl.calls.filter((call) => call.pathname === "/api/v1/lookup").length, lookups + 1);
});

test("a note the backend refuses keeps the form open with the reason", async () => {
  const h = harness({ ...lookupRoute(), "POST /api/v1/notes": () => ({ status: 400, body: { error: "bad_request", message: "The note is too long." } }) });
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  assert.deepEqual(await h.controller.addNote({ contact_id: 1 }, "x", "Ada"), { ok: false, message: "The note is too long." });
});

test("answers that arrive out of order never show the wrong conversation", async () => {
  const release = {};
  const h = harness({
    "POST /api/v1/lookup": (request) =>
      new Promise((resolve) => {
        release[request.body.thread_id] = () => resolve({ body: { ...LOOKUP, participants: [{ ...LOOKUP.participants[0], email: request.body.thread_id }] } });
      }),
  });
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: THREAD } });
  await settle();
  h.controller.setState({ session: SESSION, googleAccess: null, tab: { thread: { ...THREAD, threadId: "18bb00000000000b" } } });
  await settle();
  release["18bb00000000000b"]();
  await settle();
  release["18aa00000000000a"]?.();
  await settle();
  assert.equal(h.last().thread.threadId, "18bb00000000000b");
});
