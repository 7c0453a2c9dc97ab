/**
 * The panel's small forms: a new lead and a note. Built from <template>s; values set as properties.
 */

import { formKeys } from "./form-kit.js";

/** The form's control called `name`. */
const control = (form, name) => form.querySelector(`[name="${name}"]`);

/**
 * Open a form from `templateId` in `slot`, replacing any form there.
 *
 * `fill(form)` sets its fields; `submit(form)` resolves `{ok}` or
 * `{ok: false, message}`; `close()` runs after cancel or success.
 */
function openForm(doc, slot, templateId, { fill, submit, close }) {
  const form = doc.getElementById(templateId).content.firstElementChild.cloneNode(true);
  const error = form.querySelector('[data-field="form-error"]');
  const buttons = () => form.querySelectorAll("button");
  fill(form);

  function finish() {
    form.remove();
    close();
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    for (const button of buttons()) button.disabled = true;
    form.setAttribute("aria-busy", "true");
    let result;
    try {
      result = await submit(form);
    } catch (thrown) {
      result = { ok: false, message: String(thrown?.message || thrown) };
    }
    form.removeAttribute("aria-busy");
    for (const button of buttons()) button.disabled = false;
    if (result.ok) {
      finish();
    } else {
      error.textContent = result.message || "That did not work; try again.";
      error.hidden = false;
    }
  });
  form.querySelector('[data-action="cancel"]').addEventListener("click", finish);
  formKeys(form, finish);
  slot.replaceChildren(form);
  form.querySelector("input, textarea").focus();
  return form;
}

/** Open the "New lead" form prefilled with `prefill`; `onSave(fields)` resolves `{ok, message}`. */
export function openLeadForm(doc, slot, prefill, { onSave, onClose }) {
  return openForm(doc, slot, "lead-form-template", {
    fill(form) {
      for (const name of ["name", "email", "company_name", "title"]) control(form, name).value = prefill[name] || "";
    },
    submit(form) {
      const fields = {};
      for (const name of ["name", "email", "company_name", "title"]) fields[name] = control(form, name).value.trim();
      if (!fields.email.includes("@")) return { ok: false, message: "Enter the lead's email address." };
      // An emptied company stays empty (the backend guesses one only when none is sent).
      if (!fields.title) delete fields.title;
      return onSave(fields);
    },
    close: onClose,
  });
}

/** Open a note form labelled `label`; `onSave(body)` resolves `{ok, message}`. */
export function openNoteForm(doc, slot, label, { onSave, onClose }) {
  return openForm(doc, slot, "note-form-template", {
    fill(form) {
      form.querySelector('[data-field="label"]').textContent = label;
    },
    submit(form) {
      const body = control(form, "body").value.trim();
      if (!body) return { ok: false, message: "Write the note first." };
      return onSave(body);
    },
    close: onClose,
  });
}
