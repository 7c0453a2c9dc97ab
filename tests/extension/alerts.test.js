// The service worker's badge and Chrome notifications (background/alerts.js) against fake chrome APIs and a fake backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ALARM, badgeFor, createAlerts, threadUrl } from "../../extension/background/alerts.js";
import { NOTIFIED, SESSION, SETTINGS } from "../../extension/shared/storage-keys.js";
import { fakeFetch, fakeStore } from "./helpers.js";

function fakeChrome(session = { token: "s3ss10n" }) {
  const calls = { badge: [], color: [], title: [], shown: [], cleared: [], opened: [], alarms: [] };
  return {
    calls,
    sessionStore: fakeStore(session ? { [SESSION]: session } : {}),
    localStore: fakeStore({ [SETTINGS]: { backendUrl: "http://127.0.0.1:5000" } }),
    action: {
      setBadgeText: async ({ text }) => calls.badge.push(text),
      setBadgeBackgroundColor: async ({ color }) => calls.color.push(color),
      setTitle: async ({ title }) => calls.title.push(title),
    },
    notifications: { create: async (id, options) => calls.shown.push({ id, ...options }), clear: async (id) => calls.cleared.push(id) },
    tabs: { create: async ({ url }) => calls.opened.push(url) },
    alarms: { create: (name, info) => calls.alarms.push({ name, ...info }) },
  };
}

const note = (id, read = false) => ({
  id,
  read,
  subject: `Mail ${id}`,
  from_email: "bea@customer.example",
  gmail_thread_id: `t${id}`,
  record: { kind: "contact", id: 1, name: "Bea" },
});

function backend({ broken = false, unread = 0, items = [], enabled = true } = {}) {
  return fakeFetch({
    "GET /api/v1/me/alerts": () => ({
      body: {
        sync: broken
          ? { state: "needs_reconnect", broken: true, message: "Google revoked access on 3 March 2026: reconnect Gmail." }
          : { state: "active", broken: false, message: null },
        notifications_enabled: enabled,
        unread_notifications: unread,
      },
    }),
    "GET /api/v1/notifications": () => ({ body: { items, next_cursor: null, unread } }),
    "POST /api/v1/notifications/read": (request) => ({ body: { marked: request.body.ids.length, unread: 0 } }),
  });
}

test("the badge: '!' in red when sync is broken, else the unread count, else nothing", () => {
  assert.deepEqual(badgeFor({ sync: { broken: true, message: "Reconnect." }, unread_notifications: 4 }), {
    text: "!",
    color: "#d93025",
    title: "Threadbook: Reconnect.",
  });
  assert.equal(badgeFor({ sync: { broken: false }, unread_notifications: 4 }).text, "4");
  assert.equal(badgeFor({ sync: { broken: false }, unread_notifications: 120 }).text, "99+");
  assert.equal(badgeFor({ sync: { broken: false }, unread_notifications: 0 }).text, "");
  assert.equal(badgeFor(null).text, "");
});

test("a broken sync shows '!' with what to do in the title; the alarm polls every minute", async () => {
  const chrome = fakeChrome();
  const alerts = createAlerts(chrome, { fetchImpl: backend({ broken: true, unread: 2 }) });
  await alerts.install();
  assert.deepEqual(chrome.calls.alarms, [{ name: ALARM, periodInMinutes: 1 }]);
  assert.equal(chrome.calls.badge.at(-1), "!");
  assert.equal(chrome.calls.color.at(-1), "#d93025");
  assert.match(chrome.calls.title.at(-1), /reconnect Gmail/);
  await alerts.onAlarm({ name: "something else" });
  assert.equal(chrome.calls.badge.length, 1, "other alarms are not ours");
});

test("new notifications are shown once each, newest three at most; the badge counts unread", async () => {
  const chrome = fakeChrome();
  const fetchImpl = backend({ unread: 4, items: [note(9), note(8), note(7), note(6), note(5, true)] });
  const alerts = createAlerts(chrome, { fetchImpl });
  await alerts.poll();
  assert.equal(chrome.calls.badge.at(-1), "4");
  assert.deepEqual(
    chrome.calls.shown.map((n) => n.id),
    ["tb:9:t9", "tb:8:t8", "tb:7:t7"],
  );
  assert.equal(chrome.calls.shown[0].title, "Bea wrote");
  assert.equal(chrome.sessionStore.data[NOTIFIED], 9);
  await alerts.poll();
  assert.equal(chrome.calls.shown.length, 3, "nothing is shown twice");
});

test("clicking a notification opens its thread in Gmail and marks it read", async () => {
  const chrome = fakeChrome();
  const fetchImpl = backend({ unread: 1, items: [note(9)] });
  const alerts = createAlerts(chrome, { fetchImpl });
  await alerts.clicked("tb:9:t9");
  assert.deepEqual(chrome.calls.opened, [threadUrl("t9")]);
  assert.equal(threadUrl("t9"), "https://mail.google.com/mail/u/0/#all/t9");
  assert.deepEqual(chrome.calls.cleared, ["tb:9:t9"]);
  assert.deepEqual(fetchImpl.calls.find((c) => c.method === "POST").body, { ids: [9] });
  await alerts.clicked("someone-else's");
  assert.equal(chrome.calls.opened.length, 1);
});

test("switched off: no Chrome notifications; signed out: no badge and no request", async () => {
  const chrome = fakeChrome();
  await createAlerts(chrome, { fetchImpl: backend({ unread: 2, enabled: false, items: [note(3)] }) }).poll();
  assert.equal(chrome.calls.shown.length, 0);

  const signedOut = fakeChrome(null);
  const fetchImpl = backend({ broken: true });
  await createAlerts(signedOut, { fetchImpl }).poll();
  assert.equal(signedOut.calls.badge.at(-1), "");
  assert.equal(fetchImpl.calls.length, 0);
});

test("an unreachable backend leaves the badge as it was", async () => {
  const chrome = fakeChrome();
  const alerts = createAlerts(chrome, { fetchImpl: async () => Promise.reject(new TypeError("offline")) });
  assert.equal(await alerts.poll(), null);
  assert.equal(chrome.calls.badge.length, 0);
});
