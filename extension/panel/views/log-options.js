/**
 * The options of *Log thread* (in `#log-options`): the deal to link the mail
 * to, and *Choose messages*, a checkbox per message of the open conversation.
 * Controls are kept across renders, so they keep their focus. Text only.
 */

import { dealLine } from "./format.js";
import { choose, chosen, el, labelled } from "./form-kit.js";

const parts = new WeakMap(); // #log-options -> its controls

function build(doc, box, getActions) {
  const deal = el(doc, "select", { name: "deal" });
  deal.onchange = () => getActions().chooseDeal(Number(chosen(deal)) || null);
  const toggle = el(doc, "button", { type: "button", className: "link", text: "Choose messages", attrs: { "aria-controls": "log-messages" } });
  toggle.onclick = () => getActions().chooseMessages(toggle.getAttribute("aria-expanded") !== "true");
  const list = el(doc, "fieldset", { id: "log-messages" });
  list.onchange = (event) => getActions().pickMessage(event.target.value, event.target.checked);
  const c = { deal, toggle, list, label: labelled(doc, "Deal", deal) };
  box.append(c.label, toggle, list);
  parts.set(box, c);
  return c;
}

/** Show `options` (log-actions.js `describe`), or nothing when null. */
export function renderLogOptions(doc, options, getActions) {
  const box = doc.getElementById("log-options");
  box.hidden = !options;
  if (!options) return;
  const c = parts.get(box) || build(doc, box, getActions);
  const { deals, messages } = options;
  const dealKey = deals.map((d) => d.id + dealLine(d)).join();
  if (c.dealKey !== dealKey) {
    c.dealKey = dealKey;
    c.deal.replaceChildren(el(doc, "option", { text: "No deal", value: "" }), ...deals.map((d) => el(doc, "option", { text: dealLine(d), value: d.id })));
  }
  choose(c.deal, String(options.dealId ?? ""));
  c.label.hidden = !deals.length;
  c.toggle.hidden = messages.length < 2;
  c.toggle.setAttribute("aria-expanded", options.choosing);
  c.list.hidden = !options.choosing;
  const listKey = messages.map((m) => m.id + m.from + m.logged).join();
  if (c.listKey !== listKey) {
    c.listKey = listKey;
    c.list.replaceChildren(
      el(doc, "legend", { text: "Log only these messages" }),
      ...messages.map((m, i) =>
        labelled(
          doc,
          `Message ${i + 1} of ${messages.length}${m.from && ` · ${m.from}`}${m.logged && ` · logged: ${m.logged}`}`,
          el(doc, "input", { type: "checkbox", value: m.id }),
        ),
      ),
    );
  }
  c.list.querySelectorAll("input").forEach((input, i) => (input.checked = messages[i].chosen));
}
