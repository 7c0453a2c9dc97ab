// Shared data for the record card tests (record-*.test.js): a contact, a lead, the team, deals.
import { THREAD } from "./card-actions-helpers.js";

export const ADMIN = { id: 1, name: "Demo Admin", email: "demo@threadbook.test" };
export const REP = { id: 2, name: "Rita Rep", email: "rep@threadbook.test" };
export const MEMBERS = { members: [ADMIN, REP] };

export const contactRecord = (fields = {}) => ({
  id: 7,
  name: "Ada Lovelace",
  title: "CTO",
  phone: null,
  company: { id: 3, name: "Acme Widgets" },
  owner: ADMIN,
  ...fields,
});
export const leadRecord = (fields = {}) => ({
  id: 9,
  name: "Ada Lovelace",
  email: "ada@acme.example",
  title: null,
  company_name: "Acme",
  status: "new",
  owner: REP,
  ...fields,
});

/** A lookup answer with Ada as `kind` ("contact" or "lead") and `record`. */
export const lookupOf = (kind, record) => ({
  participants: [{ email: THREAD.participants[0].email, name: "Ada", kind, record, company: null, deals: [], notes: [] }],
  thread: { logged: false, email_ids: [] },
});

export const deal = (id, name, status = "open", stage = "proposal", amount = "12000.00") => ({
  id,
  name,
  status,
  stage,
  amount,
  currency: "USD",
  contact_id: 7,
});

/** A route answering `body` (200), or a BackendError-shaped failure when `status` is given. */
export const answer =
  (body, status = 200) =>
  () => ({ status, body });
export const refusal = (status, message) => () => ({ status, body: { error: status === 403 ? "forbidden" : "error", message } });
