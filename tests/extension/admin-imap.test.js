// The admin page's IMAP mailboxes: every member's state, read-only, as text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EVIL, answers, openPage } from "./admin-helpers.js";

test("every member's IMAP mailbox with its state and last error, as text", async () => {
  const table = answers();
  table.orgImapAccounts = {
    accounts: [
      {
        id: 3,
        user_id: 2,
        user_email: "rep@acme.example",
        host: "imap.fastmail.com",
        port: 993,
        username: `rep${EVIL}@fastmail.com`,
        status: "needs_reconnect",
        needs_reconnect: true,
        messages_synced: 4,
        last_error: "The server refused the login: Authentication failed.",
      },
    ],
  };
  const { document } = await openPage(table);
  const section = document.getElementById("imap-accounts");
  assert.equal(section.previousElementSibling.id, "mailboxes");
  const rows = Array.from(section.querySelectorAll("li"));
  assert.deepEqual(
    rows.map((row) => [row.dataset.accountId, row.dataset.status]),
    [["3", "needs_reconnect"]],
  );
  assert.match(rows[0].textContent, /rep<img src=x/);
  assert.equal(rows[0].querySelector(".state").dataset.tone, "error");
  assert.equal(rows[0].querySelector(".error").textContent, "Last error: The server refused the login: Authentication failed.");
  assert.equal(section.querySelector("img"), null);
  assert.equal(document.body.dataset.pwned, undefined);
});

test("no IMAP mailbox says so", async () => {
  const { document } = await openPage();
  assert.equal(document.querySelector("#imap-accounts li").textContent, "No member has connected an IMAP mailbox.");
});
