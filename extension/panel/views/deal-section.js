/**
 * A contact's deals on its card: open ones first (stage, Won, Lost), then closed ones as Won or Lost
 * (Reopen), and a new deal (name, amount, stage), linked to the contact and its company.
 * Loading, empty and error states are said in words; text only.
 */

import { formatAmount } from "./format.js";
import { busy, cardForm, choose, chosen, control, el, labelled, select } from "./form-kit.js";

/** The stage choices: the organisation's stages, plus a deal's own when it is not among them. */
export const stageOptions = (stages, current) => [...new Set([...stages, ...(current ? [current] : [])])].map((s) => [s, String(s).replace(/_/g, " ")]);

/** The deal fields of `form` as the API takes them (`{deal}`), or `{ok: false, message}` saying what is missing. */
export function dealFields(form) {
  const name = control(form, "deal_name").value.trim();
  const amount = control(form, "amount").value.trim();
  if (!name) return { ok: false, message: "Name the deal." };
  return { deal: { name, stage: chosen(control(form, "stage")), ...(amount && { amount }) } };
}

/** The inputs of a new deal: name, amount, and the stages `stages` (a promise) resolves to. */
export function dealInputs(doc, stages, name = "") {
  const stage = select(doc, "stage", [], "");
  stages.then((list) => {
    stage.replaceChildren(...select(doc, "stage", stageOptions(list), "").children);
    choose(stage, list[0]);
  });
  return [
    labelled(doc, "Deal name", el(doc, "input", { name: "deal_name", value: name, autocomplete: "off" })),
    labelled(doc, "Amount", el(doc, "input", { name: "amount", inputMode: "decimal", autocomplete: "off" })),
    labelled(doc, "Stage", stage),
  ];
}

/**
 * Open the deals of `person` (`{name, record}`, a contact) in `slot`, replacing any form there.
 *
 * `actions.listDeals`, `dealStages`, `createDeal` and `changeDeal` as in record-actions.js;
 * `onClose()` runs after Close or Escape.
 */
export function openDeals(doc, slot, { name, record }, { actions, onClose }) {
  const state = el(doc, "p", { attrs: { role: "status" } });
  const list = el(doc, "ul", { className: "deal-list" });
  const retry = el(doc, "button", { type: "button", text: "Try again", hidden: true });
  const stages = actions.dealStages();
  const fresh = el(doc, "fieldset", { className: "form" });
  fresh.append(el(doc, "legend", { text: `New deal with ${name}` }), ...dealInputs(doc, stages));

  function dealRow(deal, stageList) {
    const item = el(doc, "li", { className: "deal", dataset: { dealId: deal.id, status: deal.status } });
    const error = el(doc, "p", { className: "error", hidden: true, attrs: { role: "alert" } });
    const stage = select(doc, "deal_stage", stageOptions(stageList, deal.stage), deal.stage);
    async function change(changes) {
      error.hidden = true;
      const result = await busy(item, () => actions.changeDeal(deal, changes));
      if (result?.ok) return load(deal.id);
      error.textContent = result?.message;
      error.hidden = false;
      choose(stage, deal.stage);
    }
    const button = (text, label, status) => {
      const element = el(doc, "button", { type: "button", text, attrs: { "aria-label": label }, dataset: { action: `deal-${status}` } });
      element.addEventListener("click", () => change({ status }));
      return element;
    };
    const amount = formatAmount(deal.amount, deal.currency);
    item.append(el(doc, "span", { className: "truncate deal-name", text: deal.name, title: deal.name }), el(doc, "span", { className: "muted", text: amount }));
    if (deal.status === "open") {
      stage.setAttribute("aria-label", `Stage of ${deal.name}`);
      stage.addEventListener("change", () => change({ stage: chosen(stage) }));
      item.append(stage, button("Won", `Mark ${deal.name} won`, "won"), button("Lost", `Mark ${deal.name} lost`, "lost"));
    } else {
      item.append(el(doc, "span", { className: "badge", text: deal.status === "won" ? "Won" : "Lost" }), button("Reopen", `Reopen ${deal.name}`, "open"));
    }
    item.append(error);
    return item;
  }

  /** (Re)draw the list; the focus goes back to the row of deal `focusId` when given. */
  async function load(focusId) {
    form.setAttribute("aria-busy", "true");
    state.className = "muted";
    state.textContent = "Loading deals…";
    retry.hidden = true;
    const [result, stageList] = await Promise.all([actions.listDeals(record.id), stages]);
    form.removeAttribute("aria-busy");
    const deals = result?.ok ? result.deals : [];
    list.replaceChildren(...deals.map((deal) => dealRow(deal, stageList)));
    if (!result?.ok) state.className = "error";
    state.textContent = !result?.ok ? `The deals could not be loaded: ${result?.message}` : deals.length ? "" : `No deals with ${name} yet.`;
    retry.hidden = Boolean(result?.ok);
    list.querySelector(`[data-deal-id="${focusId}"] :is(select, button)`)?.focus();
  }

  async function submit() {
    const fields = dealFields(form);
    const result = fields.deal ? await actions.createDeal({ ...fields.deal, contact_id: record.id }) : fields;
    if (!result?.ok) return result;
    for (const field of ["deal_name", "amount"]) control(form, field).value = "";
    await load();
    return { stay: true };
  }

  const form = cardForm(doc, slot, {
    form: "deals",
    title: `Deals with ${name}`,
    submitText: "Create deal",
    cancelText: "Close",
    nodes: [state, list, retry, fresh],
    submit,
    onClose,
  });
  form.setAttribute("aria-label", `Deals with ${name}`);
  retry.addEventListener("click", () => load());
  const title = form.querySelector("h3");
  title.tabIndex = -1; // the focus starts here, so the list is read first
  title.focus();
  load();
  return form;
}
