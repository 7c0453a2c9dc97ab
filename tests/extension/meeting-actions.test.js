// "Schedule meeting" on a contact card: conflicts as text, "Book anyway", booking, refusals kept in the form.
import { test } from "node:test";
import assert from "node:assert/strict";
import { conflictLine, meetingSpan, toRfc3339 } from "../../extension/panel/views/meeting-time.js";
import { coversCalendar } from "../../extension/panel/card-actions.js";
import { EVIL, lookupAnswer, openPanel, until } from "./card-actions-helpers.js";

const at = (h, m = 0) => new Date(2030, 0, 15, h, m); // local time, as the form works
const iso = (date) => date.toISOString().replace(/\.000Z$/, "Z"); // the backend answers in UTC
const busy = (title, from, to, source = "threadbook") => ({ start: iso(from), end: iso(to), source, meeting_id: source === "google" ? null : 3, title });
const CALENDAR_SCOPE = "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/calendar";

function fill(form, { title, day = "2030-01-15", time = "10:00", minutes = "30", location } = {}) {
  if (title !== undefined) form.querySelector('[name="title"]').value = title;
  form.querySelector('[name="date"]').value = day;
  form.querySelector('[name="time"]').value = time;
  form.querySelector(`[name="duration"] option[value="${minutes}"]`).selected = true;
  if (location !== undefined) form.querySelector('[name="location"]').value = location;
}

function booked(request) {
  const m = request.body;
  return {
    status: 201,
    body: { meeting: { id: 9, title: m.title, start: m.start, end: m.end }, calendar: { pushed: true, reason: null }, conflicts: [], google_checked: true },
  };
}

test("times go out as RFC 3339 with the local offset and mean the instant picked", () => {
  const span = meetingSpan("2030-01-15", "10:00", "45");
  assert.match(span.start, /^2030-01-15T10:00:00(Z|[+-]\d\d:\d\d)$/);
  assert.equal(new Date(span.start).getTime(), at(10).getTime());
  assert.equal(new Date(span.end).getTime(), at(10, 45).getTime());
  assert.equal(toRfc3339(at(9, 5)), span.start.replace("10:00", "09:05"));
  assert.equal(meetingSpan("", "10:00", "30"), null);
  assert.equal(conflictLine(busy("Pipeline review", at(10), at(10, 30))), "Pipeline review 10:00–10:30");
  assert.equal(conflictLine(busy(null, at(11), at(12), "google")), "Busy in Google Calendar 11:00–12:00");
});

