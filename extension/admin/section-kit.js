/**
 * What every section of the admin page shares: a note line, running an action, filling a list (text only).
 */

import { busy, el } from "../panel/views/form-kit.js";

/** Show `text` in a section's note line (`[data-note]`), as an alert when `error`; nothing hides it. */
export function note(section, text, error = false) {
  const line = section.querySelector("[data-note]");
  line.textContent = text || "";
  line.hidden = !text;
  line.classList.toggle("error", error);
  if (error) line.setAttribute("role", "alert");
  else line.removeAttribute("role");
}

/**
 * Run `work()` for `section`, its buttons disabled meanwhile (form-kit's `busy`); say `done` or the error. A refusal naming a `field` focuses that field of `form`. Resolves the result (true
 * for none), or null on failure.
 */
export async function run(section, work, done = "", form = null) {
  let failure = null;
  const result = await busy(section, () => work().catch((error) => (failure = error)));
  if (!failure) {
    note(section, done);
    return result ?? true;
  }
  note(section, failure.message || String(failure), true);
  const field = failure.body?.field;
  if (form && /^\w+$/.test(field || "")) form.querySelector(`[name="${field}"]`)?.focus();
  return null;
}

/** Load a section: "Loading…" meanwhile, then `render(result)`, or the error. */
export function load(section, work, render) {
  note(section, "Loading…");
  return run(section, work).then((result) => result && render(result));
}

/** A one-line text that is cut when too long, the whole of it in its title. */
export const cut = (doc, text, className = "") => el(doc, "span", { className: `cut ${className}`.trim(), text: text ?? "", title: text ?? "" });

/** Fill `list` with `row(item)` for each item, or one muted `<li>` saying `empty`. */
export function fill(list, items, row, empty) {
  const doc = list.ownerDocument;
  list.replaceChildren(...(items.length ? items.map(row) : [el(doc, "li", { className: "muted", text: empty })]));
}

/** A list row holding `parts` (elements or text). */
export function li(doc, parts, dataset = {}) {
  const item = el(doc, "li", { dataset });
  item.append(...parts.filter((part) => part !== null && part !== ""));
  return item;
}

/** A button; `label` is its accessible name when the visible text alone would not say what it acts on. */
export function button(doc, text, onClick, label = "") {
  const element = el(doc, "button", { type: "button", text });
  if (label) element.setAttribute("aria-label", label);
  element.addEventListener("click", onClick);
  return element;
}
