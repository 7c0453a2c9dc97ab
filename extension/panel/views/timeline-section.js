/**
 * A card's *Timeline*: mail, notes and meetings of the contact or lead,
 * newest first, a page at a time (*Show more*); *Unlog* on the user's own
 * mail after a confirm step. Also `confirmButton`, that confirm step.
 *
 * Subjects, senders and notes come from email and colleagues: text only
 * (textContent), never HTML. Long subjects are cut with an ellipsis and
 * carried whole in `title`.
 */

import { el } from "./form-kit.js";
import { formatDateTime, visibilityLabel } from "./format.js";

const boxes = new WeakMap(); // timeline element -> its state
let made = 0;

const button = (doc, text, props = {}) => el(doc, "button", { type: "button", text, ...props });

/**
 * A button `label` (accessible name `name`) that first asks `question` with
 * `confirm` and *Cancel*; `run()` resolves `{ok, message}`, shown on failure.
 */
export function confirmButton(doc, { label, name, question, confirm, run }) {
  const box = el(doc, "span", { className: "confirm" });
  const open = button(doc, label, { className: "link", attrs: { "aria-label": name, "aria-expanded": "false" } });
  const yes = button(doc, confirm, { className: "danger" });
  const no = button(doc, "Cancel");
  const error = el(doc, "span", { className: "error", hidden: true, attrs: { role: "alert" } });
  const ask = el(doc, "span", { className: "confirm-ask", hidden: true, attrs: { role: "group", "aria-label": question } });
  ask.append(el(doc, "span", { text: question }), yes, no, error);
  const toggle = (asking) => {
    ask.hidden = !asking;
    open.setAttribute("aria-expanded", String(asking));
    (asking ? yes : open).focus();
  };
  open.addEventListener("click", () => toggle(true));
  no.addEventListener("click", () => toggle(false));
  ask.addEventListener("keydown", (event) => {
    if (event.key === "Escape") toggle(false);
  });
  yes.addEventListener("click", async () => {
    yes.disabled = no.disabled = true;
    error.hidden = true;
    const result = await run().catch((thrown) => ({ ok: false, message: String(thrown?.message || thrown) }));
    yes.disabled = no.disabled = false;
    if (!result.ok) {
      error.textContent = result.message || "That did not work; try again.";
      error.hidden = false;
    }
  });
  box.append(open, ask);
  return box;
}

/** *Unlog* for the email `subject`, with its confirm step. */
export const unlogButton = (doc, subject, run) =>
  confirmButton(doc, {
    label: "Unlog",
    name: `Unlog “${subject || "(no subject)"}”`,
    question: "Remove this email from Threadbook? Contacts, notes and colleagues' copies stay.",
    confirm: "Unlog",
    run,
  });

/** "Ada Lovelace <ada@acme.example>". */
const who = (person) =>
  person?.name && person?.email && person.name !== person.email ? `${person.name} <${person.email}>` : person?.name || person?.email || "";

/** A subject line cut to one line, whole in `title`. */
function subjectLine(doc, text) {
  return el(doc, "div", { className: "cut", text, title: text });
}

/** One timeline item as a list entry; `unlog(email)` for mail the user may unlog. */
export function timelineItem(doc, item, unlog) {
  const li = el(doc, "li", { className: "tl-item", dataset: { kind: String(item.kind) } });
  const line = (...parts) => el(doc, "div", { className: "detail", text: parts.filter(Boolean).join(" · ") });
  if (item.kind === "email" && item.email) {
    const email = item.email;
    const subject = email.subject || "(no subject)";
    li.dataset.emailId = String(email.id);
    const logger = who(email.logged_by);
    const level = visibilityLabel(email.visibility);
    li.append(
      subjectLine(doc, subject),
      line(who(email.from), formatDateTime(email.date)),
      line(logger && `Logged by ${logger}`, level && `Who sees it: ${level}`),
    );
    if (email.can_unlog) li.append(unlogButton(doc, subject, () => unlog(email)));
  } else if (item.kind === "note" && item.note) {
    const note = item.note;
    li.append(line("Note", who(note.author), formatDateTime(note.created_at)), el(doc, "div", { className: "tl-body", text: note.body || "" }));
  } else if (item.kind === "meeting" && item.meeting) {
    const meeting = item.meeting;
    li.append(subjectLine(doc, `Meeting: ${meeting.title || "(no title)"}`), line(formatDateTime(meeting.start), meeting.location));
  } else {
    return null;
  }
  return li;
}

