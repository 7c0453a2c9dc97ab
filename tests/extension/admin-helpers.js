// Shared by the admin page's node tests: the real admin.html in linkedom and a fake backend client.
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { BackendError } from "../../extension/api/backend-client.js";
import { startAdminPage } from "../../extension/admin/admin-page.js";

const HTML = readFileSync(new URL("../../extension/admin/admin.html", import.meta.url), "utf8");
export const EVIL = '<img src=x onerror="document.body.dataset.pwned=1">';

/** A refusal as the backend client throws it. */
export const refusal = (message, field, status = 400) => new BackendError("client", message, { status, body: { error: "bad_request", message, field } });

export const ME_ADMIN = {
  user: { id: 1, email: "boss@acme.example", name: "Bo Boss", role: "admin", default_visibility: null },
  org: { id: 9, name: "Acme", default_visibility: "team_metadata" },
};
export const ORG = {
  id: 9,
  name: "Acme",
  default_visibility: "team_metadata",
  invite_only: false,
  store_bodies: false,
  sync_enabled: true,
  archive_sorted_threads: false,
  deal_stages: ["qualification", "proposal", "negotiation"],
};
export const MEMBERS = [
  { id: 1, email: "boss@acme.example", name: "Bo Boss", role: "admin", pending: false },
  { id: 2, email: "rep@acme.example", name: "", role: "member", pending: false },
  { id: 3, email: "new@acme.example", name: "Nia New", role: "member", pending: true },
];

/** Everything the backend answers by default, per client method (a value, or a function of the call's arguments). */
export function answers() {
  return {
    me: ME_ADMIN,
    org: ORG,
    members: { members: structuredClone(MEMBERS) },
    invitations: { invitations: [{ id: 7, email: "soon@acme.example", role: "admin" }] },
    orgMailboxes: {
      service_account: { configured: false, client_email: null, client_id: null },
      mailboxes: [
        { user_id: 1, email: "boss@acme.example", connected: true, status: "active", backfill_done: true, messages_synced: 12, last_error: null },
        {
          user_id: 2,
          email: "rep@acme.example",
          connected: true,
          status: "needs_reconnect",
          messages_synced: 3,
          last_error: "invalid_grant: Token has been revoked.",
        },
        { user_id: 3, email: "new@acme.example", connected: false, status: "not_connected", messages_synced: 0, last_error: null },
      ],
    },
    blocklist: {
      entries: [
        { id: 4, pattern: "spam.example", kind: "domain", scope: "org" },
        { id: 5, pattern: "mine@x.example", kind: "address", scope: "user" },
      ],
    },
    config: { import_max_bytes: 20 * 1024 * 1024 },
    imports: { imports: [] },
    audit: (query) => ({
      entries: [
        {
          id: 30,
          action: "member.role_changed",
          detail: { member_id: 2, old: "member", new: "admin" },
          user: MEMBERS[0],
          created_at: "2026-03-02T10:00:00Z",
          query,
        },
      ],
      next_before_id: null,
    }),
  };
}

/** A backend client whose every method records `[name, ...args]` in `calls` and answers from `table`. */
export function fakeClient(table = answers()) {
  const calls = [];
  const client = new Proxy(
    {},
    {
      get:
        (_, name) =>
        async (...args) => {
          calls.push([name, ...args]);
          const answer = typeof table[name] === "function" ? table[name](...args) : table[name];
          if (answer instanceof Error) throw answer;
          return structuredClone(answer ?? null);
        },
    },
  );
  return { client, calls, table };
}

/** Start the admin page on admin.html with `table`'s answers; resolves once it has loaded. */
export async function openPage(table = answers()) {
  const { document } = parseHTML(HTML);
  const fake = fakeClient(table);
  const reloads = [];
  await startAdminPage(document, fake.client, { reload: () => reloads.push(true) });
  const $ = (selector) => document.querySelector(selector);
  const texts = (selector) => Array.from(document.querySelectorAll(selector)).map((e) => e.textContent);
  return { document, $, texts, reloads, ...fake };
}

/** Submit a form as a click on its submit button would. */
export const submit = (form) => form.dispatchEvent(new form.ownerDocument.defaultView.Event("submit", { cancelable: true }));

/** Fire `change` on a control. */
export const change = (control) => control.dispatchEvent(new control.ownerDocument.defaultView.Event("change"));

/** Wait for pending promise callbacks (the page's actions are asynchronous). */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
