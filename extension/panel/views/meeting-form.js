/**
 * The card's "Schedule meeting" form: title, day, start, duration, location, description.
 *
 * Times are the user's local time. Changing the time checks conflicts (after a
 * short pause) and lists them as text; "Check & book" books unless the backend
 * finds a conflict, which is then listed with a "Book anyway" button (sends
 * `allow_conflict: true`). A refused booking keeps the form and its values.
 * When the check could not see Google Calendar for lack of access, "Also
 * check and add to Google Calendar" asks Google for it and checks again.
 */

import { busy, chosen, el, formKeys, heading, labelled, messages, select } from "./form-kit.js";
import { conflictLine, inputValues, meetingSpan, nextSlot } from "./meeting-time.js";

export const DURATIONS = [
  ["30", "30 min"],
  ["45", "45 min"],
  ["60", "60 min"],
];
const CHECK_DELAY_MS = 400;

/** "Overlaps: Pipeline review 10:00–10:30; Busy in Google Calendar 11:00–12:00". */
export function conflictsText(conflicts) {
  return conflicts.length ? `Overlaps: ${conflicts.map(conflictLine).join("; ")}` : "";
}

/**
 * Open the form in `slot` (replacing any form there) for `person` (`{name, target}`,
 * target `{contact_id}` or `{lead_id}`).
 *
 * `actions.checkConflicts({start, end})`, `actions.scheduleMeeting(meeting)` and
 * `actions.allowGoogle("calendar")` as in card-actions.js; `onClose()` runs after Cancel or a booking.
 */
export function openMeetingForm(doc, slot, person, { actions, onClose = () => {}, now = new Date(), checkDelayMs = CHECK_DELAY_MS }) {
  const start = inputValues(nextSlot(now));
  const form = el(doc, "form", { className: "form meeting-form", noValidate: true, dataset: { form: "meeting" } });
  const title = el(doc, "input", { name: "title", autocomplete: "off", value: `Meeting with ${person.name}` });
  const day = el(doc, "input", { name: "date", type: "date", value: start.day });
  const time = el(doc, "input", { name: "time", type: "time", value: start.time, step: 300 });
  const duration = select(doc, "duration", DURATIONS, "30");
  const location = el(doc, "input", { name: "location", autocomplete: "off" });
  const description = el(doc, "textarea", { name: "description", rows: 2 });
  const conflicts = el(doc, "p", { className: "conflicts", hidden: true, attrs: { role: "status" }, dataset: { field: "conflicts" } });
  const message = messages(doc);
  const book = el(doc, "button", { type: "submit", className: "primary", text: "Check & book" });
  const anyway = el(doc, "button", { type: "button", text: "Book anyway", hidden: true, dataset: { action: "book-anyway" } });
  const allowCalendar = el(doc, "button", {
    type: "button",
    text: "Also check and add to Google Calendar",
    hidden: true,
    dataset: { action: "allow-calendar" },
  });
  const cancel = el(doc, "button", { type: "button", text: "Cancel", dataset: { action: "cancel" } });
  const actionsRow = el(doc, "div", { className: "form-actions" });
  actionsRow.append(book, anyway, allowCalendar, cancel);
  form.append(
    heading(doc, `Schedule a meeting with ${person.name}`),
    labelled(doc, "Title", title),
    labelled(doc, "Date", day),
    labelled(doc, "Start", time),
    labelled(doc, "Duration", duration),
    labelled(doc, "Location (optional)", location),
    labelled(doc, "Description (optional)", description),
    conflicts,
    ...message.nodes,
    actionsRow,
  );

  let checkTimer = 0;
  let checks = 0;
  let closed = false;

  const span = () => meetingSpan(day.value, time.value, chosen(duration));

  function showConflicts(list, note = "") {
    const text = conflictsText(list);
    conflicts.textContent = text || note;
    conflicts.hidden = !conflicts.textContent;
    conflicts.classList.toggle("error", Boolean(text));
    anyway.hidden = !list.length;
  }

  async function check() {
    const asked = span();
    const mine = ++checks;
    if (!asked) return;
    showConflicts([], "Checking for conflicts…");
    const answer = await actions.checkConflicts(asked);
    if (closed || mine !== checks) return; // the time changed meanwhile
    if (!answer?.ok) return showConflicts([], `Conflicts could not be checked: ${answer?.message || "try again."}`);
    allowCalendar.hidden = answer.grant !== "calendar";
    const unchecked = answer.googleChecked ? "" : " (Google Calendar not checked)";
    showConflicts(answer.conflicts, answer.conflicts.length ? "" : `No conflicts with your meetings${unchecked}.`);
  }

  function timeChanged() {
    checks++; // an answer about the old time no longer counts
    showConflicts([]);
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, checkDelayMs);
  }
  for (const input of [day, time, duration]) {
    input.addEventListener("input", timeChanged);
    input.addEventListener("change", timeChanged);
  }

  function close() {
    closed = true;
    clearTimeout(checkTimer);
    form.remove();
    onClose();
  }

  async function submit(allowConflict) {
    message.clear();
    const asked = span();
    if (!asked) {
      message.show({ message: "Pick a date and a start time." });
      return;
    }
    const meeting = {
      title: title.value.trim(),
      start: asked.start,
      end: asked.end,
      ...person.target,
      allow_conflict: allowConflict,
    };
    if (location.value.trim()) meeting.location = location.value.trim();
    if (description.value.trim()) meeting.description = description.value;
    checks++; // a pending check is superseded by the booking's answer
    const result = await busy(form, () => actions.scheduleMeeting(meeting));
    if (closed) return;
    if (result?.ok) return close();
    if (result?.conflict) {
      showConflicts(result.conflicts || []);
      if (!result.conflicts?.length) message.show(result);
      anyway.focus();
      return;
    }
    message.show(result || {});
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(false);
  });
  anyway.addEventListener("click", () => submit(true));
  allowCalendar.addEventListener("click", async () => {
    message.clear();
    const result = await busy(form, () => actions.allowGoogle("calendar"));
    if (closed) return;
    if (!result?.ok) return message.show(result || {});
    allowCalendar.hidden = true;
    clearTimeout(checkTimer);
    await check(); // again, now with Google Calendar
  });
  cancel.addEventListener("click", close);
  formKeys(form, close);
  slot.replaceChildren(form);
  title.focus();
  checkTimer = setTimeout(check, checkDelayMs);
  return form;
}
