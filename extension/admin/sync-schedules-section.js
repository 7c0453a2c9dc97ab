/**
 * The organisation's sync schedules and calendar direction (administrators): the defaults every member follows unless they
 * chose their own on the Account screen.
 *
 * Mounted by admin.js with one line; builds its own section after the Organisation settings once the page knows the
 * viewer is an administrator (a member sees nothing of it). Saving sends only what changed (PATCH /api/v1/org); a
 * refusal names the field, which gets the focus. `section[data-ready]` is set once loaded.
 */

import { DIRECTIONS, KINDS, SCHEDULES } from "../panel/sync-schedule-part.js";
import { choose, chosen, el, labelled } from "../panel/views/form-kit.js";
import { settingsChanges } from "./settings-section.js";
import { load, note, run } from "./section-kit.js";

export const FIELDS = [...KINDS.map(([kind]) => `${kind}_schedule`), "calendar_direction"];
export const LOCK = "sync_schedules_locked";

function select(doc, name, pairs) {
  const element = el(doc, "select", { name });
  element.append(...pairs.map(([value, text]) => el(doc, "option", { value, text })));
  return element;
}

function lockBox(doc) {
  const label = el(doc, "label", { className: "check" });
  label.append(el(doc, "input", { type: "checkbox", name: LOCK }), " Everyone follows these: members cannot choose their own");
  return label;
}

/** Build the section (hidden until loaded) and return it. */
export function buildSection(doc) {
  const section = el(doc, "section", { id: "sync-schedules", hidden: true });
  section.setAttribute("aria-labelledby", "sync-schedules-title");
  const form = el(doc, "form");
  form.append(
    ...KINDS.map(([kind, label]) => labelled(doc, `${label} sync`, select(doc, `${kind}_schedule`, SCHEDULES))),
    labelled(doc, "Calendar direction", select(doc, "calendar_direction", DIRECTIONS)),
    lockBox(doc),
    el(doc, "button", { className: "primary", text: "Save sync schedules" }),
  );
  section.append(
    el(doc, "h2", { id: "sync-schedules-title", text: "Sync schedules" }),
    el(doc, "p", { className: "muted", text: "What every member follows unless they choose their own in the side panel's Account screen." }),
    form,
    el(doc, "p", { dataset: { note: "" }, hidden: true }),
  );
  return section;
}

export function syncSchedulesSection(section, client) {
  const form = section.querySelector("form");
  const field = (name) => form.querySelector(`[name="${name}"]`);
  let org = null;

  function show(next) {
    org = next;
    for (const name of FIELDS) choose(field(name), org[name] ?? "");
    field(LOCK).checked = Boolean(org[LOCK]);
    section.hidden = false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!org) return;
    const values = { ...Object.fromEntries(FIELDS.map((name) => [name, chosen(field(name))])), [LOCK]: field(LOCK).checked };
    const changes = settingsChanges(org, values);
    if (!Object.keys(changes).length) return note(section, "Nothing to save: no schedule changed.");
    await run(section, async () => show(await client.updateOrg(changes)), "Sync schedules saved.", form);
  });

  return { load: () => load(section, client.org, show).then(() => (section.dataset.ready = "true")) };
}

/** Add the section to the admin page for an administrator (admin.js calls this once). */
export async function mountSyncSchedules(doc, client) {
  const me = await client.me().catch(() => null);
  if (me?.user?.role !== "admin") return;
  const section = buildSection(doc);
  const after = doc.getElementById("org-settings");
  if (after) after.after(section);
  else doc.getElementById("admin").append(section);
  await syncSchedulesSection(section, client).load();
}
