/**
 * The admin page's backend routes (administrators; a member gets 403), added to a backend client by the
 * admin page only, so the side panel, which opens beside every Gmail window, does not load them.
 * DELETEs answer null (204).
 */

// An import's upload: up to the backend's limit (20 MB), and the import itself with an in-process queue.
const UPLOAD_TIMEOUT_MS = 300_000;

/** Give `client` (from createBackendClient) the admin routes; returns it. */
export function withAdminRoutes(client) {
  const { request } = client;
  return Object.assign(client, {
    updateOrg: (fields) => request("PATCH", "/api/v1/org", { body: fields }),
    setRole: (id, role) => request("PATCH", `/api/v1/org/members/${id}`, { body: { role } }),
    invitations: () => request("GET", "/api/v1/org/invitations"),
    invite: (email, role) => request("POST", "/api/v1/org/invitations", { body: { email, role } }),
    withdrawInvitation: (id) => request("DELETE", `/api/v1/org/invitations/${id}`),
    /** `{service_account, mailboxes: [status with user_id]}`. */
    orgMailboxes: () => request("GET", "/api/v1/org/mailboxes"),
    /** `{accounts: [IMAP account state with user_email]}`: state only, never a password. */
    orgImapAccounts: () => request("GET", "/api/v1/org/imap-accounts"),
    setServiceAccount: (key) => request("PUT", "/api/v1/org/service-account", { body: { key } }),
    removeServiceAccount: () => request("DELETE", "/api/v1/org/service-account"),
    blocklist: () => request("GET", "/api/v1/blocklist"),
    block: (pattern, scope) => request("POST", "/api/v1/blocklist", { body: { pattern, scope } }),
    unblock: (id) => request("DELETE", `/api/v1/blocklist/${id}`),
    /** A page of the audit log; `query` is a query string (see admin/audit-section.js). */
    audit: (query) => request("GET", `/api/v1/org/audit?${query}`),
    /** Upload a contact list (a File) to import: `{dryRun, ownerEmail, map: ["Header=field", ...]}`; answers the import (202). */
    startImport(file, { dryRun = true, ownerEmail = "", map = [] } = {}) {
      const form = new FormData();
      form.append("file", file, file.name);
      form.append("dry_run", String(Boolean(dryRun)));
      if (ownerEmail) form.append("owner_email", ownerEmail);
      for (const pair of map) form.append("map", pair);
      return request("POST", "/api/v1/org/imports", { form, timeoutMs: UPLOAD_TIMEOUT_MS });
    },
    /** `{imports: [...]}`, the last 20, newest first. */
    imports: () => request("GET", "/api/v1/org/imports"),
    importStatus: (id) => request("GET", `/api/v1/org/imports/${id}`),
    /** The rejected rows of an import, as CSV text. */
    importRejects: (id) => request("GET", `/api/v1/org/imports/${id}/rejects.csv`, { raw: true, headers: { Accept: "text/csv" } }),
  });
}
