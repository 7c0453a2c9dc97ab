// The service worker's services: threads per tab, the message router, sign-in, the side panel policy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createAuthService } from "../../extension/background/auth-service.js";
import { createMessageRouter } from "../../extension/background/message-router.js";
import { PANEL_PATH, createSidePanelPolicy, isGmailUrl } from "../../extension/background/side-panel.js";
import { createTabThreads } from "../../extension/background/tab-threads.js";
import { MESSAGE } from "../../extension/shared/messages.js";
import { GOOGLE_ACCESS, LAST_GMAIL_TAB, SESSION, SETTINGS, threadKey, windowKey } from "../../extension/shared/storage-keys.js";
import { followPanelState } from "../../extension/panel/panel-store.js";
import { fakeFetch, fakeStore, settle } from "./helpers.js";

const GMAIL = "https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJGxyz";
const THREAD = { threadId: "18aa", subject: "Hi", messageIds: ["18aa"], unresolvedMessages: 0, participants: [] };

test("a Gmail tab's thread is stored per tab, and the tab becomes current in its window", async () => {
  const store = fakeStore();
  const threads = createTabThreads(store, () => 42);
  await threads.record({ id: 7, windowId: 1 }, THREAD);
  assert.deepEqual(store.data[threadKey(7)], { tabId: 7, thread: THREAD, problem: "", at: 42 });
  assert.equal(store.data[windowKey(1)], 7);
  assert.equal(store.data[LAST_GMAIL_TAB], 7);

  await threads.record({ id: 8, windowId: 2 }, null);
  await threads.activated({ tabId: 7, windowId: 1 });
  assert.equal(store.data[LAST_GMAIL_TAB], 7, "activating a known Gmail tab makes it the last one");
  await threads.activated({ tabId: 99, windowId: 1 });
  assert.equal(store.data[windowKey(1)], 7, "activating another tab changes nothing");

  await threads.removed(7, { windowId: 1 });
  assert.ok(!(threadKey(7) in store.data) && !(LAST_GMAIL_TAB in store.data) && !(windowKey(1) in store.data));
  assert.ok(threadKey(8) in store.data);
});

test("the panel follows its own window's Gmail tab, else the last one anywhere", async () => {
  const store = fakeStore();
  const threads = createTabThreads(store);
  const seen = [];
  await followPanelState({ sessionStore: store, windowId: 5, onChange: (state) => seen.push(state) });
  assert.deepEqual(seen.at(-1), { session: null, googleAccess: null, tab: null });

  await threads.record({ id: 3, windowId: 9 }, THREAD); // a Gmail tab in another window
  await settle();
  assert.equal(seen.at(-1).tab.thread.threadId, "18aa");

  await threads.record({ id: 4, windowId: 5 }, { ...THREAD, threadId: "18bb" }); // one in the panel's window
  await settle();
  assert.equal(seen.at(-1).tab.thread.threadId, "18bb");
  await threads.record({ id: 3, windowId: 9 }, { ...THREAD, threadId: "18cc" });
  await settle();
  assert.equal(seen.at(-1).tab.thread.threadId, "18bb", "the own window's tab wins over the last one");

  await store.set({ [SESSION]: { token: "t" } });
  assert.equal(seen.at(-1).session.token, "t");
});

test("the router stores threads from Gmail tabs only, and lets only extension pages sign in", async () => {
  const calls = [];
  const router = createMessageRouter({
    tabThreads: { record: async (...args) => calls.push(["record", ...args]) },
    auth: { signIn: async () => ({ token: "t" }), signOut: async () => calls.push(["signOut"]) },
    panelPolicy: { applyTo: (...args) => calls.push(["applyTo", ...args]) },
  });
  const gmailTab = { tab: { id: 1, windowId: 1, url: GMAIL }, url: GMAIL };
  assert.deepEqual(await router({ type: MESSAGE.THREAD_CHANGED, thread: THREAD }, gmailTab), { ok: true });
  assert.deepEqual(
    calls.map((call) => call[0]),
    ["applyTo", "record"],
  );

  const elsewhere = { tab: { id: 2, windowId: 1, url: "https://evil.example/" }, url: "https://evil.example/" };
  assert.equal((await router({ type: MESSAGE.THREAD_CHANGED, thread: THREAD }, elsewhere)).ok, false);
  assert.equal((await router({ type: MESSAGE.SIGN_OUT }, gmailTab)).error.code, "bad_sender");
  const panelTab = { tab: { id: 3, windowId: 1 }, url: "chrome-extension://id/extension/panel/panel.html" };
  assert.deepEqual(await router({ type: MESSAGE.SIGN_IN }, panelTab), { ok: true, session: { token: "t" } });
  assert.equal((await router({ type: "nonsense" }, panelTab)).error.code, "unknown_message");
});

