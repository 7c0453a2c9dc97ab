/**
 * The options of *Log thread* (in `#log-options`): the deal to link the mail
 * to, and *Choose messages*, a checkbox per message of the open conversation.
 * Controls are kept across renders, so they keep their focus. Text only.
 */

import { dealLine } from "./format.js";
import { choose, chosen, el, labelled } from "./form-kit.js";

const parts = new WeakMap(); // #log-options -> its controls, made on the first render

function build(doc, box, getActions) {
  const deal = el(doc, "select", { name: "deal" });
  deal.addEventListener("change", () => getActions().chooseDeal(chosen(deal) ? Number(chosen(deal)) : null));
  const toggle = el(doc, "button", { type: "button", className: "link", text: "Choose messages", attrs: { "aria-controls": "log-messages" } });
  toggle.addEventListener("click", () => getActions().chooseMessages(toggle.getAttribute("aria-expanded") !== "true"));
  const list = el(doc, "fieldset", { className: "log-messages", id: "log-messages" });
  list.addEventListener("change", (event) => getActions().pickMessage(event.target.value, event.target.checked));
  const dealLabel = labelled(doc, "Deal", deal);
  box.append(dealLabel, toggle, list);
  parts.set(box, { deal, dealLabel, toggle, list });
  return parts.get(box);
}

/** Show `options` (log-actions.js `describe`), or nothing when null. */
export function renderLogOptions(doc, options, getActions) {
  const box = doc.getElementById("log-options");
  box.hidden = !options;
  if (!options) return;
  const c = parts.get(box) || build(doc, box, getActions);
  const { deals, messages } = options;

  const dealKey = JSON.stringify(deals.map((d) => [d.id, dealLine(d)]));
  if (c.dealKey !== dealKey) {
    c.dealKey = dealKey;
    c.deal.replaceChildren(
      ...[{ id: "", name: "No deal" }, ...deals].map((d) => el(doc, "option", { text: d.id ? dealLine(d) : d.name, value: String(d.id) })),
    );
  }
  choose(c.deal, String(options.dealId ?? ""));
  c.dealLabel.hidden = !deals.length;

  c.toggle.hidden = messages.length < 2;
  c.toggle.setAttribute("aria-expanded", String(options.choosing));
  c.list.hidden = !options.choosing;
  const listKey = JSON.stringify(messages.map((m) => [m.id, m.logged]));
  if (c.listKey !== listKey) {
    c.listKey = listKey;
    c.list.replaceChildren(
      el(doc, "legend", { text: "Log only these messages" }),
      ...messages.map((m, i) => {
        const label = labelled(
          doc,
          [`Message ${i + 1} of ${messages.length}`, m.logged && `logged: ${m.logged}`].filter(Boolean).join(" · "),
          el(doc, "input", { type: "checkbox", value: m.id }),
        );
        label.className = "check";
        return label;
      }),
    );
  }
  messages.forEach((m, i) => (c.list.querySelectorAll("input")[i].checked = m.chosen));
}
