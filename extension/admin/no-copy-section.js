/**
 * No-copy mode: the organisation's two switches (PATCH /api/v1/org `no_copy_mode`, `no_copy_keep_subjects`),
 * shown the organisation the settings section loads (`show(org)`, admin-page.js).
 *
 * A change that deletes stored content is refused by the backend until confirmed (409 `purge_not_confirmed`,
 * naming how many emails lose what): the section then asks, in its own confirm box, and sends the change
 * again with `confirm: "purge"` only when the administrator says so.
 */

import { note, run } from "./section-kit.js";
import { settingsChanges } from "./settings-section.js";

export const NO_COPY_SWITCHES = ["no_copy_mode", "no_copy_keep_subjects"];
const OFF_NOTE = "Saved. Content already deleted does not come back; new mail is stored in full again.";

export function noCopySection(section, client) {
  const form = section.querySelector("form");
  const field = (name) => form.querySelector(`[name="${name}"]`);
  const ask = section.querySelector("[data-confirm]");
  let org = null;
  let pending = null;

  function show(next) {
    org = next;
    for (const name of NO_COPY_SWITCHES) field(name).checked = Boolean(org[name]);
    field("no_copy_keep_subjects").disabled = !org.no_copy_mode && !field("no_copy_mode").checked;
    ask.hidden = true;
    pending = null;
  }

  /** Send `changes`; a refusal for want of confirmation opens the confirm box, naming what is lost (the backend's words). */
  async function save(changes, confirmed = false) {
    let refusal = null;
    const body = confirmed ? { ...changes, confirm: "purge" } : changes;
    const sent = () =>
      client.updateOrg(body).catch((error) => {
        if (error?.body?.error !== "purge_not_confirmed") throw error;
        refusal = error;
      });
    const answer = await run(section, sent);
    if (refusal) {
      pending = { changes, emails: refusal.body.emails };
      ask.querySelector("[data-text]").textContent = refusal.message;
      ask.hidden = false;
      note(section, "");
      ask.querySelector('[data-action="purge"]').focus();
      return;
    }
    if (!answer || answer === true) return;
    const purged = confirmed ? pending?.emails : 0;
    show(answer);
    if (purged) note(section, `Saved: the stored content of ${purged} email${purged === 1 ? "" : "s"} was deleted.`);
    else note(section, changes.no_copy_mode === false ? OFF_NOTE : "Saved.");
  }

  field("no_copy_mode").addEventListener("change", () => {
    field("no_copy_keep_subjects").disabled = !field("no_copy_mode").checked;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!org) return;
    const changes = settingsChanges(org, Object.fromEntries(NO_COPY_SWITCHES.map((name) => [name, field(name).checked])));
    if (!Object.keys(changes).length) return note(section, "Nothing to save: no setting changed.");
    await save(changes);
  });
  ask.querySelector('[data-action="purge"]').addEventListener("click", () => pending && save(pending.changes, true));
  ask.querySelector('[data-action="cancel"]').addEventListener("click", () => {
    show(org);
    note(section, "Nothing changed.");
  });

  return { show };
}