test("the router turns a failure into an answer", async () => {
  const router = createMessageRouter({
    tabThreads: {},
    auth: { signIn: async () => Promise.reject(Object.assign(new Error("Google refused"), { code: "access_denied" })) },
    panelPolicy: {},
  });
  assert.deepEqual(await router({ type: MESSAGE.SIGN_IN }, { url: "chrome-extension://id/p.html" }), {
    ok: false,
    error: { code: "access_denied", message: "Google refused" },
  });
});

test("RENEW_GOOGLE_ACCESS: extension pages only, and extra scopes from the allow-list only", async () => {
  const renewals = [];
  const router = createMessageRouter({
    tabThreads: {},
    auth: { renewGoogleAccess: async (options) => renewals.push(options) },
    panelPolicy: {},
    extensionId: "abc",
  });
  const panel = { id: "abc", url: "chrome-extension://abc/extension/panel/panel.html" };
  const send = "https://www.googleapis.com/auth/gmail.send";
  const calendar = ["https://www.googleapis.com/auth/calendar.events", "https://www.googleapis.com/auth/calendar.freebusy"];
  assert.deepEqual(await router({ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true, scopes: [send] }, panel), { ok: true });
  assert.deepEqual(await router({ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true, scopes: calendar }, panel), { ok: true });
  assert.deepEqual(await router({ type: MESSAGE.RENEW_GOOGLE_ACCESS }, panel), { ok: true });
  assert.deepEqual(renewals, [
    { interactive: true, scopes: [send] },
    { interactive: true, scopes: calendar },
    { interactive: false, scopes: [] },
  ]);

  for (const scopes of [
    ["https://mail.google.com/"],
    [send, "https://www.googleapis.com/auth/drive"],
    ["https://www.googleapis.com/auth/calendar"],
    send,
    [{}],
  ]) {
    const answer = await router({ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true, scopes }, panel);
    assert.equal(answer.error?.code, "bad_message", JSON.stringify(scopes));
  }
  for (const sender of [
    { id: "abc", tab: { id: 1, url: GMAIL }, url: GMAIL }, // a content script
    { id: "abc", url: "https://evil.example/" },
    { id: "other", url: "chrome-extension://other/page.html" },
    { url: "chrome-extension://abc/extension/panel/panel.html" }, // no sender id
  ]) {
    const answer = await router({ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true, scopes: [send] }, sender);
    assert.equal(answer.error?.code, "bad_sender", JSON.stringify(sender));
  }
  assert.equal(renewals.length, 3, "nothing refused reached the sign-in service");
});

function fakeIdentity({ respond }) {
  const launched = [];
  return {
    launched,
    redirectUrl: () => "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/",
    async launchWebAuthFlow(details) {
      launched.push(details);
      const params = new URL(details.url).searchParams;
      return respond(params);
    },
  };
}