/** `{kind, id}` of a contact's or lead's timeline, or null. */
export function timelineTarget(participant) {
  const id = participant.record?.id;
  return (participant.kind === "contact" || participant.kind === "lead") && Number.isInteger(id) ? { kind: participant.kind, id } : null;
}

function createTimeline(doc, target, name, actions) {
  const id = `timeline-${++made}`;
  const box = el(doc, "div", { className: "section timeline", dataset: { field: "timeline", key: `${target.kind}:${target.id}` } });
  const toggle = button(doc, "Timeline", { className: "link", attrs: { "aria-expanded": "false", "aria-controls": id, "aria-label": `Timeline of ${name}` } });
  const body = el(doc, "div", { id, hidden: true });
  const list = el(doc, "ul", { className: "tl-list", tabIndex: -1, attrs: { "aria-label": `Timeline of ${name}` } });
  const note = el(doc, "p", { className: "muted", attrs: { role: "status" } });
  const error = el(doc, "p", { className: "error", hidden: true, attrs: { role: "alert" } });
  const retry = button(doc, "Try again", { hidden: true });
  const more = button(doc, "Show more", { hidden: true });
  body.append(list, note, error, retry, more);
  box.append(toggle, body);

  const state = { open: false, busy: false, page: 0, items: [], hasMore: false, error: "", seq: 0, want: 1, participant: null };
  let painted = null; // the items on screen (rows are rebuilt only when they change, so an open confirm stays)
  const unlog = async (email) => {
    const result = await actions.unlogEmail(email.id, email.subject);
    if (result.ok) toggle.focus(); // its row is gone
    return result;
  };

  function paint() {
    body.hidden = !state.open;
    toggle.setAttribute("aria-expanded", String(state.open));
    body.setAttribute("aria-busy", String(state.busy));
    if (painted !== state.items) list.replaceChildren(...state.items.map((item) => timelineItem(doc, item, unlog)).filter(Boolean));
    painted = state.items;
    note.textContent = state.busy ? "Loading…" : state.error || state.items.length ? "" : "Nothing logged yet.";
    error.textContent = state.error;
    error.hidden = retry.hidden = !state.error || state.busy;
    more.hidden = !state.hasMore || state.busy || Boolean(state.error);
  }

  async function load(page) {
    const mine = ++state.seq;
    state.busy = true;
    state.want = page;
    paint();
    const answer = await actions.loadTimeline(target, page);
    if (mine !== state.seq) return;
    state.busy = false;
    state.error = answer.ok ? "" : `Could not load the timeline: ${answer.message}`;
    if (answer.ok) {
      state.items = page === 1 ? answer.items : [...state.items, ...answer.items];
      state.page = page;
      state.hasMore = answer.hasMore;
    }
    paint();
  }

  toggle.addEventListener("click", () => {
    state.open = !state.open;
    if (state.open) load(1);
    else paint();
  });
  retry.addEventListener("click", () => load(state.want));
  more.addEventListener("click", async () => {
    await load(state.page + 1);
    if (more.hidden) list.focus(); // the button is gone: stay in the list
  });
  boxes.set(box, { state, load });
  return box;
}

/**
 * Give `card` the timeline of `participant`'s record (kept across refreshes;
 * open, it reloads from the first page when the conversation is looked up again).
 * `actions` has `loadTimeline(target, page)` and `unlogEmail(id, subject)` (log-actions.js).
 */
export function renderTimeline(doc, card, participant, actions, name) {
  const target = timelineTarget(participant);
  let box = card.querySelector('[data-field="timeline"]');
  if (box && box.dataset.key !== (target ? `${target.kind}:${target.id}` : "")) {
    box.remove();
    box = null;
  }
  if (!target) return;
  if (!box) {
    box = createTimeline(doc, target, name, actions);
    card.querySelector('[data-field="actions"]').before(box);
  }
  const { state, load } = boxes.get(box);
  if (state.open && state.participant && state.participant !== participant) load(1);
  state.participant = participant;
}
