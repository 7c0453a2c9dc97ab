/**
 * A card's *Timeline* (a `<details>`): the contact's or lead's mail, notes
 * and meetings, newest first, a page at a time (*Show more*), *Unlog* on
 * mail the user may unlog. Also `twoStep`, the confirm step of such buttons.
 *
 * Subjects, senders and notes come from email and colleagues: text only
 * (textContent), never HTML. Long subjects are cut with an ellipsis and
 * carried whole in `title`.
 */

import { el } from "./form-kit.js";
import { formatDateTime, visibilityLabel } from "./format.js";

const boxes = new WeakMap(); // timeline element -> {state, load}

/**
 * A button `label` (accessible name `name`) that asks first: pressed once it
 * reads `confirm` until pressed again (`run()`), Escape or leaving it.
 */
export function twoStep(doc, { label, name, confirm, run }) {
  const button = el(doc, "button", { type: "button", className: "link", text: label, attrs: { "aria-label": name } });
  const arm = (armed) => {
    button.textContent = armed ? confirm : label;
    button.setAttribute("aria-label", armed ? `${confirm}: ${name}` : name);
    button.classList.toggle("danger", armed);
  };
  button.addEventListener("click", async () => {
    if (button.textContent === label) return arm(true);
    button.disabled = true;
    await run();
    button.disabled = false;
    arm(false);
  });
  button.addEventListener("blur", () => arm(false));
  button.addEventListener("keydown", (event) => event.key === "Escape" && arm(false));
  return button;
}

/** *Unlog* for the email `subject`; `run()` after the confirm step. */
export const unlogButton = (doc, subject, run) => twoStep(doc, { label: "Unlog", name: `Unlog “${subject || "(no subject)"}”`, confirm: "Unlog: sure?", run });

/** "Ada Lovelace <ada@acme.example>". */
const who = (p) => (p?.name && p.email && p.name !== p.email ? `${p.name} <${p.email}>` : p?.name || p?.email || "");

/** One timeline item as a list entry, or null for a kind it does not know; `unlog(email)` after *Unlog*. */
export function timelineItem(doc, item, unlog) {
  const line = (...parts) => el(doc, "div", { className: "detail", text: parts.filter(Boolean).join(" · ") });
  const cut = (text) => el(doc, "div", { className: "cut", text, title: text });
  const { email, note, meeting } = item;
  const li = el(doc, "li", { className: "tl-item" });
  if (item.kind === "email" && email) {
    const subject = email.subject || "(no subject)";
    const logger = who(email.logged_by);
    const level = visibilityLabel(email.visibility);
    li.append(cut(subject), line(who(email.from), formatDateTime(email.date)), line(logger && `Logged by ${logger}`, level && `Who sees it: ${level}`));
    if (email.can_unlog) li.append(unlogButton(doc, subject, () => unlog(email)));
  } else if (item.kind === "note" && note) {
    li.append(line("Note", who(note.author), formatDateTime(note.created_at)), el(doc, "div", { className: "tl-body", text: note.body || "" }));
  } else if (item.kind === "meeting" && meeting) {
    li.append(cut(`Meeting: ${meeting.title || "(no title)"}`), line(formatDateTime(meeting.start), meeting.location));
  } else {
    return null;
  }
  return li;
}

function createTimeline(doc, target, name, actions) {
  const box = el(doc, "details", { className: "timeline", dataset: { field: "timeline", key: target.key } });
  const list = el(doc, "ul", { className: "tl-list" });
  const note = el(doc, "p", { className: "muted", attrs: { role: "status" } });
  const more = el(doc, "button", { type: "button", hidden: true });
  const summary = el(doc, "summary", { text: "Timeline", attrs: { "aria-label": `Timeline of ${name}` } });
  box.append(summary, list, note, more);
  const state = { items: [], page: 0, want: 1, seq: 0, participant: null };
  // A row or button that goes away leaves the focus on the summary.
  const unlog = async (email) => (await actions.unlogEmail(email.id, email.subject)) && summary.focus();

  async function load(page) {
    const mine = ++state.seq;
    state.want = page;
    box.setAttribute("aria-busy", "true");
    note.textContent = "Loading…";
    more.hidden = true;
    const answer = await actions.loadTimeline(target, page);
    if (mine !== state.seq) return;
    box.removeAttribute("aria-busy");
    if (answer.ok) {
      state.items = page === 1 ? answer.items : [...state.items, ...answer.items];
      state.page = page;
      list.replaceChildren(...state.items.map((item) => timelineItem(doc, item, unlog)).filter(Boolean));
    }
    note.className = answer.ok ? "muted" : "error";
    note.textContent = answer.ok ? (state.items.length ? "" : "Nothing logged yet.") : `Could not load the timeline: ${answer.message}`;
    more.textContent = answer.ok ? "Show more" : "Try again";
    more.hidden = answer.ok && !answer.hasMore;
  }

  box.addEventListener("toggle", () => box.hasAttribute("open") && load(1));
  more.addEventListener("click", async () => {
    await load(more.textContent === "Try again" ? state.want : state.page + 1);
    if (more.hidden) summary.focus();
  });
  boxes.set(box, { state, load });
  return box;
}

/**
 * Give `card` the timeline of `participant`'s contact or lead (kept across
 * refreshes; open, it reloads when the conversation is looked up again).
 * `actions` has `loadTimeline(target, page)` and `unlogEmail(id, subject)` (log-actions.js).
 */
export function renderTimeline(doc, card, participant, actions, name) {
  const { kind, record } = participant;
  const target = (kind === "contact" || kind === "lead") && Number.isInteger(record?.id) ? { kind, id: record.id, key: `${kind}:${record.id}` } : null;
  let box = card.querySelector('[data-field="timeline"]');
  if (box && box.dataset.key !== target?.key) {
    box.remove();
    box = null;
  }
  if (!target) return;
  if (!box) card.querySelector('[data-field="actions"]').before((box = createTimeline(doc, target, name, actions)));
  const { state, load } = boxes.get(box);
  if (box.hasAttribute("open") && state.participant && state.participant !== participant) load(1);
  state.participant = participant;
}
