/**
 * Small DOM builders for the card's meeting and email forms (text only: never HTML).
 *
 * They match the template-built forms in forms.js: `form.form`, labels around
 * controls, `[data-field="form-error"]`, `.form-actions` with a primary button and Cancel.
 */

/** An element with `props` set as properties (attributes via `attrs`), text via `text`. */
export function el(doc, tag, { text, attrs = {}, dataset = {}, ...props } = {}) {
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(props)) element[name] = value;
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  for (const [name, value] of Object.entries(dataset)) element.dataset[name] = value;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** `<label>Text <control></label>`. */
export function labelled(doc, text, control) {
  const label = el(doc, "label");
  label.append(doc.createTextNode(`${text} `), control);
  return label;
}

/** A <select> named `name` with `options` ([value, label]) and `value` chosen. */
export function select(doc, name, options, value) {
  const element = el(doc, "select", { name });
  for (const [optionValue, label] of options) {
    const option = el(doc, "option", { text: label });
    option.value = optionValue;
    if (optionValue === value) option.selected = true;
    element.append(option);
  }
  return element;
}

/** The chosen value of a <select> (read from its options, which every DOM supports). */
export function chosen(selectElement) {
  const options = Array.from(selectElement.querySelectorAll("option"));
  if (typeof selectElement.value === "string" && selectElement.value) return selectElement.value;
  const picked = options.find((option) => option.selected) || options[0];
  return picked ? picked.value : "";
}

/** Choose the option of `selectElement` whose value is `value` (through the options, which every DOM supports). */
export function choose(selectElement, value) {
  const options = Array.from(selectElement.querySelectorAll("option"));
  const match = options.find((option) => option.value === value);
  // Selecting one option of a single select unselects the others.
  if (match) match.selected = true;
  else for (const option of options) option.selected = false;
}

/** The form's error line and hint line: `show({message, hint})`, `clear()`. */
export function messages(doc) {
  const error = el(doc, "p", { className: "error", hidden: true, attrs: { role: "alert" }, dataset: { field: "form-error" } });
  const hint = el(doc, "p", { className: "muted form-hint", hidden: true, dataset: { field: "form-hint" } });
  return {
    nodes: [error, hint],
    show({ message, hint: hintText }) {
      error.textContent = message || "That did not work; try again.";
      error.hidden = false;
      hint.textContent = hintText || "";
      hint.hidden = !hintText;
    },
    clear() {
      error.textContent = "";
      error.hidden = true;
      hint.textContent = "";
      hint.hidden = true;
    },
  };
}

/** The form's control called `name`. */
export const control = (form, name) => form.querySelector(`[name="${name}"]`);

/** Disable every button while `run()` is pending; resolves what `run` resolves (thrown errors as `{ok: false, message}`). */
export async function busy(form, run) {
  const buttons = Array.from(form.querySelectorAll("button"));
  for (const button of buttons) button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    return await run();
  } catch (thrown) {
    return { ok: false, message: String(thrown?.message || thrown) };
  } finally {
    form.removeAttribute("aria-busy");
    for (const button of buttons) button.disabled = false;
  }
}

/** A heading that stays on one line, its full text in `title`. */
export const heading = (doc, text) => el(doc, "h3", { className: "form-title truncate", text, title: text });

/**
 * A card form in `slot` (replacing any form there): `title`, `nodes`, the error lines, then
 * [`submitText`] [`cancelText`]; Cancel and Escape close it. `submit(form)` resolves `{ok: false, message, hint}`
 * (shown; the form stays as typed), `{stay: true}` (it stays open) or anything else (it closes).
 */
export function cardForm(doc, slot, { form: kind, title, submitText, cancelText = "Cancel", nodes, submit, onClose }) {
  const form = el(doc, "form", { className: "form", noValidate: true, dataset: { form: kind } });
  const message = messages(doc);
  const cancel = el(doc, "button", { type: "button", text: cancelText, dataset: { action: "cancel" } });
  const row = el(doc, "div", { className: "form-actions" });
  row.append(el(doc, "button", { type: "submit", className: "primary", text: submitText }), cancel);
  form.append(heading(doc, title), ...nodes, ...message.nodes, row);
  let closed = false;
  const close = () => {
    closed = true;
    form.remove();
    onClose();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.clear();
    const result = await busy(form, () => submit(form));
    if (closed) return;
    if (result?.ok === false) message.show(result);
    else if (!result?.stay) close();
  });
  cancel.addEventListener("click", close);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  slot.replaceChildren(form);
  return form;
}
