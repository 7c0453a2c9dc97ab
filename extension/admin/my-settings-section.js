/**
 * The viewer's own settings, shown to everyone: the default sharing of their new mail (PATCH /api/v1/me).
 */

import { describeSharing } from "../panel/account-controller.js";
import { choose, chosen } from "../panel/views/form-kit.js";
import { visibilityLabel } from "../panel/views/format.js";
import { run } from "./section-kit.js";

export function mySettingsSection(section, client) {
  const doc = section.ownerDocument;
  const choice = section.querySelector("select");

  function show(me) {
    const sharing = describeSharing(me);
    section.hidden = !sharing;
    if (!sharing) return;
    choice.replaceChildren(...sharing.options.map(([value, text]) => Object.assign(doc.createElement("option"), { value, textContent: text })));
    choose(choice, sharing.chosen);
  }

  section.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    const level = chosen(choice) || null;
    const said = level ? `Saved: your new mail is shared as “${visibilityLabel(level)}”.` : "Saved: your new mail follows the organisation's default.";
    run(section, async () => show(await client.updateMe({ default_visibility: level })), said);
  });

  return { show };
}
