// Sync schedules: the Account screen's part (own choices, Sync now, calendar direction) and the admin page's section.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { DIRECTIONS, optionsFor, runText, SCHEDULES, showSyncSchedule } from "../../extension/panel/sync-schedule-part.js";
import { mountSyncSchedules } from "../../extension/admin/sync-schedules-section.js";
import { BackendError } from "../../extension/api/backend-client.js";
import { choose, chosen } from "../../extension/panel/views/form-kit.js";
import { EVIL, ME_ADMIN, ORG, fakeClient, refusal, settle, submit } from "./admin-helpers.js";

const PANEL = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
const ADMIN = readFileSync(new URL("../../extension/admin/admin.html", import.meta.url), "utf8");

const entry = (fields = {}) => ({ schedule: "10m", choice: null, org_default: "10m", last_run_at: null, sync_queued: false, ...fields });
const SCHEDULE = {
  schedules: {
    mail: entry({ choice: "manual", schedule: "manual", org_default: "2h", last_run_at: "2026-03-14T09:05:00Z" }),
    calendar: entry(),
    contacts: entry(),
    tasks: entry(),
  },
  calendar_direction: { direction: "two_way", choice: null, org_default: "two_way" },
};

/** A panel client answering the sync-schedule routes; `calls` records [method, path, body]. */
function panelClient({ sync = () => ({ kind: "mail", queued: true, already_queued: false }) } = {}) {
  const calls = [];
  let state = structuredClone(SCHEDULE);
  const client = {
    async request(method, path, { body } = {}) {
      calls.push([method, path, body]);
      if (path === "/api/v1/me/sync") {
        const answer = sync(body);
        if (answer instanceof Error) throw answer;
        return answer;
      }
      if (method === "PUT") {
        for (const [name, value] of Object.entries(body)) {
          if (name === "calendar_direction") state.calendar_direction = { ...state.calendar_direction, choice: value, direction: value || "two_way" };
          else state.schedules[name.replace("_schedule", "")].choice = value;
        }
      }
      return structuredClone(state);
    },
  };
  return { client, calls };
}

async function openPart(options) {
  const { document } = parseHTML(PANEL);
  const fake = panelClient(options);
  await showSyncSchedule(document, () => fake.client, { formatTime: (v) => `at ${v}` });
  const part = document.getElementById("sync-schedule-part");
  return { document, part, ...fake };
}

test("choices name the organisation's default first, and a kind's last run in words", () => {
  assert.deepEqual(optionsFor(SCHEDULES, "2h")[0], ["", "Organisation default (every 2 hours)"]);
  assert.equal(optionsFor(SCHEDULES, "2h").length, 5);
  assert.equal(optionsFor(DIRECTIONS, "one_way")[0][1], "Organisation default (one-way: Google Calendar into Threadbook only)");
  assert.equal(runText(entry(), String), "Not run yet");
  assert.equal(
    runText(entry({ last_run_at: "t", sync_queued: true }), (v) => `at ${v}`),
    "Last run at t; a sync is queued",
  );
});

test("the Account part shows each kind's choice and last run, after the Mail sync part, once", async () => {
  const { document, part } = await openPart();
  assert.equal(part.previousElementSibling.getAttribute("aria-labelledby"), "mailbox-title");
  const rows = Array.from(part.querySelectorAll("li[data-kind]")).map((li) => li.dataset.kind);
  assert.deepEqual(rows, ["mail", "calendar", "contacts", "tasks", "calendar-direction"]);
  assert.equal(chosen(part.querySelector('[name="mail_schedule"]')), "manual");
  assert.equal(chosen(part.querySelector('[name="calendar_schedule"]')), "");
  assert.match(part.querySelector('[data-kind="mail"]').textContent, /Last run at 2026-03-14T09:05:00Z/);
  assert.match(part.querySelector('[name="mail_schedule"] option').textContent, /every 2 hours/);
  await showSyncSchedule(document, () => panelClient().client);
  assert.equal(document.querySelectorAll("#sync-schedule-part").length, 1);
});

test("changing a choice saves that one field; the organisation's default is null", async () => {
  const { part, calls } = await openPart();
  const select = part.querySelector('[name="calendar_schedule"]');
  choose(select, "30m");
  select.dispatchEvent(new select.ownerDocument.defaultView.Event("change"));
  await settle();
  assert.deepEqual(calls.at(-1), ["PUT", "/api/v1/me/sync-schedule", { calendar_schedule: "30m" }]);
  assert.equal(chosen(part.querySelector('[name="calendar_schedule"]')), "30m");
  const mail = part.querySelector('[name="mail_schedule"]');
  choose(mail, "");
  mail.dispatchEvent(new mail.ownerDocument.defaultView.Event("change"));
  await settle();
  assert.deepEqual(calls.at(-1), ["PUT", "/api/v1/me/sync-schedule", { mail_schedule: null }]);
  const direction = part.querySelector('[name="calendar_direction"]');
  choose(direction, "one_way");
  direction.dispatchEvent(new direction.ownerDocument.defaultView.Event("change"));
  await settle();
  assert.deepEqual(calls.at(-1), ["PUT", "/api/v1/me/sync-schedule", { calendar_direction: "one_way" }]);
});

