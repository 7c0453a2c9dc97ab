// The Account screen's Google Contacts part, on the panel's real HTML with a fake backend client and worker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { createGoogleContactsPart, describeConflict, describeGoogleContacts } from "../../extension/panel/google-contacts-part.js";
import { MESSAGE } from "../../extension/shared/messages.js";
import { BackendError } from "../../extension/api/backend-client.js";
import { settle } from "./helpers.js";

const HTML = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
const EVIL = '<img src=x onerror="document.body.dataset.pwned=1">';
const REDIRECT = "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/";
const OFF = { enabled: false, filter: "mine", granted: false, state: "off", counts: { copied: 0, conflicts: 0 }, conflicts: [] };
const ON = { ...OFF, enabled: true, granted: true, state: "ok", counts: { copied: 2, conflicts: 0 }, last_synced_at: "2026-03-02T10:05:00Z" };
const CONFLICT = { id: 7, contact_id: 3, contact_name: `Ada ${EVIL}`, at: "2026-03-02T10:05:00Z", google: { name: "Ada G", phones: ["+33 1"] } };

const COMPANIES = [
  { id: 4, name: `Acme ${EVIL}` },
  { id: 9, name: "Globex" },
];
const MEMBERS = [
  { id: 2, name: "Ada Lovelace", email: "ada@acme.example" },
  { id: 5, name: "", email: "bob@acme.example" },
];

function fakeClient(first, { refuse, refuseFilter } = {}) {
  const calls = [];
  let current = structuredClone(first);
  return {
    calls,
    googleContacts: async () => (calls.push(["get"]), structuredClone(current)),
    changeGoogleContacts: async (body) => {
      calls.push(["put", body]);
      if (refuseFilter && body.filter_value)
        throw new BackendError("client", "There is no company 9 in your organisation.", {
          status: 400,
          code: "bad_request",
          body: { error: "bad_request", field: "filter_value" },
        });
      if (refuse)
        throw new BackendError("client", "Threadbook needs your permission to write your Google Contacts.", {
          status: 403,
          code: "needs_scope",
          body: { error: "needs_scope" },
        });
      current = {
        ...current,
        ...("enabled" in body ? { enabled: body.enabled, state: body.enabled ? "pending" : "off" } : {}),
        ...(body.filter ? { filter: body.filter, filter_value: body.filter_value ?? null } : {}),
      };
      return structuredClone(current);
    },
    googleContactsAction: async (path, body) => {
      calls.push(["post", path, body]);
      if (path === "connect/start") return { authorization_url: "https://accounts.google.com/o/oauth2/v2/auth?x=1", state: "st", redirect_uri: REDIRECT };
      if (path.startsWith("conflicts/")) current = { ...current, conflicts: [], counts: { ...current.counts, conflicts: 0 } };
      return structuredClone(current);
    },
    request: async (method, path) => {
      calls.push(["request", method, path]);
      const one = path.match(/^\/api\/v1\/companies\/(\d+)$/);
      if (one) return structuredClone(COMPANIES.find((c) => c.id === Number(one[1])));
      const q = new URL(path, "http://x").searchParams.get("q") || "";
      return { items: structuredClone(COMPANIES.filter((c) => c.name.toLowerCase().includes(q.toLowerCase()))), has_more: false };
    },
    members: async () => (calls.push(["members"]), { members: structuredClone(MEMBERS) }),
    connectFinish: async (args) => {
      calls.push(["finish", args]);
      current = { ...current, granted: true };
      return { connected: true };
    },
  };
}

function page(client, reply = { ok: true, redirectUrl: `${REDIRECT}?code=c0de&state=st` }) {
  const { document, Event } = parseHTML(HTML);
  const sent = [];
  const part = createGoogleContactsPart(document, {
    getClient: () => client,
    send: async (message) => (sent.push(message), reply),
    formatTime: (value) => `at ${value}`,
  });
  return {
    document,
    part,
    sent,
    $: (id) => document.getElementById(id),
    fire: (id, type = "change") => document.getElementById(id).dispatchEvent(new Event(type, { cancelable: true })),
    // linkedom reads a select's value from the options' attributes.
    pick: (id, value) => {
      for (const option of document.getElementById(id).querySelectorAll("option")) option.toggleAttribute("selected", option.value === value);
      document.getElementById(id).dispatchEvent(new Event("change"));
    },
  };
}

