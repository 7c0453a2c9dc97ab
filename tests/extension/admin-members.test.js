// Members and invitations on the admin page: change a role, invite, withdraw; refusals put the old role back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { choose } from "../../extension/panel/views/form-kit.js";
import { answers, change, openPage, refusal, settle, submit } from "./admin-helpers.js";

const rows = (document) => Array.from(document.querySelectorAll("#members ul")[0].children);
const roleOf = (document, id) => document.querySelector(`#members li[data-id="${id}"] select`);

test("each member with their role, 'you' and 'not signed in yet', long values cut with the whole in the title", async () => {
  const { document } = await openPage();
  assert.deepEqual(
    rows(document).map((row) => row.dataset.id),
    ["1", "2", "3"],
  );
  assert.match(rows(document)[0].textContent, /you/);
  assert.match(rows(document)[2].textContent, /not signed in yet/);
  assert.equal(roleOf(document, 2).getAttribute("aria-label"), "Role of rep@acme.example");
  assert.equal(roleOf(document, 1).value, "admin");
  const name = rows(document)[2].querySelector(".cut");
  assert.equal(name.getAttribute("title"), "Nia New");
});

test("changing a role saves it and says so", async () => {
  const table = answers();
  table.setRole = (id, role) => ({ id, role, email: "rep@acme.example" });
  const { document, calls, reloads } = await openPage(table);
  const role = roleOf(document, 2);
  choose(role, "admin");
  change(role);
  await settle();
  assert.deepEqual(calls.at(-1), ["setRole", 2, "admin"]);
  assert.equal(document.querySelector("#members [data-note]").textContent, "rep@acme.example is now an administrator.");
  assert.equal(role.value, "admin");
  assert.deepEqual(reloads, []);
});

test("a refused change (the only administrator) shows why and puts the old role back", async () => {
  const table = answers();
  table.setRole = refusal("This is the organisation's only administrator; make someone else an administrator first.", undefined, 409);
  const { document } = await openPage(table);
  const role = roleOf(document, 1);
  choose(role, "member");
  change(role);
  await settle();
  assert.match(document.querySelector("#members [data-note]").textContent, /only administrator/);
  assert.equal(role.value, "admin");
});

test("an administrator who makes themselves a member: the page reloads as a member's", async () => {
  const table = answers();
  table.setRole = (id, role) => ({ id, role });
  const { document, reloads } = await openPage(table);
  const role = roleOf(document, 1);
  choose(role, "member");
  change(role);
  await settle();
  assert.deepEqual(reloads, [true]);
});

test("invite an address with a role, then withdraw an invitation", async () => {
  const table = answers();
  const invited = [{ id: 7, email: "soon@acme.example", role: "admin" }];
  table.invitations = () => ({ invitations: invited });
  table.invite = (email, role) => invited.push({ id: 8, email, role });
  table.withdrawInvitation = (id) =>
    invited.splice(
      invited.findIndex((i) => i.id === id),
      1,
    ) && null;
  const { document, calls } = await openPage(table);
  const form = document.querySelector("#members form");
  form.querySelector('[name="email"]').value = " ann@acme.example ";
  choose(form.querySelector('[name="role"]'), "admin");
  submit(form);
  await settle();
  assert.ok(calls.some((call) => JSON.stringify(call) === JSON.stringify(["invite", "ann@acme.example", "admin"])));
  const invitations = () =>
    Array.from(document.querySelectorAll("#members ul")[1].children).map((li) => Array.from(li.children, (part) => part.textContent).join(" | "));
  assert.deepEqual(invitations(), ["soon@acme.example | as an administrator | Withdraw", "ann@acme.example | as an administrator | Withdraw"]);
  assert.equal(form.querySelector('[name="email"]').value, "");

  const withdraw = document.querySelector('#members [aria-label="Withdraw the invitation of soon@acme.example"]');
  withdraw.click();
  await settle();
  assert.deepEqual(invitations(), ["ann@acme.example | as an administrator | Withdraw"]);
  assert.equal(document.querySelector("#members [data-note]").textContent, "The invitation of soon@acme.example is withdrawn.");
});

test("a refused invitation keeps the address typed and focuses it", async () => {
  const table = answers();
  table.invite = refusal("That is not an email address.", "email");
  const { document } = await openPage(table);
  const email = document.querySelector('#members [name="email"]');
  let focused = false;
  email.focus = () => (focused = true);
  email.value = "nope";
  submit(document.querySelector("#members form"));
  await settle();
  assert.equal(email.value, "nope");
  assert.equal(focused, true, "the field named by the refusal has the focus");
  assert.equal(document.querySelector("#members [data-note]").textContent, "That is not an email address.");
});

test("no open invitations says so", async () => {
  const table = answers();
  table.invitations = { invitations: [] };
  const { document } = await openPage(table);
  assert.equal(document.querySelectorAll("#members ul")[1].textContent, "No open invitations.");
});
