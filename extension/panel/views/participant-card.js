/**
 * Fill one participant's card: who they are in the CRM, their company, open deals, latest notes.
 *
 * Every value from email or the CRM goes in as text (textContent), never as HTML.
 */

import { leadPrefill } from "../lead-prefill.js";
import { dealLine, displayName, formatDate, kindLabel, noteLine } from "./format.js";
import { openLeadForm, openNoteForm } from "./forms.js";
import { renderMatch } from "./match-line.js";
import { recordButtons } from "./record-editor.js";
import { renderTimeline } from "./timeline-section.js";

const MAX_NOTES = 3;

function field(card, name) {
  return card.querySelector(`[data-field="${name}"]`);
}

function setText(element, text) {
  element.textContent = text || "";
  element.hidden = !text;
}

/** A heading (`level` h3 or, in a card, h4) and a list of text lines, or nothing when there are none. */
export function textList(doc, heading, lines, level = "h3") {
  const items = lines.filter(Boolean);
  if (!items.length) return [];
  const title = doc.createElement(level);
  title.textContent = heading;
  const ul = doc.createElement("ul");
  for (const line of items) {
    const li = doc.createElement("li");
    li.textContent = line;
    ul.append(li);
  }
  return [title, ul];
}

function button(doc, label, action, onClick) {
  const element = doc.createElement("button");
  element.type = "button";
  element.textContent = label;
  element.dataset.action = action;
  element.addEventListener("click", onClick);
  return element;
}

/** The note target for a participant's record, or null when it has none. */
export function noteTarget(participant) {
  const id = participant.record?.id;
  if (id === undefined || id === null) return null;
  if (participant.kind === "contact") return { contact_id: id };
  if (participant.kind === "lead") return { lead_id: id };
  return null;
}

/**
 * Make a new, empty card element from the template, keyed by address.
 */
export function createCard(doc, email) {
  const card = doc.getElementById("card-template").content.firstElementChild.cloneNode(true);
  card.dataset.email = email.toLowerCase();
  // The way past this card's controls: to the next card's heading (panel-view.js hides it on the last card).
  field(card, "skip").addEventListener("click", () => card.nextElementSibling?.querySelector("h3").focus());
  return card;
}

/**
 * Write `participant` into `card` (an element from createCard), keeping an open form.
 *
 * `actions` has `createLead(fields)`, `addNote(target, body, label)` and, for contacts
 * and leads, `checkConflicts`, `scheduleMeeting`, `sendEmail` and `allowGoogle` (card-actions.js)
 * and the record actions (record-actions.js).
 */
export function fillCard(doc, card, participant, actions, { replyTo = null } = {}) {
  const kind = participant.kind || "unknown";
  const name = displayName(participant);
  card.dataset.kind = kind;
  field(card, "name").textContent = field(card, "name").title = name;
  const badge = field(card, "kind");
  badge.textContent = kindLabel(kind);
  badge.className = `badge badge-${kind}`;
  // The address once: not again under a name that is the address itself.
  setText(field(card, "email"), name.toLowerCase() === participant.email.toLowerCase() ? "" : participant.email);
  setText(field(card, "title"), participant.error?.message || participant.record?.title || "");
  const company = participant.company?.name || participant.record?.company_name || "";
  setText(field(card, "company"), company ? `Company: ${company}` : "");
  const owner = participant.record?.owner?.name || participant.record?.owner?.email || "";
  setText(field(card, "owner"), owner && kind !== "self" && kind !== "colleague" ? `Owner: ${owner}` : "");
  setText(field(card, "last-logged"), participant.last_logged_at ? `Last logged ${formatDate(participant.last_logged_at)}` : "");

  const deals = (participant.deals || []).filter((deal) => !deal.status || deal.status === "open");
  field(card, "deals").replaceChildren(...textList(doc, "Open deals", deals.map(dealLine), "h4"));
  const notes = (participant.notes || []).slice(0, MAX_NOTES);
  field(card, "notes").replaceChildren(...textList(doc, "Latest notes", notes.map(noteLine), "h4"));

  const slot = field(card, "form");
  const controls = [];
  const reopenFocus = () => card.querySelector('[data-field="actions"] button')?.focus();
  if (kind === "unknown" && !participant.error) {
    const create = button(doc, "Create lead", "create-lead", () => {
      create.setAttribute("aria-expanded", "true");
      openLeadForm(doc, slot, leadPrefill(participant), {
        onSave: (fields) => actions.createLead(fields),
        onClose: () => {
          create.setAttribute("aria-expanded", "false");
          reopenFocus();
        },
      });
    });
    create.setAttribute("aria-label", `Create a lead from ${name}`);
    create.setAttribute("aria-expanded", "false");
    controls.push(create);
  }
  const target = noteTarget(participant);
  if (target) {
    const add = button(doc, "Add note", "add-note", () => {
      add.setAttribute("aria-expanded", "true");
      openNoteForm(doc, slot, `Note about ${name}`, {
        onSave: (body) => actions.addNote(target, body, name),
        onClose: () => {
          add.setAttribute("aria-expanded", "false");
          reopenFocus();
        },
      });
    });
    add.setAttribute("aria-label", `Add a note to ${name}`);
    add.setAttribute("aria-expanded", "false");
    controls.push(add);

    // Contacts and leads: book a meeting with them, write to them. These two forms load when first
    // asked for (a few milliseconds, from the extension), not with the side panel beside every Gmail window.
    const schedule = button(doc, "Schedule meeting", "schedule-meeting", async () => {
      schedule.setAttribute("aria-expanded", "true");
      const { openMeetingForm } = await import("./meeting-form.js");
      openMeetingForm(
        doc,
        slot,
        { name, target },
        {
          actions,
          onClose: () => {
            schedule.setAttribute("aria-expanded", "false");
            reopenFocus();
          },
        },
      );
    });
    schedule.setAttribute("aria-label", `Schedule a meeting with ${name}`);
    schedule.setAttribute("aria-expanded", "false");
    controls.push(schedule);
    const write = button(doc, "Email", "compose-email", async () => {
      write.setAttribute("aria-expanded", "true");
      const { openComposeForm } = await import("./compose-form.js");
      openComposeForm(
        doc,
        slot,
        { name, email: participant.email, replyTo },
        {
          actions,
          onClose: () => {
            write.setAttribute("aria-expanded", "false");
            reopenFocus();
          },
        },
      );
    });
    write.setAttribute("aria-label", `Email ${name}`);
    write.setAttribute("aria-expanded", "false");
    controls.push(write);
    // The record itself: edit its fields, a contact's deals, convert a lead (record-editor.js).
    controls.push(...recordButtons(doc, slot, { kind, name, record: participant.record }, actions, reopenFocus));
    // Their open tasks and "Add task", loaded after the card shows (task-section.js).
    if (actions.backend) import("./task-section.js").then((m) => m.renderTasks(doc, card, { target, name }, actions.backend()));
  } else card.querySelector('[data-field="tasks"]')?.remove();
  // Drawn again, the card's buttons keep the focus one of them had.
  const focused = field(card, "actions").contains(doc.activeElement) && doc.activeElement.dataset.action;
  field(card, "actions").replaceChildren(...controls);
  if (focused) field(card, "actions").querySelector(`[data-action="${focused}"]`)?.focus();
  // A form stays open across refreshes unless its action no longer applies.
  if (!controls.length) slot.replaceChildren();
  // Why this match (*Not this person*) and the record's timeline: log-actions.js.
  renderMatch(doc, card, participant, actions);
  renderTimeline(doc, card, participant, actions, name);
  return card;
}
