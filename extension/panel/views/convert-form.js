/**
 * "Convert to contact" on a lead's card: the contact's company (prefilled with the lead's) and,
 * when ticked, a first deal (name, amount, stage). One request; the card then shows the contact.
 */

import { dealFields, dealInputs } from "./deal-section.js";
import { cardForm, el, labelled } from "./form-kit.js";

/**
 * Open the form in `slot` for `person` (`{name, record}`, a lead).
 *
 * `actions.dealStages()` and `actions.convertLead(id, options, name)` as in record-actions.js;
 * `onClose()` runs after Cancel, Escape or the conversion.
 */
export function openConvertForm(doc, slot, { name, record }, { actions, onClose }) {
  const leadCompany = record.company_name || "";
  const company = el(doc, "input", { name: "company_name", value: leadCompany, autocomplete: "off" });
  const withDeal = el(doc, "input", { name: "with_deal", type: "checkbox" });
  const tick = el(doc, "label", { className: "check" });
  tick.append(withDeal, doc.createTextNode(" Also create a first deal"));
  const deal = el(doc, "fieldset", { className: "form", hidden: true, disabled: true });
  deal.append(el(doc, "legend", { text: "First deal" }), ...dealInputs(doc, actions.dealStages(), leadCompany && `${leadCompany} deal`));
  withDeal.addEventListener("change", () => {
    deal.hidden = deal.disabled = !withDeal.checked;
  });

  function submit(form) {
    const options = {};
    // Unchanged, the backend picks the lead's company as for any new contact (the address's domain first).
    if (company.value.trim() !== leadCompany) options.company_name = company.value.trim();
    if (withDeal.checked) {
      const fields = dealFields(form);
      if (!fields.deal) return fields;
      options.deal = fields.deal;
    }
    return actions.convertLead(record.id, options, name);
  }

  const hint = el(doc, "p", { className: "muted form-hint", text: "Found by name, or created; leave empty for none." });
  const nodes = [labelled(doc, "Company", company), hint, tick, deal];
  const form = cardForm(doc, slot, { form: "convert", title: `Convert ${name} to a contact`, submitText: "Convert", nodes, submit, onClose });
  company.focus();
  return form;
}
