// The Account screen's calendars and notifications switch, on the panel's real HTML with a fake backend client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { calendarState, createCalendarsPart, listToken } from "../../extension/panel/calendars-part.js";
import { EXTRA_SCOPES } from "../../extension/auth/google-oauth.js";
import { MESSAGE } from "../../extension/shared/messages.js";
import { BackendError } from "../../extension/api/backend-client.js";
import { settle } from "./helpers.js";

const HTML = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
const EVIL = '<img src=x onerror="document.body.dataset.pwned=1">';
const LIST_SCOPE = EXTRA_SCOPES.calendarList[0];

const PRIMARY = {
  id: "primary",
  summary: "rep@threadbook.test",
  primary: true,
  listed: true,
  selected: true,
  state: "ok",
  last_synced_at: "2026-03-02T10:05:00Z",
  last_error: null,
};
const TEAM = {
  id: "team@group.calendar.google.com",
  summary: `Sales team ${EVIL}`,
  primary: false,
  listed: true,
  selected: false,
  state: "not_selected",
  last_error: null,
};
const OLD = {
  id: "old@group.calendar.google.com",
  summary: "Old",
  listed: false,
  selected: true,
  state: "failing",
  last_error: "Calendar no longer shared with you.",
};
const OPEN = { available: true, error: null, message: null, scope: LIST_SCOPE };
const NO_SCOPE = { available: false, error: "google_scope_required", message: "Allow Threadbook to read your calendar list.", scope: LIST_SCOPE };

function fakeClient({ calendars = [PRIMARY, TEAM, OLD], choosing = OPEN, notifications = true, fail = {} } = {}) {
  const calls = [];
  const answer = () => ({ calendars: structuredClone(calendars), choosing: { ...choosing } });
  return {
    calls,
    set choosing(value) {
      choosing = value;
    },
    async calendars(token) {
      calls.push(["calendars", token]);
      if (fail.calendars) throw fail.calendars;
      return answer();
    },
    async chooseCalendars(ids, token) {
      calls.push(["chooseCalendars", ids, token]);
      if (fail.choose) throw fail.choose;
      calendars = calendars.map((c) => ({ ...c, selected: ids.includes(c.id) }));
      return answer();
    },
    async me() {
      calls.push(["me"]);
      if (fail.me) throw fail.me;
      return { user: { id: 3, notifications_enabled: notifications } };
    },
    async updateMe(fields) {
      calls.push(["updateMe", fields]);
      if (fail.updateMe) throw fail.updateMe;
      notifications = fields.notifications_enabled;
      return { user: { id: 3, notifications_enabled: notifications } };
    },
  };
}

function page(client, { access = null, canGrant = true, grant = { ok: true } } = {}) {
  const { document } = parseHTML(HTML);
  const sent = [];
  const google = { access, canGrant };
  const part = createCalendarsPart(document, {
    getClient: () => client,
    send: async (message) => {
      sent.push(message);
      if (grant.ok) google.access = { token: "wider", scope: `openid ${LIST_SCOPE}` };
      return grant;
    },
    readGoogle: async () => ({ ...google }),
    formatTime: () => "2 Mar, 10:05",
  });
  const $ = (id) => document.getElementById(id);
  const items = () => Array.from($("calendars-list").querySelectorAll("li"));
  return { document, part, sent, $, items };
}

test("listToken: only an access that may read the calendar list is sent", () => {
  assert.equal(listToken(null), null);
  assert.equal(listToken({ token: "t", scope: "openid https://www.googleapis.com/auth/gmail.readonly" }), null);
  assert.equal(listToken({ token: "t", scope: `openid ${LIST_SCOPE}` }), "t");
  assert.equal(listToken({ token: "t", scope: "https://www.googleapis.com/auth/calendar.readonly" }), "t");
});

test("calendarState puts each state in words", () => {
  const time = () => "then";
  assert.equal(calendarState(PRIMARY, time), "Synced, last then");
  assert.equal(calendarState(TEAM, time), "Not synced");
  assert.equal(calendarState({ state: "never_synced" }, time), "Not synced yet");
  assert.equal(calendarState(OLD, time), "Sync failing; no longer on your Google calendar list");
});

test("lists the calendars as text, each with a checkbox, its state and last error; the name truncated with its full text in title", async () => {
  const client = fakeClient();
  const { document, part, $, items } = page(client, { access: { token: "tok", scope: LIST_SCOPE } });
  const loading = part.load();
  assert.equal($("calendars-state").textContent, "Loading your calendars…");
  await loading;
  assert.deepEqual(
    client.calls.find((c) => c[0] === "calendars"),
    ["calendars", "tok"],
  );
  const rows = items();
  assert.equal(rows.length, 3);
  assert.equal(document.body.dataset.pwned, undefined);
  assert.equal(rows[1].querySelector("img"), null);
  const label = rows[1].querySelector("label");
  assert.equal(label.title, TEAM.summary);
  assert.ok(label.classList.contains("truncate"));
  assert.ok(label.textContent.includes(EVIL));
  assert.ok(rows[0].textContent.includes("(primary)"));
  assert.ok(rows[0].textContent.includes("Synced, last 2 Mar, 10:05"));
  assert.ok(rows[2].textContent.includes("Last error: Calendar no longer shared with you."));
  const boxes = rows.map((row) => row.querySelector("input[type=checkbox]"));
  assert.deepEqual(
    boxes.map((b) => b.checked),
    [true, false, true],
  );
  // A calendar no longer on the Google list cannot be chosen again: saving drops it.
  assert.deepEqual(
    boxes.map((b) => b.disabled),
    [false, false, true],
  );
  assert.equal($("calendars-save").hidden, false);
  assert.equal($("calendars-allow").hidden, true);
  assert.equal($("calendars-state").hidden, true);
});

