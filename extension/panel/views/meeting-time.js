/**
 * Meeting times (pure): the form's local date and time to RFC 3339, and back to short text.
 *
 * The form works in the browser's time zone; the backend takes RFC 3339 with
 * an offset (and answers in UTC), so each time is sent with its own local
 * offset (daylight saving included).
 */

const pad = (n) => String(Math.trunc(Math.abs(n))).padStart(2, "0");

/** `date` as RFC 3339 in the local time zone: "2026-03-02T10:00:00+01:00". */
export function toRfc3339(date) {
  const offset = -date.getTimezoneOffset();
  const zone = offset === 0 ? "Z" : `${offset > 0 ? "+" : "-"}${pad(offset / 60)}:${pad(offset % 60)}`;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${zone}`
  );
}

/**
 * The local Date for a date input ("2026-03-02") and a time input ("10:00"), or null when either is missing or invalid.
 */
export function localDate(day, time) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day || "").trim());
  const t = /^(\d{1,2}):(\d{2})/.exec(String(time || "").trim());
  if (!d || !t) return null;
  const date = new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]), 0, 0);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** `{start, end}` in RFC 3339 for the form's day, time and duration in minutes, or null. */
export function meetingSpan(day, time, minutes) {
  const start = localDate(day, time);
  const length = Number(minutes);
  if (!start || !Number.isFinite(length)) return null;
  const end = new Date(start.getTime() + length * 60_000);
  return { start: toRfc3339(start), end: toRfc3339(end) };
}

/** The value for a date input ("2026-03-02") and a time input ("10:00") for `date`, local. */
export function inputValues(date) {
  return { day: `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`, time: `${pad(date.getHours())}:${pad(date.getMinutes())}` };
}

/**
 * A sensible default start: the next whole hour from `now`, at least 15 minutes away, within working
 * hours (a start from 09:00 to 16:00, Monday to Friday, local time): at 01:00 it is 09:00, on Friday evening Monday 09:00.
 */
export function nextSlot(now = new Date()) {
  const slot = new Date(now.getTime() + 15 * 60_000);
  slot.setMinutes(0, 0, 0);
  slot.setHours(slot.getHours() + 1);
  if (slot.getHours() > 16) slot.setDate(slot.getDate() + 1);
  if (slot.getHours() > 16 || slot.getHours() < 9 || slot.getDay() % 6 === 0) slot.setHours(9);
  while (slot.getDay() % 6 === 0) slot.setDate(slot.getDate() + 1); // Sunday 0, Saturday 6
  return slot;
}

const clock = (date) => `${pad(date.getHours())}:${pad(date.getMinutes())}`;
const sameDay = (a, b) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
const dayText = (date) => new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" }).format(date);

/** "10:00–10:30" for a span on one day; the days too when it spans several. */
export function timeRange(start, end) {
  const a = new Date(start);
  const b = new Date(end);
  if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime())) return "";
  return sameDay(a, b) ? `${clock(a)}–${clock(b)}` : `${dayText(a)} ${clock(a)}–${dayText(b)} ${clock(b)}`;
}

/** "Mon, 2 Mar 10:00–10:30": when a meeting is, in the local time zone. */
export function meetingWhen(start, end) {
  const a = new Date(start);
  if (Number.isNaN(a.getTime())) return "";
  const range = timeRange(start, end);
  return sameDay(a, new Date(end)) ? `${dayText(a)} ${range}` : range;
}

/** One busy time as text: "Pipeline review 10:00–10:30", or "Busy in Google Calendar 10:00–10:30". */
export function conflictLine(busy) {
  const what = busy.title || (busy.source === "google" ? "Busy in Google Calendar" : "Busy");
  return `${what} ${timeRange(busy.start, busy.end)}`.trim();
}
