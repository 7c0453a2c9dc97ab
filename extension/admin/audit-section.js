/**
 * The audit log: filters (action, person, dates), newest first, "Show older" pages back with `before_id`.
 */

import { chosen, el } from "../panel/views/form-kit.js";
import { formatDateTime } from "../panel/views/format.js";
import { cut, fill, li, load, run } from "./section-kit.js";

export const PAGE_SIZE = 50;

/** Local midnight of a `yyyy-mm-dd` day, `plus` days later, as an instant. */
function dayStart(text, plus) {
  const [year, month, day] = text.split("-").map(Number);
  return new Date(year, month - 1, day + plus).toISOString();
}

/**
 * The query string of GET /api/v1/org/audit for the filters as typed: the dates are
 * the viewer's local days (`until` included), `beforeId` the page to go back from.
 */
export function auditQuery({ action = "", user_id = "", since = "", until = "" }, beforeId = null, limit = PAGE_SIZE) {
  const query = new URLSearchParams({ limit });
  if (action.trim()) query.set("action", action.trim());
  if (user_id) query.set("user_id", user_id);
  if (since) query.set("since", dayStart(since, 0));
  if (until) query.set("until", dayStart(until, 1));
  if (beforeId) query.set("before_id", beforeId);
  return query.toString();
}

/** An entry's detail as one line of text: "member_id: 4, old: member, new: admin". */
export const detailText = (detail) =>
  Object.entries(detail || {})
    .map(([name, value]) => `${name}: ${typeof value === "object" && value !== null ? JSON.stringify(value) : value}`)
    .join(", ");

export function auditSection(section, client) {
  const doc = section.ownerDocument;
  const form = section.querySelector("form");
  const list = section.querySelector("ul");
  const more = section.querySelector('[data-action="older"]');
  const people = form.querySelector('[name="user_id"]');
  const value = (name) => form.querySelector(`[name="${name}"]`).value;
  let filters = {};
  let next = null;

  const entryRow = (entry) =>
    li(
      doc,
      [
        el(doc, "time", { text: formatDateTime(entry.created_at), dateTime: entry.created_at }),
        el(doc, "code", { text: entry.action }),
        cut(doc, entry.user ? entry.user.name || entry.user.email : "—"),
        cut(doc, detailText(entry.detail), "muted"),
      ],
      { id: entry.id, action: entry.action },
    );

  function show(page, append = false) {
    if (append) list.append(...page.entries.map(entryRow));
    else fill(list, page.entries, entryRow, "No entries match these filters.");
    next = page.next_before_id;
    more.hidden = !next;
  }

  const search = () => load(section, () => client.audit(auditQuery(filters)), show);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    filters = { action: value("action"), user_id: chosen(people), since: value("since"), until: value("until") };
    search();
  });
  more.addEventListener("click", () => run(section, async () => show(await client.audit(auditQuery(filters, next)), true)));

  return {
    load: search,
    /** Offer each member in the "Person" filter (the choice made stays). */
    setPeople(members) {
      const kept = chosen(people);
      const option = (id, text) => Object.assign(doc.createElement("option"), { value: String(id), textContent: text, selected: String(id) === kept });
      people.replaceChildren(option("", "Anyone"), ...members.map((m) => option(m.id, m.name ? `${m.name} (${m.email})` : m.email)));
    },
  };
}
