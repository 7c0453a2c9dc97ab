/**
 * A card's *Timeline* (a `<details>`): the contact's or lead's mail, notes
 * and meetings, newest first, a page at a time (*Show more*), *Unlog* on
 * mail the user may unlog. Also `twoStep`, the confirm step of such buttons.
 *
 * Subjects, senders and notes come from email and colleagues: text only
 * (textContent), never HTML. Each line is cut to the panel's width where
 * long, and carried whole in `title`.
 */

import { el } from "./form-kit.js";
import { formatDateTime, noteLine, visibilityLabel } from "./format.js";

/**
 * A link-like button `label` that asks first: pressed once it reads `confirm`;
 * pressed again it awaits `run()`. Escape or leaving it takes the question back.
 * Its accessible name is its text and `what` (e.g. the subject).
 */
export function twoStep(doc, label, what, confirm, run) {
  const button = el(doc, "button", { type: "button", className: "link" });
  const arm = (armed) => {
    button.textContent = armed ? confirm : label;
    button.setAttribute("aria-label", `${button.textContent} ${what}`);
  };
  arm(false);
  button.onclick = async () => {
    if (button.textContent === label) return arm(true);
    button.disabled = true;
    await run();
    button.disabled = false;
    arm(false);
  };
  button.onblur = () => arm(false);
  button.onkeydown = (event) => event.key === "Escape" && arm(false);
  return button;
}

/** *Unlog* for the email `subject`, with its confirm step. */
export const unlogButton = (doc, subject, run) => twoStep(doc, "Unlog", `“${subject || "(no subject)"}”`, "Press again to unlog", run);

const who = (person) => person?.name || person?.email || "";

/**
 * One timeline item as a list entry, or null for a kind it does not know; `unlog(email)` after *Unlog*.
 * Mail whose content stayed in Gmail (no-copy mode) says so, and `read(id)` loads it live on *Show content*.
 */
export function timelineItem(doc, { kind, email, note, meeting }, unlog, read) {
  const li = el(doc, "li");
  const line = (className, ...parts) => {
    const text = parts.filter(Boolean).join(" · ");
    li.append(el(doc, "div", { className, text, title: text }));
  };
  if (kind === "email" && email) {
    line("truncate", email.subject || (email.subject_stored === false ? "(subject in Gmail)" : "(no subject)"));
    line("detail", who(email.from), formatDateTime(email.date), email.logged_by && `logged by ${who(email.logged_by)}`, visibilityLabel(email.visibility));
    if (email.content_stored === false && !email.redacted && read) {
      const box = el(doc, "div", { className: "muted", text: "Content in Gmail" });
      const show = el(doc, "button", { type: "button", className: "link", text: "Show content" });
      show.onclick = async () => (show.hidden = await (await import("./live-content.js")).showLiveContent(doc, box, email, read));
      li.append(box, show);
    }
    if (email.can_unlog) li.append(unlogButton(doc, email.subject, () => unlog(email)));
  } else if (kind === "note" && note) {
    line("tl-note", noteLine(note));
  } else if (kind === "meeting" && meeting) {
    line("truncate", `Meeting: ${meeting.title}`, formatDateTime(meeting.start));
  } else {
    return null;
  }
  return li;
}

/**
 * Give `card` the timeline of `participant`'s contact or lead (kept across
 * refreshes; open, it reloads when the conversation is looked up again).
 * `actions` has `loadTimeline({kind, id}, page)` and `unlogEmail(id, subject)` (log-actions.js).
 */
export function renderTimeline(doc, card, participant, actions, name) {
  const { kind, record } = participant;
  const key = (kind === "contact" || kind === "lead") && Number.isInteger(record?.id) ? `${kind}:${record.id}` : "";
  let box = card.querySelector(".timeline");
  if (box && box.dataset.key !== key) box = box.remove();
  if (!key) return;
  if (box) {
    if (box.open && box.shows !== participant) box.load(1);
    box.shows = participant;
    return;
  }
  box = el(doc, "details", { className: "timeline", dataset: { key } });
  const summary = el(doc, "summary", { text: "Timeline", attrs: { "aria-label": `Timeline of ${name}` } });
  const list = el(doc, "ul", { className: "tl-list" });
  const note = el(doc, "p", { attrs: { role: "status" } });
  const more = el(doc, "button", { type: "button", hidden: true });
  box.append(summary, list, note, more);
  card.querySelector('[data-field="actions"]').before(box);
  box.shows = participant;
  let items = [];
  let page = 0;
  let asked = 1;
  let seq = 0;
  // Its row gone, the focus goes back to the summary.
  const unlog = async (email) => (await actions.unlogEmail(email.id, email.subject)) && summary.focus();

  box.load = async (wanted) => {
    const mine = ++seq;
    asked = wanted;
    note.textContent = "Loading…";
    more.hidden = true;
    const answer = await actions.loadTimeline({ kind, id: record.id }, wanted);
    if (mine !== seq) return;
    if (answer.ok) {
      items = wanted > 1 ? [...items, ...answer.items] : answer.items;
      page = wanted;
      list.replaceChildren(...items.map((item) => timelineItem(doc, item, unlog, actions.loadEmailContent)).filter(Boolean));
    }
    note.className = answer.ok ? "muted" : "error";
    note.textContent = answer.ok ? (items.length ? "" : "Nothing logged yet.") : `Could not load the timeline: ${answer.message}`;
    more.textContent = answer.ok ? "Show more" : "Try again";
    more.hidden = answer.ok && !answer.hasMore;
  };
  box.ontoggle = () => box.open && box.load(1);
  more.onclick = async () => {
    await box.load(more.textContent === "Try again" ? asked : page + 1);
    if (more.hidden) summary.focus();
  };
}
