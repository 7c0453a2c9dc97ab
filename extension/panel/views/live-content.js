/**
 * An email's content read live from the viewer's own Gmail, for mail stored in no-copy mode (the CRM keeps no body).
 * Loaded only when someone asks for it (timeline-section.js imports it on *Show content*).
 *
 * The content is email: untrusted, so it is shown as text (textContent), never HTML.
 */

import { el } from "./form-kit.js";

/**
 * Fill `box` with the content of `email`: "Loading…", then its subject (when the CRM kept none) and body,
 * or why the viewer's Gmail cannot show it. `read(id)` resolves `{ok, content, message}` (log-actions.js).
 */
export async function showLiveContent(doc, box, email, read) {
  box.className = "live-content muted";
  box.textContent = "Loading from your Gmail…";
  const answer = await read(email.id);
  const content = answer.ok ? answer.content : null;
  if (!content) {
    box.className = "live-content error";
    box.textContent = answer.message || "Your Gmail could not show this email.";
    return false;
  }
  box.className = "live-content";
  box.replaceChildren(
    ...(email.subject_stored === false ? [el(doc, "div", { className: "truncate", text: content.subject || "(no subject)" })] : []),
    el(doc, "div", { className: "live-body", text: content.body || content.snippet || "(no text)" }),
  );
  return true;
}