test("sign-in: Google's flow, the nonce sent to the backend, session and Gmail token kept in session storage", async () => {
  const sessionStore = fakeStore();
  const localStore = fakeStore({ [SETTINGS]: { backendUrl: "http://127.0.0.1:5000" } });
  const identity = fakeIdentity({
    respond: (p) => `${p.get("redirect_uri")}#state=${p.get("state")}&id_token=id-for-${p.get("nonce")}&access_token=ya29&expires_in=3600`,
  });
  const fetchImpl = fakeFetch({
    "GET /api/v1/config": () => ({ body: { google_client_id: "cid.apps.googleusercontent.com", dev_signin: false } }),
    "POST /api/v1/session": (request) => ({
      status: 201,
      body: { token: `session-${request.body.nonce}`, expires_at: "2099-01-01T00:00:00Z", user: { email: "rep@threadbook.test" }, org: { id: 1 } },
    }),
  });
  const auth = createAuthService({ sessionStore, localStore, identity }, { fetchImpl, now: () => 1000 });
  const session = await auth.signIn({ interactive: true });

  const params = new URL(identity.launched[0].url).searchParams;
  assert.equal(identity.launched[0].interactive, true);
  assert.equal(params.get("client_id"), "cid.apps.googleusercontent.com");
  const nonce = params.get("nonce");
  assert.deepEqual(fetchImpl.calls[1].body, { id_token: `id-for-${nonce}`, nonce });
  assert.equal(session.token, `session-${nonce}`);
  assert.equal(sessionStore.data[SESSION].token, `session-${nonce}`);
  assert.deepEqual(sessionStore.data[GOOGLE_ACCESS], { token: "ya29", expires_at: 1000 + 3_600_000, scope: "" });
  assert.deepEqual(Object.keys(localStore.data), [SETTINGS], "no token in storage.local");

  // Silent renewal names the account and shows nothing.
  await auth.renewGoogleAccess({ interactive: false });
  const renewal = new URL(identity.launched[1].url).searchParams;
  assert.equal(identity.launched[1].interactive, false);
  assert.equal(renewal.get("prompt"), "none");
  assert.equal(renewal.get("login_hint"), "rep@threadbook.test");

  await auth.signOut();
  assert.deepEqual(sessionStore.data, {});
});

