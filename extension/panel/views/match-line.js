/**
 * Why a participant matched its record: a short line that opens on the
 * backend's explanation, and *Not this person* (*Not this company* for a
 * match by domain), which after a confirm step stops the match for the team.
 * Text only.
 */

import { correctionTarget } from "../log-actions.js";
import { el } from "./form-kit.js";
import { confirmButton } from "./timeline-section.js";

const HOW = {
  address: "address",
  alias: "alias",
  plus_tag: "address without its +tag",
  gmail_dots: "address without Gmail's dots",
  case: "address in other capitals",
  domain: "company domain",
};

/** "Matched by alias j.smith@acme.com". */
export const matchText = (match) => `Matched by ${HOW[match.rule] || "address"} ${match.matched || ""}`.trim();

/**
 * Show `participant.match` on `card` under its address (nothing when null);
 * `actions.correctMatch(participant)` resolves `{ok, message}` (log-actions.js).
 */
export function renderMatch(doc, card, participant, actions) {
  const match = participant.match;
  const target = match ? correctionTarget(participant) : null;
  const key = match ? JSON.stringify([match, participant.email, target]) : "";
  let box = card.querySelector('[data-field="match"]');
  if (box?.dataset.key === key) return; // unchanged: an open confirm stays
  box?.remove();
  if (!match) return;
  box = el(doc, "div", { className: "match", dataset: { field: "match", key } });
  const why = el(doc, "details");
  why.append(el(doc, "summary", { text: matchText(match) }), el(doc, "p", { className: "detail", text: match.explanation || "" }));
  box.append(why);
  if (target) {
    const company = "company_id" in target;
    box.append(
      confirmButton(doc, {
        label: company ? "Not this company" : "Not this person",
        name: `${participant.email} is not ${target.name}`,
        question: `Stop matching ${participant.email} to ${target.name} for everyone in your team?`,
        confirm: "Stop matching",
        run: () => actions.correctMatch(participant),
      }),
    );
  }
  card.querySelector('[data-field="email"]').after(box);
}
