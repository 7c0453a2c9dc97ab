/**
 * Every member's IMAP mailboxes with their state, last sync and last error (GET /api/v1/org/imap-accounts):
 * read-only, never a secret. The section builds its own markup, right after the Mailboxes section.
 */

import { accountState } from "../panel/imap-state.js";
import { el } from "../panel/views/form-kit.js";
import { cut, fill, li, load } from "./section-kit.js";

export function imapSection(after, client) {
  const doc = after.ownerDocument;
  const section = el(doc, "section", { id: "imap-accounts", attrs: { "aria-labelledby": "imap-accounts-title" } });
  const list = el(doc, "ul", { className: "rows" });
  section.append(
    el(doc, "h2", { id: "imap-accounts-title", text: "IMAP mailboxes" }),
    el(doc, "p", { className: "muted", text: "Mailboxes members connected over IMAP (Outlook, Fastmail…); each member manages their own." }),
    list,
    el(doc, "p", { hidden: true, dataset: { note: "" } }),
  );
  after.after(section);

  function row(account) {
    const tone = account.status === "active" ? "ok" : "error";
    return li(
      doc,
      [
        cut(doc, account.user_email),
        cut(doc, `${account.username} at ${account.host}:${account.port}`),
        el(doc, "span", { className: "state", text: accountState(account), dataset: { tone } }),
        account.last_error ? cut(doc, `Last error: ${account.last_error}`, "error") : null,
      ],
      { accountId: account.id, status: account.status },
    );
  }

  return {
    load: () =>
      load(
        section,
        () => client.orgImapAccounts(),
        (answer) => fill(list, answer?.accounts || [], row, "No member has connected an IMAP mailbox."),
      ),
  };
}
