// The options (URL and client id checks, saving) and the lead prefill guesses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkBackendUrl, checkClientId } from "../../extension/shared/settings.js";
import { companyFromAddress, leadPrefill } from "../../extension/panel/lead-prefill.js";
import { saveOptions } from "../../extension/options/save-settings.js";
import { fakeFetch, fakeStore } from "./helpers.js";

for (const [input, url] of [
  ["http://127.0.0.1:5000", "http://127.0.0.1:5000"],
  [" http://127.0.0.1:5000/ ", "http://127.0.0.1:5000"],
  ["http://localhost:8080", "http://localhost:8080"],
  ["https://crm.example.com", "https://crm.example.com"],
  ["https://example.com/threadbook/", "https://example.com/threadbook"],
]) {
  test(`backend URL accepted: ${input.trim()}`, () => assert.equal(checkBackendUrl(input).url, url));
}

for (const input of [
  "",
  "127.0.0.1:5000",
  "ftp://example.com",
  "http://crm.example.com",
  "https://u:p@example.com",
  "https://example.com/?a=1",
  "https://example.com/#x",
  "javascript:alert(1)",
]) {
  test(`backend URL refused: ${JSON.stringify(input)}`, () => assert.ok(checkBackendUrl(input).error));
}

test("client id: empty means the backend's; a plausible id passes; junk is refused", () => {
  assert.deepEqual(checkClientId(""), { clientId: "" });
  assert.deepEqual(checkClientId(" 123-abc.apps.googleusercontent.com "), { clientId: "123-abc.apps.googleusercontent.com" });
  assert.ok(checkClientId("not an id <script>").error);
});

for (const [email, company] of [
  ["mina@newco.example", "Newco"],
  ["a@mail.acme-widgets.com", "Acme Widgets"],
  ["b@acme.co.uk", "Acme"],
  ["dorothy.vaughan@gmail.com", ""],
  ["x@yahoo.co.jp", ""],
  ["y@outlook.com", ""],
  ["broken", ""],
]) {
  test(`company guessed from ${email}: ${JSON.stringify(company)}`, () => assert.equal(companyFromAddress(email), company));
}

test("a company the backend matched wins over the guess", () => {
  assert.deepEqual(leadPrefill({ email: "ann@acme.example", name: "Ann", company: { name: "Acme Widgets" } }), {
    name: "Ann",
    email: "ann@acme.example",
    company_name: "Acme Widgets",
    title: "",
  });
});

test("saving options: asks for the backend's origin, checks /healthz, gives back the old origin", async () => {
  const localStore = fakeStore({ settings: { backendUrl: "https://old.example", clientId: "" } });
  const asked = [];
  const removed = [];
  const permissions = {
    requestOrigins: async (origins) => asked.push(...origins) && true,
    removeOrigins: async (origins) => removed.push(...origins),
  };
  const fetchImpl = fakeFetch({ "GET /healthz": () => ({ body: { ok: true } }) });
  const outcome = await saveOptions({ backendUrl: "https://crm.example.com/", clientId: "" }, { localStore, permissions, fetchImpl });
  assert.deepEqual(outcome, { ok: true, message: "Saved. The backend at https://crm.example.com is reachable." });
  assert.deepEqual(asked, ["https://crm.example.com/*"]);
  assert.deepEqual(removed, ["https://old.example/*"]);
  assert.deepEqual(localStore.data.settings, { backendUrl: "https://crm.example.com", clientId: "" });
});

test("saving options: nothing is saved when permission is refused or /healthz does not answer", async () => {
  const localStore = fakeStore();
  const refuse = { requestOrigins: async () => false, removeOrigins: async () => {} };
  const grant = { requestOrigins: async () => true, removeOrigins: async () => {} };
  const down = fakeFetch({ "GET /healthz": () => new TypeError("Failed to fetch") });
  const refused = await saveOptions({ backendUrl: "https://crm.example.com" }, { localStore, permissions: refuse, fetchImpl: down });
  assert.match(refused.message, /needs your permission/);
  const unreachable = await saveOptions({ backendUrl: "https://crm.example.com" }, { localStore, permissions: grant, fetchImpl: down });
  assert.match(unreachable.message, /No Threadbook backend answered at https:\/\/crm.example.com\/healthz/);
  assert.deepEqual(localStore.data, {});
});
