/**
 * The Account screen's "Sync schedule" part: how often mail, calendar, contacts and tasks sync for you, "Sync now" for each, and
 * whether meetings you book go to Google Calendar (the calendar direction).
 *
 * Loaded with `import()` when the Account screen opens (the side panel's first load stays small). It builds its own
 * section after the Mail sync part, reads `GET /api/v1/me/sync-schedule`, saves each choice when it changes
 * (`PUT`, one field) and queues a run with `POST /api/v1/me/sync`. Text only: everything from the backend goes in
 * with textContent.
 */

import { choose, chosen, el } from "./views/form-kit.js";

export const KINDS = [
  ["mail", "Mail"],
  ["calendar", "Calendar"],
  ["contacts", "Contacts"],
  ["tasks", "Tasks"],
];
export const SCHEDULES = [
  ["10m", "Every 10 minutes"],
  ["30m", "Every 30 minutes"],
  ["2h", "Every 2 hours"],
  ["manual", "Only when I click Sync now"],
];
export const DIRECTIONS = [
  ["two_way", "Two-way: meetings I book go to Google Calendar"],
  ["one_way", "One-way: Google Calendar into Threadbook only"],
];

const words = (pairs, value) => pairs.find(([v]) => v === value)?.[1] || value;
const lowerFirst = (text) => text.charAt(0).toLowerCase() + text.slice(1);

/** A select's options: the organisation's default first (value ""), then every choice (pure). */
export function optionsFor(pairs, orgDefault) {
  return [["", `Organisation default (${lowerFirst(words(pairs, orgDefault))})`], ...pairs];
}

/** One kind's state in words: when it last ran, and whether a "Sync now" waits (pure). */
export function runText(entry, formatTime = (v) => new Date(v).toLocaleString()) {
  const last = entry?.last_run_at ? `Last run ${formatTime(entry.last_run_at)}` : "Not run yet";
  return entry?.sync_queued ? `${last}; a sync is queued` : last;
}

function selectOf(doc, name, label, options, value) {
  const select = el(doc, "select", { name });
  select.setAttribute("aria-label", label);
  select.append(...options.map(([v, text]) => el(doc, "option", { value: v, text })));
  choose(select, value ?? "");
  return select;
}

/** Build the part once (after the Mail sync part) and return it. */
function partOf(doc) {
  const existing = doc.getElementById("sync-schedule-part");
  if (existing) return existing;
  const part = el(doc, "section", { id: "sync-schedule-part", className: "account-part" });
  part.setAttribute("aria-labelledby", "sync-schedule-title");
  part.append(
    el(doc, "h3", { id: "sync-schedule-title", text: "Sync schedule" }),
    el(doc, "p", { className: "muted", text: "How often Threadbook syncs each of these for you. Sync now runs one at once, whatever its schedule." }),
    el(doc, "p", { className: "status", attrs: { role: "status", "aria-live": "polite" }, dataset: { note: "" }, hidden: true }),
    // The calendar list's look (one wrapping line per row, no bullets) suits these rows too: no new CSS in the panel's first load.
    el(doc, "ul", { className: "calendar-list sync-schedules" }),
  );
  const mailPart = doc.querySelector('[data-screen="account"] .account-part');
  if (mailPart) mailPart.after(part);
  else doc.querySelector('[data-screen="account"]').append(part);
  return part;
}

/** Show (or refresh) the part for the client `getClient()` answers; resolves once loaded. */
export async function showSyncSchedule(doc, getClient, { formatTime } = {}) {
  const part = partOf(doc);
  const note = part.querySelector("[data-note]");
  const list = part.querySelector("ul");
  const say = (text, error = false) => {
    note.textContent = text || "";
    note.hidden = !text;
    note.classList.toggle("error", error);
  };
  const client = getClient();
  if (!client) return say("Sign in to see your sync schedule.");

  async function act(work, done) {
    part.setAttribute("aria-busy", "true");
    try {
      const answer = await work();
      say(typeof done === "function" ? done(answer) : done);
      return answer;
    } catch (error) {
      say(error?.message || String(error), true);
      return null;
    } finally {
      part.setAttribute("aria-busy", "false");
    }
  }

  function render(answer) {
    // Locked by an administrator: the selects show what applies, and cannot change; Sync now stays.
    const locked = Boolean(answer.locked);
    const lockNote = el(doc, "li", { className: "muted", text: "Your administrator set these for everyone.", hidden: !locked });
    const rows = KINDS.map(([kind, label]) => {
      const entry = answer.schedules?.[kind] || {};
      const select = selectOf(doc, `${kind}_schedule`, `${label} sync schedule`, optionsFor(SCHEDULES, entry.org_default), locked ? "" : entry.choice);
      select.disabled = locked;
      select.addEventListener("change", () =>
        save({ [`${kind}_schedule`]: chosen(select) || null }, `${label}: ${words(SCHEDULES, chosen(select) || entry.org_default)}.`),
      );
      const now = el(doc, "button", { type: "button", text: "Sync now", dataset: { syncNow: kind } });
      now.setAttribute("aria-label", `Sync ${label.toLowerCase()} now`);
      now.addEventListener("click", () => syncNow(kind, label));
      const row = el(doc, "li", { dataset: { kind } });
      row.append(el(doc, "strong", { text: label }), " ", select, " ", now, el(doc, "span", { className: "muted detail", text: runText(entry, formatTime) }));
      return row;
    });
    const direction = answer.calendar_direction || {};
    const pick = selectOf(doc, "calendar_direction", "Calendar direction", optionsFor(DIRECTIONS, direction.org_default), locked ? "" : direction.choice);
    pick.disabled = locked;
    pick.addEventListener("change", () => save({ calendar_direction: chosen(pick) || null }, "Calendar direction saved."));
    const row = el(doc, "li", { dataset: { kind: "calendar-direction" } });
    row.append(el(doc, "strong", { text: "Calendar direction" }), " ", pick);
    list.replaceChildren(lockNote, ...rows, row);
  }

  async function load() {
    const answer = await act(() => client.request("GET", "/api/v1/me/sync-schedule"), "");
    if (answer) render(answer);
  }

  async function save(fields, done) {
    const answer = await act(() => client.request("PUT", "/api/v1/me/sync-schedule", { body: fields }), done);
    if (answer) render(answer);
  }

  async function syncNow(kind, label) {
    const queued = await act(
      () => client.request("POST", "/api/v1/me/sync", { body: { kind } }),
      (answer) => (answer?.already_queued ? `${label} sync is already queued.` : `${label} sync queued.`),
    );
    if (queued) {
      const answer = await client.request("GET", "/api/v1/me/sync-schedule").catch(() => null);
      if (answer) render(answer);
    }
  }

  await load();
}
