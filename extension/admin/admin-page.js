/**
 * The admin page: who is looking (GET /api/v1/me) decides what it shows.
 *
 * An administrator gets every section of the organisation; anyone else gets
 * "Only administrators…" and their own settings, and the page asks the
 * backend for nothing of the organisation (it would refuse: 403).
 * `body[data-ready]` says "admin" or "member" once the page has loaded.
 */

import { auditSection } from "./audit-section.js";
import { blocklistSection } from "./blocklist-section.js";
import { importSection } from "./import-section.js";
import { mailboxesSection } from "./mailboxes-section.js";
import { membersSection } from "./members-section.js";
import { mySettingsSection } from "./my-settings-section.js";
import { noCopySection } from "./no-copy-section.js";
import { settingsSection } from "./settings-section.js";

export async function startAdminPage(doc, client, { reload }) {
  const $ = (id) => doc.getElementById(id);
  let me;
  try {
    me = await client.me();
  } catch (error) {
    const signedOut = error?.kind === "unauthorized";
    $("page-error").textContent = signedOut ? "Sign in to Threadbook in the side panel, then reload this page." : error?.message || String(error);
    $("page-error").hidden = false;
    doc.body.dataset.ready = "error";
    return;
  }
  mySettingsSection($("my-settings"), client).show(me);
  const admin = me.user?.role === "admin";
  $("not-admin").hidden = admin;
  $("admin").hidden = !admin;
  if (admin) {
    const audit = auditSection($("audit"), client);
    const importer = importSection($("import"), client, { me: me.user });
    const noCopy = noCopySection($("no-copy"), client); // shown the organisation the settings section loads
    const onMembers = (members) => {
      audit.setPeople(members);
      importer.setPeople(members);
    };
    await Promise.all(
      [
        settingsSection($("org-settings"), client, (org) => {
          $("org-name").textContent = org.name;
          noCopy.show(org);
        }),
        membersSection($("members"), client, { me: me.user, onMembers, reload }),
        mailboxesSection($("mailboxes"), client),
        blocklistSection($("blocklist"), client),
        importer,
        audit,
      ].map((section) => section.load()),
    );
  }
  doc.body.dataset.ready = admin ? "admin" : "member";
}