test("the state line says what is on, what waits and what to do (pure)", () => {
  assert.equal(
    describeGoogleContacts(ON, (v) => `at ${v}`),
    'On: 2 contacts in your "Threadbook" group, last copied at 2026-03-02T10:05:00Z.',
  );
  assert.match(describeGoogleContacts({ ...ON, state: "waiting", retry_after: 120 }), /slow down: copying resumes in about 2 min/);
  assert.match(describeGoogleContacts({ ...OFF, enabled: true, state: "needs_scope" }), /needs your permission/);
  assert.match(describeConflict(CONFLICT), /was changed in Google \(Ada G, \+33 1\); the CRM's change was not written/);
});

test("the part sits in the Account screen before the dropbox and shows the answer", async () => {
  const client = fakeClient(ON);
  const { part, $ } = page(client);
  await part.load();
  assert.equal(part.element.nextElementSibling.getAttribute("aria-labelledby"), "dropbox-title");
  assert.equal($("gcontacts-switch").checked, true);
  assert.equal($("gcontacts-allow").hidden, true);
  assert.equal($("gcontacts-sync").hidden, false);
  assert.match($("gcontacts-state").textContent, /2 contacts/);
});

test("turning it on without the permission runs Google's consent, finishes the connection, then turns it on", async () => {
  const client = fakeClient(OFF);
  const { part, sent, $, fire } = page(client);
  await part.load();
  assert.equal($("gcontacts-allow").hidden, false);
  $("gcontacts-switch").checked = true;
  fire("gcontacts-switch");
  await settle();
  assert.deepEqual(sent, [{ type: MESSAGE.CONNECT_MAILBOX, url: "https://accounts.google.com/o/oauth2/v2/auth?x=1", redirectUri: REDIRECT }]);
  assert.deepEqual(
    client.calls.slice(1).map((c) => c[0] + (c[1] && typeof c[1] === "string" ? ` ${c[1]}` : "")),
    ["post connect/start", "finish", "put"],
  );
  assert.deepEqual(client.calls.at(-1)[1], { enabled: true, filter: "mine" });
  assert.equal($("gcontacts-switch").checked, true);
  assert.equal($("gcontacts-allow").hidden, true);
});

test("a closed Google window turns nothing on and says so", async () => {
  const client = fakeClient(OFF);
  const { part, $ } = page(client, { ok: false, error: { code: "cancelled", message: "closed" } });
  await part.load();
  $("gcontacts-allow").click();
  await settle();
  assert.equal(
    client.calls.some((c) => c[0] === "put"),
    false,
  );
  assert.match($("gcontacts-error").textContent, /Google window was closed/);
  assert.equal($("gcontacts-switch").checked, false);
});

test("a refusal from the backend is said, and the switch stays as the backend has it", async () => {
  const client = fakeClient({ ...OFF, granted: true }, { refuse: true });
  const { part, $, fire } = page(client);
  await part.load();
  $("gcontacts-switch").checked = true;
  fire("gcontacts-switch");
  await settle();
  assert.match($("gcontacts-error").textContent, /needs your permission/);
  assert.equal($("gcontacts-switch").checked, false);
  assert.equal($("gcontacts-allow").hidden, false);
});

test("conflicts show as text and are settled with the user's choice", async () => {
  const client = fakeClient({ ...ON, counts: { copied: 2, conflicts: 1 }, conflicts: [CONFLICT] });
  const { document, part, $ } = page(client);
  await part.load();
  const item = $("gcontacts-conflicts").querySelector("li");
  assert.match(item.textContent, /<img src=x/);
  assert.equal(document.body.dataset.pwned, undefined);
  assert.equal($("gcontacts-conflicts").querySelector("img"), null);
  const [keep, write] = item.querySelectorAll("button");
  assert.equal(keep.textContent, "Keep Google's");
  write.click();
  await settle();
  assert.deepEqual(client.calls.at(-1), ["post", "conflicts/7", { keep: "crm" }]);
  assert.equal($("gcontacts-conflicts").hidden, true);
});

test("a company filter set earlier shows as the choice, with the company's name as text", async () => {
  const client = fakeClient({ ...ON, filter: "company", filter_value: 4 });
  const { document, part, $ } = page(client);
  await part.load();
  await settle();
  const selected = Array.from($("gcontacts-filter").querySelectorAll("option")).find((o) => o.selected);
  assert.equal(selected?.value, "company");
  assert.equal($("gcontacts-company-picker").hidden, false);
  assert.equal($("gcontacts-owner").hidden, true);
  assert.equal($("gcontacts-target-name").textContent, `Copying the contacts of Acme ${EVIL}.`);
  assert.equal(part.element.querySelector("img"), null);
  assert.equal(document.body.dataset.pwned, undefined);
  for (const id of ["gcontacts-company-q", "gcontacts-company", "gcontacts-owner", "gcontacts-filter"]) assert.ok($(id).getAttribute("aria-label"), id);
});

test("choosing a company searches the organisation's companies and sends the picked one's id", async () => {
  const client = fakeClient(ON);
  const { part, $, fire, pick } = page(client);
  await part.load();
  pick("gcontacts-filter", "company");
  await settle();
  assert.equal(
    client.calls.some((c) => c[0] === "put"),
    false,
    "nothing is sent before a company is picked",
  );
  assert.equal($("gcontacts-company-picker").hidden, false);
  $("gcontacts-company-q").value = "glob";
  fire("gcontacts-company-picker", "submit");
  await settle();
  assert.deepEqual(client.calls.at(-1), ["request", "GET", "/api/v1/companies?per_page=50&q=glob"]);
  assert.deepEqual(
    Array.from($("gcontacts-company").querySelectorAll("option")).map((o) => o.textContent),
    ["Choose a company…", "Globex"],
  );
  pick("gcontacts-company", "9");
  await settle();
  assert.deepEqual(client.calls.at(-1), ["put", { filter: "company", filter_value: 9 }]);
  assert.equal($("gcontacts-target-name").textContent, "Copying the contacts of Globex.");
  assert.equal(Array.from($("gcontacts-filter").querySelectorAll("option")).find((o) => o.selected)?.value, "company");
});

test("choosing one person's contacts offers the organisation's members and sends the user id", async () => {
  const client = fakeClient(ON);
  const { part, $, pick } = page(client);
  await part.load();
  pick("gcontacts-filter", "owner");
  await settle();
  assert.equal($("gcontacts-owner").hidden, false);
  assert.deepEqual(
    Array.from($("gcontacts-owner").querySelectorAll("option")).map((o) => o.textContent),
    ["Choose a colleague…", "Ada Lovelace (ada@acme.example)", "bob@acme.example"],
  );
  pick("gcontacts-owner", "5");
  await settle();
  assert.deepEqual(client.calls.at(-1), ["put", { filter: "owner", filter_value: 5 }]);
  assert.equal($("gcontacts-target-name").textContent, "Copying the contacts of bob@acme.example.");
});

test("a refused company keeps the previous choice and shows the backend's message", async () => {
  const client = fakeClient({ ...ON, filter: "owner", filter_value: 2 }, { refuseFilter: true });
  const { part, $, pick } = page(client);
  await part.load();
  await settle();
  assert.equal($("gcontacts-target-name").textContent, "Copying the contacts of Ada Lovelace (ada@acme.example).");
  pick("gcontacts-filter", "company");
  await settle();
  pick("gcontacts-company", "9");
  await settle();
  assert.deepEqual(client.calls.at(-1), ["put", { filter: "company", filter_value: 9 }]);
  assert.equal($("gcontacts-error").hidden, false);
  assert.equal($("gcontacts-error").textContent, "There is no company 9 in your organisation.");
  assert.equal(Array.from($("gcontacts-filter").querySelectorAll("option")).find((o) => o.selected)?.value, "owner");
  assert.equal($("gcontacts-owner").hidden, false);
  assert.equal($("gcontacts-company-picker").hidden, true);
  assert.equal($("gcontacts-target-name").textContent, "Copying the contacts of Ada Lovelace (ada@acme.example).");
});

test("allowing Contacts and turning it on keeps a company filter with its id", async () => {
  const client = fakeClient({ ...OFF, filter: "company", filter_value: 4 });
  const { part, $, fire } = page(client);
  await part.load();
  $("gcontacts-switch").checked = true;
  fire("gcontacts-switch");
  await settle();
  assert.deepEqual(client.calls.at(-1), ["put", { enabled: true, filter: "company", filter_value: 4 }]);
});

test("Sync now and the filter call the backend", async () => {
  const client = fakeClient(ON);
  const { part, $, fire } = page(client);
  await part.load();
  $("gcontacts-sync").click();
  await settle();
  assert.deepEqual(client.calls.at(-1), ["post", "sync", {}]);
  // linkedom reads a select's value from the options' attributes.
  for (const option of $("gcontacts-filter").querySelectorAll("option")) option.toggleAttribute("selected", option.value === "all");
  fire("gcontacts-filter");
  await settle();
  assert.deepEqual(client.calls.at(-1), ["put", { filter: "all" }]);
});
