/**
 * The organisation's settings: name, sharing of new mail, switches and deal stages.
 *
 * Saving sends only what changed (PATCH /api/v1/org); the backend checks the
 * values and its refusal names the field, which gets the focus.
 */

import { choose, chosen } from "../panel/views/form-kit.js";
import { VISIBILITY_OPTIONS } from "../panel/views/format.js";
import { load, note, run } from "./section-kit.js";

export const SWITCHES = ["invite_only", "store_bodies", "sync_enabled", "archive_sorted_threads"];

/** The deal stages typed one a line: trimmed, blank lines left out. */
export const parseStages = (text) =>
  String(text)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

/** The settings in `values` that differ from `org`'s (settings the backend does not give are left out). */
export function settingsChanges(org, values) {
  return Object.fromEntries(Object.entries(values).filter(([name, value]) => name in org && JSON.stringify(value) !== JSON.stringify(org[name])));
}

export function settingsSection(section, client, onOrg) {
  const doc = section.ownerDocument;
  const form = section.querySelector("form");
  const field = (name) => form.querySelector(`[name="${name}"]`);
  let org = null;
  field("default_visibility").replaceChildren(
    ...VISIBILITY_OPTIONS.map(([value, text]) => Object.assign(doc.createElement("option"), { value, textContent: text })),
  );

  function show(next) {
    org = next;
    onOrg(org);
    field("name").value = org.name;
    choose(field("default_visibility"), org.default_visibility);
    for (const name of SWITCHES) field(name).checked = Boolean(org[name]);
    field("deal_stages").value = (org.deal_stages || []).join("\n");
    field("deal_stages").closest("label").hidden = !org.deal_stages;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!org) return;
    const values = {
      name: field("name").value.trim(),
      default_visibility: chosen(field("default_visibility")),
      deal_stages: parseStages(field("deal_stages").value),
    };
    for (const name of SWITCHES) values[name] = field(name).checked;
    const changes = settingsChanges(org, values);
    if (!Object.keys(changes).length) return note(section, "Nothing to save: no setting changed.");
    await run(section, async () => show(await client.updateOrg(changes)), "Settings saved.", form);
  });

  return { load: () => load(section, client.org, show) };
}
