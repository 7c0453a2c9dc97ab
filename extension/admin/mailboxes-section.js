/**
 * Every member's mailbox with its state and last error (GET /api/v1/org/mailboxes), and the
 * Google Workspace service account that can sync them all (PUT/DELETE /api/v1/org/service-account).
 */

import { describeMailbox } from "../panel/account-controller.js";
import { el } from "../panel/views/form-kit.js";
import { cut, fill, li, load, run } from "./section-kit.js";

/** The service account in a sentence. */
export function serviceAccountText(account) {
  if (!account?.configured) return "Not set up: each member connects their own Gmail.";
  return `Set up${account.client_email ? ` as ${account.client_email}` : ""}: it syncs every member's mailbox.`;
}

export function mailboxesSection(section, client) {
  const doc = section.ownerDocument;
  const list = section.querySelector("ul");
  const form = section.querySelector("form");
  const state = section.querySelector("[data-service-account]");
  const remove = form.querySelector('[data-action="remove"]');

  function mailboxRow(mailbox) {
    const summary = describeMailbox(mailbox);
    return li(
      doc,
      [
        cut(doc, mailbox.email),
        el(doc, "span", { className: "state", text: summary.headline, dataset: { tone: summary.tone } }),
        mailbox.last_error ? cut(doc, `Last error: ${mailbox.last_error}`, "error") : null,
      ],
      { userId: mailbox.user_id, status: mailbox.status },
    );
  }

  function show({ service_account: account, mailboxes }) {
    fill(list, mailboxes, mailboxRow, "No members.");
    state.textContent = serviceAccountText(account);
    remove.hidden = !account?.configured;
    remove.textContent = "Remove";
    delete remove.dataset.armed;
  }

  const refresh = async () => show(await client.orgMailboxes());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = form.querySelector("textarea");
    const done = "Service account saved: every member's mailbox will sync through it.";
    if (await run(section, () => client.setServiceAccount(key.value.trim()).then(refresh), done, form)) key.value = "";
  });

  // Removing stops sync for everyone it served: the first click asks, the second removes.
  remove.addEventListener("click", () => {
    if (!remove.dataset.armed) {
      remove.dataset.armed = "1";
      remove.textContent = "Remove for everyone?";
      return;
    }
    run(section, () => client.removeServiceAccount().then(refresh), "Service account removed: members connect their own Gmail again.");
  });

  return { load: () => load(section, client.orgMailboxes, show) };
}