test("Sync now queues the kind and says so; a refusal is shown as text", async () => {
  let answer = { kind: "calendar", queued: true, already_queued: false };
  const { part, calls } = await openPart({ sync: () => answer });
  part.querySelector('[data-sync-now="calendar"]').click();
  await settle();
  await settle();
  assert.deepEqual(
    calls.find(([, path]) => path === "/api/v1/me/sync"),
    ["POST", "/api/v1/me/sync", { kind: "calendar" }],
  );
  assert.equal(part.querySelector("[data-note]").textContent, "Calendar sync queued.");
  answer = { kind: "calendar", queued: true, already_queued: true };
  part.querySelector('[data-sync-now="calendar"]').click();
  await settle();
  assert.equal(part.querySelector("[data-note]").textContent, "Calendar sync is already queued.");
  answer = new BackendError("client", `Your sync is paused; resume it first. ${EVIL}`, { status: 409 });
  part.querySelector('[data-sync-now="mail"]').click();
  await settle();
  const note = part.querySelector("[data-note]");
  assert.ok(note.classList.contains("error") && note.textContent.includes(EVIL) && !note.querySelector("img"));
});

async function openAdmin(table) {
  const { document } = parseHTML(ADMIN);
  const fake = fakeClient({
    me: ME_ADMIN,
    org: {
      ...ORG,
      mail_schedule: "10m",
      calendar_schedule: "10m",
      contacts_schedule: "10m",
      tasks_schedule: "10m",
      calendar_direction: "two_way",
      sync_schedules_locked: false,
    },
    ...table,
  });
  await mountSyncSchedules(document, fake.client);
  return { document, section: document.getElementById("sync-schedules"), ...fake };
}

test("the admin section sets the organisation's defaults, sending only what changed", async () => {
  const { document, section, calls, table } = await openAdmin({ updateOrg: (changes) => ({ ...table.org, ...changes }) });
  assert.equal(section.previousElementSibling.id, "org-settings");
  assert.equal(section.dataset.ready, "true");
  assert.equal(section.hidden, false);
  const form = section.querySelector("form");
  submit(form);
  await settle();
  assert.equal(section.querySelector("[data-note]").textContent, "Nothing to save: no schedule changed.");
  choose(form.querySelector('[name="mail_schedule"]'), "2h");
  choose(form.querySelector('[name="calendar_direction"]'), "one_way");
  submit(form);
  await settle();
  assert.deepEqual(calls.at(-1), ["updateOrg", { mail_schedule: "2h", calendar_direction: "one_way" }]);
  assert.equal(section.querySelector("[data-note]").textContent, "Sync schedules saved.");
  assert.ok(document.getElementById("sync-schedules"));
});

test("a refusal names and focuses its field; a member gets no section", async () => {
  const { section } = await openAdmin({ updateOrg: refusal("'tasks_schedule' must be one of: 10m, 30m, 2h, manual.", "tasks_schedule") });
  const form = section.querySelector("form");
  const tasks = form.querySelector('[name="tasks_schedule"]');
  choose(tasks, "manual");
  let focused = false;
  tasks.focus = () => (focused = true);
  submit(form);
  await settle();
  assert.match(section.querySelector("[data-note]").textContent, /must be one of/);
  assert.equal(focused, true, "the field named by the refusal has the focus");
  const member = await openAdmin({ me: { ...ME_ADMIN, user: { ...ME_ADMIN.user, role: "member" } } });
  assert.equal(member.section, null);
  assert.deepEqual(
    member.calls.map(([name]) => name),
    ["me"],
  );
});

test("locked by an administrator: the selects show the organisation's and cannot change; Sync now stays", async () => {
  const { document } = parseHTML(PANEL);
  const locked = { ...structuredClone(SCHEDULE), locked: true };
  await showSyncSchedule(document, () => ({ request: async () => locked }));
  const part = document.getElementById("sync-schedule-part");
  const mail = part.querySelector('[name="mail_schedule"]');
  assert.equal(mail.disabled, true);
  assert.equal(chosen(mail), "");
  assert.equal(part.querySelector('[name="calendar_direction"]').disabled, true);
  assert.equal(part.querySelector('[data-sync-now="mail"]').disabled, false);
  assert.match(part.querySelector("li.muted").textContent, /administrator set these/);
});

test("the admin section's lock is sent like any other setting", async () => {
  const { section, calls, table } = await openAdmin({ updateOrg: (changes) => ({ ...table.org, ...changes }) });
  const box = section.querySelector('[name="sync_schedules_locked"]');
  assert.equal(box.checked, false);
  box.checked = true;
  submit(section.querySelector("form"));
  await settle();
  assert.deepEqual(calls.at(-1), ["updateOrg", { sync_schedules_locked: true }]);
  assert.equal(section.querySelector('[name="sync_schedules_locked"]').checked, true);
});