test("contacts and leads get Schedule meeting; the form is prefilled", async () => {
  const p = await openPanel({ "POST /api/v1/meetings/conflicts": () => ({ body: { conflicts: [], google_checked: false, reason: "no calendar" } }) });
  const form = await p.openForm("schedule-meeting");
  assert.equal(form.dataset.form, "meeting");
  assert.equal(form.querySelector('[name="title"]').value, "Meeting with Ada Lovelace");
  assert.match(form.querySelector('[name="date"]').value, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(form.querySelector('[name="time"]').value, /^\d{2}:00$/);
  const lead = await openPanel({}, { lookup: lookupAnswer("Lin Lead", "lead") });
  assert.ok(lead.card().querySelector('[data-action="schedule-meeting"]'));
  assert.ok(lead.card().querySelector('[data-action="compose-email"]'));
});

test("a conflict is listed as text; Book anyway sends allow_conflict; success closes the form and refreshes", async () => {
  const conflict = busy("Pipeline review", at(10), at(10, 30));
  const p = await openPanel({
    "POST /api/v1/meetings/conflicts": () => ({ body: { conflicts: [conflict], google_checked: true, reason: null } }),
    "POST /api/v1/meetings": (request) =>
      request.body.allow_conflict
        ? booked(request)
        : { status: 409, body: { error: "meeting_conflict", message: "You are busy then.", conflicts: [conflict], google_checked: true } },
  });
  const form = await p.openForm("schedule-meeting");
  fill(form, { location: "Room 4" });
  p.submit(form);
  await until(() => !form.querySelector('[data-action="book-anyway"]').hidden);
  assert.equal(form.querySelector('[data-field="conflicts"]').textContent, "Overlaps: Pipeline review 10:00–10:30");
  const first = p.calls("POST /api/v1/meetings")[0];
  assert.equal(first.body.allow_conflict, false);
  assert.equal(first.body.contact_id, 7);
  assert.equal(first.body.title, "Meeting with Ada Lovelace");
  assert.equal(first.body.location, "Room 4");
  assert.equal(new Date(first.body.start).getTime(), at(10).getTime());
  assert.equal(new Date(first.body.end).getTime(), at(10, 30).getTime());
  assert.ok(p.card().querySelector("form"), "the form stays open on a conflict");
  // Without calendar scopes the extension's Gmail token is not sent: the backend uses the connected mailbox.
  assert.equal(first.headers["X-Google-Access-Token"], undefined);

  const lookups = p.calls("POST /api/v1/lookup").length;
  p.click(form.querySelector('[data-action="book-anyway"]'));
  await until(() => !p.card().querySelector("form"));
  const second = p.calls("POST /api/v1/meetings")[1];
  assert.equal(second.body.allow_conflict, true);
  assert.match(p.status(), /^Meeting booked: Meeting with Ada Lovelace, .*10:00–10:30\.$/);
  assert.equal(p.calls("POST /api/v1/lookup").length, lookups + 1, "the cards are looked up again");
});

test("the conflict check runs when the time changes and sends the calendar token when its scopes allow", async () => {
  const p = await openPanel(
    {
      "POST /api/v1/meetings/conflicts": (request) => ({
        body: { conflicts: request.body.start.startsWith("2030-01-15T15") ? [busy(null, at(15), at(16), "google")] : [], google_checked: true, reason: null },
      }),
    },
    { scope: CALENDAR_SCOPE },
  );
  const form = await p.openForm("schedule-meeting");
  fill(form, { time: "15:00", minutes: "60" });
  form.querySelector('[name="time"]').dispatchEvent(new p.Event("change"));
  await until(() => form.querySelector('[data-field="conflicts"]').textContent.startsWith("Overlaps"));
  assert.equal(form.querySelector('[data-field="conflicts"]').textContent, "Overlaps: Busy in Google Calendar 15:00–16:00");
  assert.equal(form.querySelector('[data-action="book-anyway"]').hidden, false);
  const asked = p.calls("POST /api/v1/meetings/conflicts").at(-1);
  assert.equal(asked.headers["X-Google-Access-Token"], "ya29.first");
  assert.equal(new Date(asked.body.end).getTime(), at(16).getTime());
  fill(form, { time: "09:00" });
  form.querySelector('[name="time"]').dispatchEvent(new p.Event("change"));
  assert.equal(form.querySelector('[data-action="book-anyway"]').hidden, true, "a conflict about the old time is cleared at once");
  await until(() => form.querySelector('[data-field="conflicts"]').textContent.startsWith("No conflicts"));
});

const GRANTED_CALENDAR =
  "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy";
const calendarAnswer = (request) =>
  request.headers["X-Google-Access-Token"]
    ? { body: { conflicts: [busy(null, at(10), at(11), "google")], google_checked: true, reason: null } }
    : { body: { conflicts: [], google_checked: false, reason: "Google Calendar is not connected." } };

test("checked without Google Calendar: the form offers it, asks Google for the calendar scopes and checks again with the new token", async () => {
  const p = await openPanel(
    { "POST /api/v1/meetings/conflicts": calendarAnswer },
    { renew: (m) => (m.scopes ? { token: "ya29.calendar", expires_at: Date.now() + 3_600_000, scope: GRANTED_CALENDAR } : null) },
  );
  const form = await p.openForm("schedule-meeting");
  fill(form, { title: "Typed title" });
  const allow = form.querySelector('[data-action="allow-calendar"]');
  await until(() => !allow.hidden);
  assert.equal(allow.textContent, "Also check and add to Google Calendar");
  assert.equal(form.querySelector('[data-field="conflicts"]').textContent, "No conflicts with your meetings (Google Calendar not checked).");
  p.click(allow);
  await until(() => form.querySelector('[data-field="conflicts"]').textContent.startsWith("Overlaps"));
  assert.deepEqual(p.sent, [
    {
      type: "renew-google-access",
      interactive: true,
      scopes: ["https://www.googleapis.com/auth/calendar.events", "https://www.googleapis.com/auth/calendar.freebusy"],
    },
  ]);
  assert.equal(p.calls("POST /api/v1/meetings/conflicts").at(-1).headers["X-Google-Access-Token"], "ya29.calendar");
  assert.equal(form.querySelector('[data-field="conflicts"]').textContent, "Overlaps: Busy in Google Calendar 10:00–11:00");
  assert.equal(allow.hidden, true);
  assert.equal(form.querySelector('[name="title"]').value, "Typed title");
});

test("Google Calendar not allowed: a calm message, the form as typed, still checked against Threadbook", async () => {
  const p = await openPanel({ "POST /api/v1/meetings/conflicts": calendarAnswer }, { renew: () => null });
  const form = await p.openForm("schedule-meeting");
  fill(form, { title: "Typed title", location: "Room 4" });
  const allow = form.querySelector('[data-action="allow-calendar"]');
  await until(() => !allow.hidden);
  p.click(allow);
  await until(() => !form.querySelector('[data-field="form-error"]').hidden);
  assert.equal(
    form.querySelector('[data-field="form-error"]').textContent,
    "Google Calendar was not added; conflicts are checked against your Threadbook meetings only.",
  );
  assert.equal(form.querySelector('[name="title"]').value, "Typed title");
  assert.equal(form.querySelector('[name="location"]').value, "Room 4");
  assert.ok(p.calls("POST /api/v1/meetings/conflicts").every((c) => c.headers["X-Google-Access-Token"] === undefined));
});

test("the backend's 400 stays in the form with everything typed", async () => {
  const p = await openPanel({
    "POST /api/v1/meetings/conflicts": () => ({ body: { conflicts: [], google_checked: false, reason: null } }),
    "POST /api/v1/meetings": () => ({ status: 400, body: { error: "bad_request", message: "'title' is required.", field: "title" } }),
  });
  const form = await p.openForm("schedule-meeting");
  fill(form, { title: "", day: "2030-01-15", time: "11:30", minutes: "45", location: "Café" });
  form.querySelector('[name="description"]').value = "Agenda: renewal";
  p.submit(form);
  await until(() => !form.querySelector('[data-field="form-error"]').hidden);
  assert.equal(form.querySelector('[data-field="form-error"]').textContent, "'title' is required.");
  assert.equal(p.card().querySelector("form"), form, "the same form stays open");
  assert.equal(form.querySelector('[name="date"]').value, "2030-01-15");
  assert.equal(form.querySelector('[name="time"]').value, "11:30");
  assert.equal(form.querySelector('[name="location"]').value, "Café");
  assert.equal(form.querySelector('[name="description"]').value, "Agenda: renewal");
  assert.equal(form.querySelector('[name="duration"] option[value="45"]').selected, true);
  assert.equal(p.status(), "");
});

test("markup in a conflict's title and the contact's name is shown as text", async () => {
  const evilBusy = busy(`${EVIL}Standup`, at(10), at(10, 30));
  const p = await openPanel(
    {
      "POST /api/v1/meetings/conflicts": () => ({ body: { conflicts: [evilBusy], google_checked: true, reason: null } }),
      "POST /api/v1/meetings": () => ({ status: 409, body: { error: "meeting_conflict", message: "busy", conflicts: [evilBusy] } }),
    },
    { lookup: lookupAnswer(`${EVIL}Ada`) },
  );
  const form = await p.openForm("schedule-meeting");
  assert.equal(form.querySelector('[name="title"]').value, `Meeting with ${EVIL}Ada`);
  assert.equal(form.querySelector(".form-title").textContent, `Schedule a meeting with ${EVIL}Ada`);
  fill(form);
  p.submit(form);
  await until(() => !form.querySelector('[data-action="book-anyway"]').hidden);
  assert.equal(form.querySelector('[data-field="conflicts"]').textContent, `Overlaps: ${EVIL}Standup 10:00–10:30`);
  assert.equal(p.document.querySelectorAll("main img, main script").length, 0);
});

test("which Google scopes let the extension's token book in the calendar", () => {
  assert.equal(coversCalendar({ scope: "https://www.googleapis.com/auth/gmail.readonly" }), false);
  assert.equal(coversCalendar({ scope: "https://www.googleapis.com/auth/calendar" }), true);
  assert.equal(coversCalendar({ scope: "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy" }), true);
  assert.equal(coversCalendar({ scope: "https://www.googleapis.com/auth/calendar.events" }), false);
  assert.equal(coversCalendar(null), false);
});

test("the conflict check says it is checking, and says so when it could not check", async () => {
  let answer;
  const asked = new Promise((resolve) => (answer = resolve));
  const p = await openPanel({
    "POST /api/v1/meetings/conflicts": () => asked,
  });
  await p.openForm("schedule-meeting");
  const note = () => p.form().querySelector('[data-field="conflicts"]');
  await until(() => note().textContent === "Checking for conflicts…");
  assert.equal(note().hidden, false);
  answer({ status: 500, body: { error: "server_error", message: "The calendar is down." } });
  await until(() => note().textContent.startsWith("Conflicts could not be checked"));
  assert.equal(note().textContent, "Conflicts could not be checked: The calendar is down.");
});
