/**
 * Show who sees the open conversation's mail: the level for logging (beside
 * "Log thread"), "Keep this thread private" and the "Logged in this thread"
 * list, each email with its level (a select where the user may change it).
 *
 * Subjects and senders come from email: text only (textContent), never HTML.
 * The structure is in panel.html (`#log-sharing`, `#thread-privacy`,
 * `#logged-emails-box`, `<template id="logged-email-template">`).
 */

import { choose, chosen } from "./form-kit.js";
import { formatDateTime, VISIBILITY_OPTIONS, visibilityLabel } from "./format.js";
import { unlogButton } from "./timeline-section.js";

function fillLevels(doc, selectElement) {
  selectElement.replaceChildren(
    ...VISIBILITY_OPTIONS.map(([value, label]) => {
      const option = doc.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
}

/** An id usable in `id` attributes, from the backend's email id. */
const domId = (emailId) => `logged-email-${String(emailId).replace(/[^A-Za-z0-9_-]/g, "_")}`;

/** "Ada Lovelace <ada@acme.example> · 2 Jun 2025, 10:00". */
export function senderLine(email) {
  const name = email.from?.name || "";
  const address = email.from?.email || "";
  const who = name && address && name !== address ? `${name} <${address}>` : name || address;
  return [who, formatDateTime(email.date)].filter(Boolean).join(" · ");
}

/**
 * Wire the sharing controls to the controller (once): `getActions()` returns
 * the actions with `chooseVisibility(level)`, `setThreadPrivate(value)` and
 * `setEmailVisibility(id, level)`.
 */
export function bindSharing(doc, getActions) {
  const levelSelect = doc.getElementById("log-visibility");
  if (!levelSelect.querySelector("option")) fillLevels(doc, levelSelect);
  levelSelect.addEventListener("change", () => getActions().chooseVisibility(chosen(levelSelect)));
  const keepPrivate = doc.getElementById("keep-private");
  keepPrivate.addEventListener("change", () => getActions().setThreadPrivate(Boolean(keepPrivate.checked)));
}

function createEmailItem(doc, email, getActions) {
  const item = doc.getElementById("logged-email-template").content.firstElementChild.cloneNode(true);
  const id = domId(email.id);
  item.dataset.emailId = String(email.id);
  const subject = item.querySelector('[data-field="subject"]');
  subject.id = `${id}-subject`;
  const choice = item.querySelector('[data-field="level-choice"]');
  fillLevels(doc, choice);
  // Named by its visible label ("Who sees it"), described by the mail's subject.
  choice.setAttribute("aria-describedby", subject.id);
  choice.addEventListener("change", () => getActions().setEmailVisibility(email.id, chosen(choice)));
  if (email.canUnlog) {
    // Once unlogged its row goes: the focus goes back to Log thread.
    const unlog = unlogButton(
      doc,
      email.subject,
      async () => (await getActions().unlogEmail(email.id, email.subject)) && doc.getElementById("log-thread").focus(),
    );
    item.querySelector('[data-field="error"]').before(unlog);
  }
  return item;
}

function fillEmailItem(item, email) {
  const field = (name) => item.querySelector(`[data-field="${name}"]`);
  field("subject").textContent = email.subject || "(no subject)";
  field("sender").textContent = senderLine(email);
  item.dataset.level = email.level || "";
  item.setAttribute("aria-busy", String(email.busy));
  const choice = field("level-choice");
  field("level-label").hidden = !email.canChange;
  if (email.canChange) choose(choice, email.level);
  const text = field("level-text");
  text.textContent = email.canChange ? "" : `Who sees it: ${visibilityLabel(email.level) || "unknown"}`;
  text.hidden = email.canChange;
  field("error").textContent = email.error;
  field("error").hidden = !email.error;
  return item;
}

/** Show `sharing` (from sharing-actions.js `describe`), or hide every control when it is null. */
export function renderSharing(doc, sharing, getActions) {
  const $ = (id) => doc.getElementById(id);
  $("log-sharing").hidden = !sharing;
  $("thread-privacy").hidden = !sharing;
  if (!sharing) {
    $("log-visibility-note").hidden = true;
    $("logged-emails-box").hidden = true;
    $("logged-emails").replaceChildren();
    return;
  }

  const levelSelect = $("log-visibility");
  if (!levelSelect.querySelector("option")) fillLevels(doc, levelSelect);
  choose(levelSelect, sharing.level);
  levelSelect.disabled = sharing.private;
  $("log-visibility-note").hidden = !sharing.private;

  const keepPrivate = $("keep-private");
  keepPrivate.checked = sharing.private;
  $("thread-privacy").setAttribute("aria-busy", String(sharing.privateBusy));
  $("privacy-error").textContent = sharing.privateError;
  $("privacy-error").hidden = !sharing.privateError;

  // Items are kept across renders (keyed by id), so a select keeps its focus.
  const list = $("logged-emails");
  const existing = new Map(Array.from(list.children).map((item) => [item.dataset.emailId, item]));
  const items = sharing.emails.map((email) => fillEmailItem(existing.get(String(email.id)) || createEmailItem(doc, email, getActions), email));
  const unchanged = items.length === list.children.length && items.every((item, index) => list.children[index] === item);
  if (!unchanged) list.replaceChildren(...items);
  $("logged-emails-box").hidden = !items.length;
}