test("Save sends the checked calendars and says what was saved", async () => {
  const client = fakeClient();
  const { part, $, items } = page(client);
  await part.load();
  items()[1].querySelector("input").checked = true;
  items()[2].querySelector("input").checked = false;
  $("calendars-save").click();
  await settle();
  assert.deepEqual(client.calls.at(-1), ["chooseCalendars", ["primary", TEAM.id], null]);
  assert.equal($("calendars-state").textContent, "Saved: 2 calendars will sync into Threadbook.");
  assert.deepEqual(
    items().map((row) => row.querySelector("input").checked),
    [true, true, false],
  );
});

test("a refused save is said, and the list stays", async () => {
  const client = fakeClient({ fail: { choose: new BackendError("client", "'x' is not a calendar on your Google calendar list.", { status: 400 }) } });
  const { part, $, items } = page(client);
  await part.load();
  items()[1].querySelector("input").checked = true;
  await part.save();
  assert.deepEqual(client.calls.at(-1), ["chooseCalendars", ["primary", TEAM.id], null]);
  assert.equal(items()[1].querySelector("input").checked, true);
  assert.equal($("calendars-state").textContent, "'x' is not a calendar on your Google calendar list.");
  assert.ok($("calendars-state").classList.contains("error"));
  assert.equal(items().length, 3);
  assert.equal($("calendars-save").disabled, false);
});

test("without the calendar-list scope: the reason, no choosing, and Allow asks Google then reloads with the new token", async () => {
  const client = fakeClient({ calendars: [PRIMARY], choosing: NO_SCOPE });
  const { part, sent, $, items } = page(client);
  await part.load();
  assert.equal($("calendars-choose").textContent, NO_SCOPE.message);
  assert.equal($("calendars-save").hidden, true);
  assert.equal($("calendars-allow").hidden, false);
  assert.ok(items()[0].querySelector("input").disabled);
  client.choosing = OPEN;
  $("calendars-allow").click();
  await settle();
  assert.deepEqual(sent, [{ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true, scopes: EXTRA_SCOPES.calendarList }]);
  assert.deepEqual(client.calls.at(-1), ["calendars", "wider"]);
  assert.equal($("calendars-allow").hidden, true);
  assert.equal($("calendars-save").hidden, false);
  assert.equal($("calendars-choose").hidden, true);
  assert.equal(items()[0].querySelector("input").disabled, false);
});

test("Allow is not offered without a Google account to widen; a refusal from Google is said", async () => {
  const client = fakeClient({ calendars: [PRIMARY], choosing: NO_SCOPE });
  const dev = page(client, { canGrant: false });
  await dev.part.load();
  assert.equal(dev.$("calendars-allow").hidden, true);
  const noToken = page(fakeClient({ choosing: { ...NO_SCOPE, error: "google_token_required" } }));
  await noToken.part.load();
  assert.equal(noToken.$("calendars-allow").hidden, false);
  const down = page(fakeClient({ choosing: { ...NO_SCOPE, error: "google_unavailable", message: "Google Calendar did not answer." } }));
  await down.part.load();
  assert.equal(down.$("calendars-allow").hidden, true);
  assert.equal(down.$("calendars-choose").textContent, "Google Calendar did not answer.");
  const refused = page(client, { grant: { ok: false } });
  await refused.part.load();
  await refused.part.allow();
  assert.match(refused.$("calendars-state").textContent, /Google did not allow/);
  assert.equal(refused.$("calendars-allow").hidden, false);
});

test("a failed load is said with Try again; no calendars is said", async () => {
  const client = fakeClient({ fail: { calendars: new BackendError("unreachable", "Cannot reach the Threadbook backend.") } });
  const { part, $ } = page(client);
  await part.load();
  assert.equal($("calendars-state").textContent, "Your calendars could not be loaded: Cannot reach the Threadbook backend.");
  assert.equal($("calendars-retry").hidden, false);
  const empty = page(fakeClient({ calendars: [] }));
  await empty.part.load();
  assert.equal(empty.$("calendars-state").textContent, "No calendars yet.");
  assert.equal(empty.$("calendars-save").hidden, true);
});

test("the notifications switch shows and saves notifications_enabled; a failure puts it back", async () => {
  const client = fakeClient({ notifications: true });
  const { part, $ } = page(client);
  await part.load();
  const box = $("notify-switch");
  assert.equal(box.checked, true);
  assert.equal(box.disabled, false);
  assert.equal(box.closest("label").textContent.trim(), "Notify me when a contact or lead writes");
  box.checked = false;
  box.dispatchEvent(new box.ownerDocument.defaultView.Event("change"));
  await settle();
  assert.deepEqual(client.calls.at(-1), ["updateMe", { notifications_enabled: false }]);
  assert.equal($("notify-state").textContent, "Saved: no notifications.");
  const failing = fakeClient({ notifications: false, fail: { updateMe: new BackendError("server", "The backend answered 500.") } });
  const other = page(failing);
  await other.part.load();
  await other.part.setNotify(true);
  assert.equal(other.$("notify-switch").checked, false);
  assert.equal(other.$("notify-state").textContent, "Not saved: The backend answered 500.");
});

test("the notification setting that cannot be loaded stays disabled, with the reason", async () => {
  const client = fakeClient({ fail: { me: new BackendError("server", "Down.") } });
  const { part, $ } = page(client);
  await part.load();
  assert.equal($("notify-switch").disabled, true);
  assert.equal($("notify-state").textContent, "Your notification setting could not be loaded: Down.");
});
