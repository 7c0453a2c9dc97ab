/**
 * A contact's or lead's own fields, edited in place on its card, and the card's record buttons
 * (Edit, Deals, Convert to contact). Text only: values are set as properties, never as HTML.
 *
 * Only what changed is sent. The owner is chosen from the organisation's members; a refusal
 * (403: not yours to reassign) stays in the form with everything typed and says how to save the rest.
 */

import { openConvertForm } from "./convert-form.js";
import { openDeals } from "./deal-section.js";
import { cardForm, choose, chosen, control, el, labelled, select } from "./form-kit.js";

/** What a rep edits of each kind: [API field, label]; a lead's status is a choice. */
const FIELDS = {
  contact: [
    ["name", "Name"],
    ["title", "Title"],
    ["phone", "Phone"],
    ["company_name", "Company"],
  ],
  lead: [
    ["name", "Name"],
    ["title", "Title"],
    ["company_name", "Company"],
  ],
};
export const LEAD_STATUSES = ["new", "contacted", "qualified", "disqualified"].map((s) => [s, s[0].toUpperCase() + s.slice(1)]);

/** A field's value on the record as the lookup gives it (a contact's company is an object). */
const valueOf = (record, field) => String((field === "company_name" && record.company ? record.company.name : record[field]) ?? "");

/** How an owner reads in the choice: "Ada Lovelace (ada@acme.example)", or the address alone. */
const personLabel = (user) => (user ? (user.name ? `${user.name} (${user.email})` : user.email) : "No owner");

/**
 * Open the editor in `slot` for `person` (`{kind, name, record}`).
 *
 * `actions.teamMembers()` and `actions.saveRecord(kind, id, changes, name)` as in record-actions.js;
 * `onClose()` runs after Cancel, Escape or a save.
 */
export function openRecordEditor(doc, slot, { kind, name, record }, { actions, onClose }) {
  const fields = FIELDS[kind].map(([field, label]) =>
    labelled(doc, label, el(doc, "input", { name: field, value: valueOf(record, field), autocomplete: "off" })),
  );
  if (kind === "lead") fields.push(labelled(doc, "Status", select(doc, "status", LEAD_STATUSES, record.status)));
  const ownerId = record.owner ? String(record.owner.id) : "";
  const owner = select(doc, "owner_id", [[ownerId, personLabel(record.owner)]], ownerId);
  const ownerNote = el(doc, "p", { className: "muted form-hint", text: "Loading the team…", attrs: { "aria-live": "polite" } });
  owner.disabled = true;
  actions.teamMembers().then((members) => {
    if (!members) {
      ownerNote.textContent = "The team could not be loaded, so the owner cannot be changed now.";
      return;
    }
    owner.replaceChildren(...select(doc, "", [["", "No owner"], ...members.map((m) => [String(m.id), personLabel(m)])]).children);
    choose(owner, ownerId);
    owner.disabled = false;
    ownerNote.hidden = true;
  });

  async function submit(form) {
    const changes = {};
    for (const [field] of FIELDS[kind]) {
      const value = control(form, field).value.trim();
      if (value !== valueOf(record, field)) changes[field] = value;
    }
    if (kind === "lead" && chosen(control(form, "status")) !== record.status) changes.status = chosen(control(form, "status"));
    if (chosen(owner) !== ownerId) changes.owner_id = Number(chosen(owner)) || null;
    if (!Object.keys(changes).length) return null; // nothing to save: the form closes
    const result = await actions.saveRecord(kind, record.id, changes, name);
    const refused = result?.forbidden && "owner_id" in changes;
    return refused ? { ...result, hint: `Nothing was saved. Set Owner back to ${personLabel(record.owner)} to save your other changes.` } : result;
  }

  const form = cardForm(doc, slot, {
    form: "record",
    title: `Edit ${name}`,
    submitText: "Save",
    nodes: [...fields, labelled(doc, "Owner", owner), ownerNote],
    submit,
    onClose,
  });
  control(form, "name").focus();
  return form;
}

/**
 * The card's record buttons for a contact or lead: Edit, Deals (contacts), Convert to contact (leads).
 * Each opens its form in `slot`; closing it gives the focus back to the card's button of that action
 * (or, when there is none any more, as after a conversion, to `reopenFocus()`).
 */
export function recordButtons(doc, slot, person, actions, reopenFocus) {
  const opener = (label, action, ariaLabel, open) => {
    const button = el(doc, "button", { type: "button", text: label, dataset: { action }, attrs: { "aria-label": ariaLabel, "aria-expanded": "false" } });
    button.addEventListener("click", () => {
      button.setAttribute("aria-expanded", "true");
      open(doc, slot, person, {
        actions,
        onClose: () => {
          // The card may have been drawn again meanwhile: its button of the same action takes the focus.
          const again = slot.parentNode?.querySelector(`[data-action="${action}"]`);
          if (!again) return reopenFocus();
          again.setAttribute("aria-expanded", "false");
          again.focus();
        },
      });
    });
    return button;
  };
  const buttons = [opener("Edit", "edit-record", `Edit ${person.name}`, openRecordEditor)];
  if (person.kind === "contact") buttons.push(opener("Deals", "deals", `Deals with ${person.name}`, openDeals));
  if (person.kind === "lead") buttons.push(opener("Convert to contact", "convert-lead", `Convert ${person.name} to a contact`, openConvertForm));
  return buttons;
}
