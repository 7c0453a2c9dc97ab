/**
 * Why a participant matched its record: a short line that opens on the
 * backend's explanation, and *Not this person* (*Not this company* for a
 * match by domain) which, confirmed, stops the match for the team. Text only.
 */

import { correctionTarget } from "../log-actions.js";
import { el } from "./form-kit.js";
import { twoStep } from "./timeline-section.js";

const HOW = { alias: "alias", plus_tag: "address without its +tag", gmail_dots: "address without Gmail's dots", case: "address", domain: "company domain" };

/** "Matched by alias j.smith@acme.com". */
export const matchText = ({ rule, matched }) => `Matched by ${HOW[rule] || "address"} ${matched}`;

/**
 * Show the match of a contact, a lead or a person matched to a company under
 * its address (nothing for the team's own people); `actions.correctMatch(participant)` (log-actions.js).
 */
export function renderMatch(doc, card, participant, actions) {
  const { match, email, kind } = participant;
  const target = correctionTarget(participant);
  const key = JSON.stringify([match, email, target]);
  let box = card.querySelector(".match");
  if (box?.dataset.key === key) return; // unchanged: a confirm step under way stays
  box?.remove();
  if (!match || kind === "self" || kind === "colleague") return;
  const why = el(doc, "details");
  why.append(el(doc, "summary", { text: matchText(match) }), el(doc, "p", { text: match.explanation }));
  box = el(doc, "div", { className: "match detail", dataset: { key } });
  box.append(why);
  if (target) {
    const label = target.company_id ? "Not this company" : "Not this person";
    box.append(twoStep(doc, label, `— ${email} as ${target.name}`, "Stop matching for the team?", () => actions.correctMatch(participant)));
  }
  card.querySelector('[data-field="email"]').after(box);
}
