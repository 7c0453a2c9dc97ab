/**
 * Why a participant matched its record: a short line that opens on the
 * backend's explanation, and *Not this person* (*Not this company* for a
 * match by domain) which, confirmed, stops the match for the team; the card
 * then offers *Undo* while it stays on screen. Text only.
 */

import { correctionTarget } from "../log-actions.js";
import { el } from "./form-kit.js";
import { twoStep } from "./timeline-section.js";

const HOW = { alias: "alias", plus_tag: "address without its +tag", gmail_dots: "address without Gmail's dots", case: "address", domain: "company domain" };

/** "Matched by alias j.smith@acme.com". */
export const matchText = ({ rule, matched }) => `Matched by ${HOW[rule] || "address"} ${matched}`;

/**
 * Show the match of a contact, a lead or a person matched to a company under
 * its address (nothing for the team's own people), and *Undo* after a correction made on this card;
 * `actions.correctMatch(participant)` and `actions.undoCorrection(id, address, name)` (log-actions.js).
 */
export function renderMatch(doc, card, participant, actions) {
  const { match, email, kind } = participant;
  const target = correctionTarget(participant);
  const corrected = card.corrected; // {id, name}: the correction made here, until undone
  const key = JSON.stringify([match, email, target, corrected]);
  card.shows = participant;
  let box = card.querySelector(".match");
  if (box?.dataset.key === key) return; // unchanged: a confirm step under way stays
  box?.remove();
  const shown = match && kind !== "self" && kind !== "colleague";
  if (!shown && !corrected) return;
  box = el(doc, "div", { className: "match detail", dataset: { key } });
  // Drawn again with the correction (or without it); the focus, whose button went, moves to the card's heading.
  const redraw = (correction) => {
    card.corrected = correction;
    renderMatch(doc, card, card.shows, actions);
    card.querySelector("h3").focus();
  };
  if (shown) {
    const why = el(doc, "details");
    why.append(el(doc, "summary", { text: matchText(match) }), el(doc, "p", { text: match.explanation }));
    box.append(why);
  }
  if (shown && target) {
    const label = target.company_id ? "Not this company" : "Not this person";
    box.append(
      twoStep(doc, label, `— ${email} as ${target.name}`, "Stop matching for the team?", async () => {
        const made = await actions.correctMatch(participant);
        if (made) redraw({ id: made.id, name: target.name });
      }),
    );
  }
  if (corrected) {
    const undo = el(doc, "button", {
      type: "button",
      className: "link",
      text: "Undo",
      attrs: { "aria-label": `Undo: match ${email} to ${corrected.name} again` },
    });
    undo.onclick = async () => (await actions.undoCorrection(corrected.id, email, corrected.name)) && redraw(null);
    box.append(el(doc, "span", { text: `No longer matched to ${corrected.name}. ` }), undo);
  }
  card.querySelector('[data-field="email"]').after(box);
}
