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

function fakeClient(first, { refuse } = {}) {
  const calls = [];
  let current = structuredClone(first);
  return {
    calls,
    googleContacts: async () => (calls.push(["get"]), structuredClone(current)),
    changeGoogleContacts: async (body) => {
      calls.push(["put", body]);
      if (refuse)
        throw new BackendError("client", "Threadbook needs your permission to write your Google Contacts.", {
          status: 403,
          code: "needs_scope",
          body: { error: "needs_scope" },
        });
      current = {
        ...current,
        ...("enabled" in body ? { enabled: body.enabled, state: body.enabled ? "pending" : "off" } : {}),
        ...(body.filter ? { filter: body.filter } : {}),
      };
      return structuredClone(current);
    },
    googleContactsAction: async (path, body) => {
      calls.push(["post", path, body]);
      if (path === "connect/start") return { authorization_url: "https://accounts.google.com/o/oauth2/v2/auth?x=1", state: "st", redirect_uri: REDIRECT };
      if (path.startsWith("conflicts/")) current = { ...current, conflicts: [], counts: { ...current.counts, conflicts: 0 } };
      return structuredClone(current);
    },
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
  return { document, part, sent, $: (id) => document.getElementById(id), fire: (id) => document.getElementById(id).dispatchEvent(new Event("change")) };
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

test("a company or owner filter set through the API shows as the choice", async () => {
  const client = fakeClient({ ...ON, filter: "company", filter_value: 4 });
  const { part, $ } = page(client);
  await part.load();
  const options = Array.from($("gcontacts-filter").querySelectorAll("option"));
  assert.deepEqual(
    options.filter((o) => !o.hidden).map((o) => o.value),
    ["mine", "all", "company"],
  );
  assert.equal(options.find((o) => o.selected)?.value, "company");
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
