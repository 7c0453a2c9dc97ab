/**
 * The options of *Log thread* (in `#log-options`): the deal to link the mail
 * to, and *Choose messages*, a checkbox per message of the open conversation.
 * Elements are kept across renders, so a control keeps its focus. Text only.
 */

import { dealLine } from "./format.js";
import { choose, chosen, el, labelled } from "./form-kit.js";

const parts = new WeakMap(); // #log-options -> its controls

function build(doc, box, getActions) {
  const deal = el(doc, "select", { name: "deal" });
  deal.addEventListener("change", () => {
    const value = chosen(deal);
    getActions().chooseDeal(value ? Number(value) : null);
  });
  const dealLabel = labelled(doc, "Deal", deal);
  dealLabel.className = "inline-field";
  const toggle = el(doc, "button", { type: "button", className: "link", text: "Choose messages", attrs: { "aria-expanded": "false" } });
  const list = el(doc, "fieldset", { className: "log-messages", id: "log-messages" });
  toggle.setAttribute("aria-controls", list.id);
  toggle.addEventListener("click", () => getActions().chooseMessages(toggle.getAttribute("aria-expanded") !== "true"));
  box.append(dealLabel, toggle, list);
  const controls = { deal, dealLabel, toggle, list, dealKey: null, listKey: null };
  parts.set(box, controls);
  return controls;
}

/** "Message 2 of 3 · Ada Lovelace · logged: Renewal terms". */
export const messageLabel = (message, count) =>
  [`Message ${message.index + 1} of ${count}`, message.from, message.logged && `logged: ${message.logged}`].filter(Boolean).join(" · ");

/** Show `options` (log-actions.js `describe`), or nothing when null. */
export function renderLogOptions(doc, options, getActions) {
  const box = doc.getElementById("log-options");
  box.hidden = !options;
  if (!options) return;
  const c = parts.get(box) || build(doc, box, getActions);

  const dealKey = JSON.stringify(options.deals.map((d) => [d.id, dealLine(d)]));
  if (c.dealKey !== dealKey) {
    c.dealKey = dealKey;
    const none = el(doc, "option", { text: "No deal", value: "" });
    c.deal.replaceChildren(none, ...options.deals.map((d) => el(doc, "option", { text: dealLine(d), value: String(d.id) })));
  }
  choose(c.deal, Number.isInteger(options.dealId) ? String(options.dealId) : "");
  c.dealLabel.hidden = !options.deals.length;

  const count = options.messages.length;
  c.toggle.hidden = count < 2;
  c.toggle.setAttribute("aria-expanded", String(options.choosing));
  c.list.hidden = !options.choosing;
  const listKey = JSON.stringify(options.messages.map((m) => [m.id, m.from, m.logged]));
  if (c.listKey !== listKey) {
    c.listKey = listKey;
    c.list.replaceChildren(
      el(doc, "legend", { text: "Log only these messages" }),
      ...options.messages.map((message) => {
        const box_ = el(doc, "input", { type: "checkbox", value: message.id });
        box_.addEventListener("change", () => getActions().pickMessage(message.id, box_.checked));
        const label = labelled(doc, messageLabel(message, count), box_);
        label.className = "check";
        // The checkbox first, then its text.
        label.prepend(box_);
        return label;
      }),
    );
  }
  for (const message of options.messages) {
    const input = c.list.querySelector(`input[value="${message.id}"]`);
    if (input) input.checked = message.chosen;
  }
}