test("reconnecting Google on a backend where Google isn't set up says so, and opens nothing", async () => {
  const sessionStore = fakeStore({ [SESSION]: { token: "dev", dev: true, user: { email: "demo@threadbook.test" } } });
  const localStore = fakeStore({ [SETTINGS]: { backendUrl: "http://127.0.0.1:5000" } });
  const identity = fakeIdentity({ respond: () => assert.fail("Google's flow must not open") });
  const fetchImpl = fakeFetch({
    "GET /api/v1/config": () => ({ body: { google_client_id: null, google_configured: false, dev_signin: true } }),
  });
  const auth = createAuthService({ sessionStore, localStore, identity }, { fetchImpl });
  await assert.rejects(auth.renewGoogleAccess({ interactive: true }), (error) => {
    assert.equal(error.code, "google_not_configured");
    assert.match(error.message, /^Google isn't set up on this backend: see docs\/google-setup\.md/);
    return true;
  });
  assert.equal(identity.launched.length, 0);
});

test("extra scopes: asked for on request, kept by every silent renewal, dropped by a fresh sign-in", async () => {
  const SEND = "https://www.googleapis.com/auth/gmail.send";
  const EVENTS = "https://www.googleapis.com/auth/calendar.events";
  const FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy";
  const sessionStore = fakeStore();
  const localStore = fakeStore({ [SETTINGS]: { backendUrl: "http://127.0.0.1:5000", clientId: "cid" } });
  // Google grants what was asked for, plus the earlier grants (include_granted_scopes).
  let granted = new Set();
  const identity = fakeIdentity({
    respond: (p) => {
      granted = new Set([...granted, ...p.get("scope").split(" ")]);
      const scope = encodeURIComponent([...granted].join(" "));
      return `${p.get("redirect_uri")}#state=${p.get("state")}&id_token=id&access_token=ya29-${identity.launched.length}&expires_in=3600&scope=${scope}`;
    },
  });
  const fetchImpl = fakeFetch({
    "POST /api/v1/session": () => ({ status: 201, body: { token: "s", expires_at: "2099-01-01T00:00:00Z", user: { email: "rep@threadbook.test" } } }),
  });
  const auth = createAuthService({ sessionStore, localStore, identity }, { fetchImpl });
  const asked = (n) => new URL(identity.launched[n].url).searchParams.get("scope").split(" ");

  await auth.signIn({ interactive: true });
  assert.ok(!asked(0).includes(SEND) && !asked(0).includes(EVENTS), "sign-in asks for the base scopes only");

  await auth.renewGoogleAccess({ interactive: true, scopes: [SEND] });
  assert.ok(asked(1).includes(SEND));
  assert.equal(new URL(identity.launched[1].url).searchParams.get("login_hint"), "rep@threadbook.test");
  assert.equal(new URL(identity.launched[1].url).searchParams.get("include_granted_scopes"), "true");
  assert.match(sessionStore.data[GOOGLE_ACCESS].scope, /gmail\.send/);

  await auth.renewGoogleAccess({ interactive: false });
  assert.ok(asked(2).includes(SEND), "a silent renewal keeps sending");
  await auth.renewGoogleAccess({ interactive: true, scopes: [EVENTS, FREEBUSY] });
  assert.ok([SEND, EVENTS, FREEBUSY].every((scope) => asked(3).includes(scope)));
  await auth.signIn({ interactive: false });
  assert.ok(
    [SEND, EVENTS, FREEBUSY].every((scope) => asked(4).includes(scope)),
    "a silent session renewal keeps them too",
  );
  assert.equal(sessionStore.data[GOOGLE_ACCESS].token, "ya29-5");

  await auth.signIn({ interactive: true });
  assert.ok(!asked(5).includes(SEND), "an interactive sign-in (maybe another account) starts afresh");
});

test("sign-in: the options' client id overrides the backend's; a forged answer is refused", async () => {
  const sessionStore = fakeStore();
  const localStore = fakeStore({ [SETTINGS]: { backendUrl: "http://127.0.0.1:5000", clientId: "mine.apps.googleusercontent.com" } });
  const identity = fakeIdentity({ respond: (p) => `${p.get("redirect_uri")}#state=forged&id_token=x&access_token=y` });
  const fetchImpl = fakeFetch({});
  const auth = createAuthService({ sessionStore, localStore, identity }, { fetchImpl });
  await assert.rejects(auth.signIn(), { code: "state_mismatch" });
  assert.equal(new URL(identity.launched[0].url).searchParams.get("client_id"), "mine.apps.googleusercontent.com");
  assert.equal(fetchImpl.calls.length, 0, "nothing reaches the backend");
  assert.deepEqual(sessionStore.data, {});
});

test("development sign-in keeps a session marked as such, without a Google token", async () => {
  const sessionStore = fakeStore({ [GOOGLE_ACCESS]: { token: "old" } });
  const fetchImpl = fakeFetch({ "POST /api/v1/session/dev": () => ({ status: 201, body: { token: "dev-t", user: { email: "dev@x" } } }) });
  const auth = createAuthService({ sessionStore, localStore: fakeStore(), identity: fakeIdentity({}) }, { fetchImpl });
  await auth.devSignIn();
  assert.equal(sessionStore.data[SESSION].dev, true);
  assert.ok(!(GOOGLE_ACCESS in sessionStore.data));
});

test("the side panel is enabled on Gmail tabs only, and opens from the toolbar button", async () => {
  const calls = [];
  const sidePanel = {
    setOptions: async (options) => calls.push(["setOptions", options]),
    setPanelBehavior: async (behavior) => calls.push(["setPanelBehavior", behavior]),
  };
  const tabs = { query: async () => [{ id: 4, url: GMAIL }] };
  const policy = createSidePanelPolicy({ sidePanel, tabs });
  await policy.install();
  assert.deepEqual(calls, [
    ["setPanelBehavior", { openPanelOnActionClick: true }],
    ["setOptions", { enabled: false }],
    ["setOptions", { tabId: 4, path: PANEL_PATH, enabled: true }],
  ]);
  calls.length = 0;
  policy.onTabUpdated(5, { url: "https://example.com/" }, { id: 5, url: "https://example.com/" });
  policy.onTabUpdated(6, { status: "loading" }, { id: 6 }); // no host access: no URL
  policy.onTabUpdated(4, { title: "Inbox" }, { id: 4, url: GMAIL }); // nothing that matters
  assert.deepEqual(calls, [
    ["setOptions", { tabId: 5, enabled: false }],
    ["setOptions", { tabId: 6, enabled: false }],
  ]);
  assert.equal(isGmailUrl("https://mail.google.com.evil.example/"), false);
});
