// The audit log on the admin page: filters become the query, dates are the viewer's days, "Show older" pages back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { auditQuery, detailText } from "../../extension/admin/audit-section.js";
import { choose } from "../../extension/panel/views/form-kit.js";
import { answers, MEMBERS, openPage, refusal, settle, submit } from "./admin-helpers.js";

const params = (query) => Object.fromEntries(new URLSearchParams(query));

test("the query: only the filters given; the dates are local days, 'To' included", () => {
  assert.deepEqual(params(auditQuery({})), { limit: "50" });
  const query = params(auditQuery({ action: " member.* ", user_id: "2", since: "2026-03-01", until: "2026-03-02" }, 41, 10));
  assert.deepEqual(query, {
    limit: "10",
    action: "member.*",
    user_id: "2",
    since: new Date(2026, 2, 1).toISOString(),
    until: new Date(2026, 2, 3).toISOString(),
    before_id: "41",
  });
  // The last day of a month rolls over to the next month.
  assert.equal(params(auditQuery({ until: "2026-01-31" })).until, new Date(2026, 1, 1).toISOString());
});

test("an entry's detail as one line of text", () => {
  assert.equal(detailText({ member_id: 2, old: "member", new: "admin" }), "member_id: 2, old: member, new: admin");
  assert.equal(detailText({ changes: { name: ["A", "B"] }, none: null }), 'changes: {"name":["A","B"]}, none: null');
  assert.equal(detailText(undefined), "");
});

test("entries newest first with when, what, who and the detail; 'Person' offers every member", async () => {
  const { document, calls } = await openPage();
  assert.deepEqual(
    calls.find(([name]) => name === "audit"),
    ["audit", "limit=50"],
  );
  const row = document.querySelector("#audit li");
  assert.equal(row.dataset.action, "member.role_changed");
  assert.equal(row.querySelector("code").textContent, "member.role_changed");
  assert.match(row.textContent, /Bo Boss/);
  assert.match(row.textContent, /old: member, new: admin/);
  const people = Array.from(document.querySelectorAll('#audit [name="user_id"] option'), (o) => [o.value, o.textContent]);
  assert.deepEqual(people, [
    ["", "Anyone"],
    ["1", "Bo Boss (boss@acme.example)"],
    ["2", "rep@acme.example"],
    ["3", "Nia New (new@acme.example)"],
  ]);
  assert.equal(document.querySelector('#audit [data-action="older"]').hidden, true);
});

test("Filter asks again with the filters; 'Show older' adds the next page with the same filters", async () => {
  const table = answers();
  table.audit = (query) => {
    const older = params(query).before_id;
    return {
      entries: [{ id: older ? 10 : 20, action: "signin", detail: {}, user: MEMBERS[1], created_at: "2026-03-02T10:00:00Z" }],
      next_before_id: older ? null : 20,
    };
  };
  const { document, calls } = await openPage(table);
  const form = document.querySelector("#audit form");
  form.querySelector('[name="action"]').value = "signin";
  choose(form.querySelector('[name="user_id"]'), "2");
  submit(form);
  await settle();
  assert.deepEqual(params(calls.at(-1)[1]), { limit: "50", action: "signin", user_id: "2" });
  const more = document.querySelector('#audit [data-action="older"]');
  assert.equal(more.hidden, false);
  more.click();
  await settle();
  assert.deepEqual(params(calls.at(-1)[1]), { limit: "50", action: "signin", user_id: "2", before_id: "20" });
  assert.deepEqual(
    Array.from(document.querySelectorAll("#audit li"), (li) => li.dataset.id),
    ["20", "10"],
  );
  assert.equal(more.hidden, true);
});

test("no entry matching says so; a refused filter shows the backend's message", async () => {
  const table = answers();
  table.audit = { entries: [], next_before_id: null };
  const { document } = await openPage(table);
  assert.equal(document.querySelector("#audit ul").textContent, "No entries match these filters.");
  table.audit = refusal("'action' must be an action such as member.role_changed, or a family such as member.*.", "action");
  document.querySelector('#audit [name="action"]').value = "Bad!";
  submit(document.querySelector("#audit form"));
  await settle();
  assert.match(document.querySelector("#audit [data-note]").textContent, /'action' must be an action/);
});

test("the person chosen stays chosen when the members are listed again", async () => {
  const { document } = await openPage();
  const people = document.querySelector('#audit [name="user_id"]');
  choose(people, "3");
  const change = document.querySelector('#members li[data-id="2"] select');
  choose(change, "admin");
  change.dispatchEvent(new document.defaultView.Event("change"));
  await settle();
  assert.equal(people.value, "3");
});
