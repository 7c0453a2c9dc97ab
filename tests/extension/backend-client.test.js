// The backend client: requests as the API contract writes them, errors sorted into kinds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BackendError, createBackendClient } from "../../extension/api/backend-client.js";
import { fakeFetch } from "./helpers.js";

const client = (routes, token = "tok") => {
  const fetchImpl = fakeFetch(routes);
  return { api: createBackendClient({ baseUrl: "http://127.0.0.1:5000/", getToken: () => token, fetchImpl }), fetchImpl };
};

test("lookup sends the thread and the participants with the session token", async () => {
  const { api, fetchImpl } = client({ "POST /api/v1/lookup": () => ({ body: { participants: [], thread: { logged: false, email_ids: [] } } }) });
  await api.lookup("18aa", [{ email: "a@b.example", name: "A", role: "from" }]);
  const [call] = fetchImpl.calls;
  assert.equal(call.url, "http://127.0.0.1:5000/api/v1/lookup");
  assert.equal(call.headers.Authorization, "Bearer tok");
  assert.deepEqual(call.body, { thread_id: "18aa", participants: [{ email: "a@b.example", name: "A" }] });
});

test("logging carries the Gmail access token and tells 201 from 200", async () => {
  const { api, fetchImpl } = client({ "POST /api/v1/threads/18aa/log": () => ({ status: 201, body: { created: 2 } }) });
  const result = await api.logThread("18aa", "ya29.x");
  assert.equal(result.status, 201);
  assert.equal(fetchImpl.calls[0].headers["X-Google-Access-Token"], "ya29.x");
  assert.deepEqual(fetchImpl.calls[0].body, {});
});

test("session and config calls carry no session token", async () => {
  const { api, fetchImpl } = client(
    {
      "GET /api/v1/config": () => ({ body: { google_client_id: "c", dev_signin: false } }),
      "POST /api/v1/session": () => ({ status: 201, body: { token: "t" } }),
    },
    null,
  );
  await api.config();
  await api.createSession("id.tok", "nonce1");
  assert.ok(fetchImpl.calls.every((call) => !call.headers.Authorization));
  assert.deepEqual(fetchImpl.calls[1].body, { id_token: "id.tok", nonce: "nonce1" });
});

for (const [label, answer, kind] of [
  ["Google access refused", { status: 401, body: { error: "google_reauth_required", message: "Reconnect Google." } }, "google_reauth"],
  ["session expired", { status: 401, body: { error: "unauthorized", message: "Your session has expired." } }, "unauthorized"],
  ["already a lead", { status: 409, body: { error: "conflict", message: "Already a lead." } }, "conflict"],
  ["bad input", { status: 400, body: { error: "bad_request", message: "email is required" } }, "client"],
  ["server failure", { status: 500, body: { error: "internal_error", message: "Something went wrong." } }, "server"],
  ["not JSON", { status: 200, body: undefined }, "server"],
  ["no answer", new TypeError("Failed to fetch"), "unreachable"],
]) {
  test(`errors are sorted: ${label} → ${kind}`, async () => {
    const { api } = client({ "POST /api/v1/leads": () => answer });
    await assert.rejects(api.createLead({ email: "a@b.example" }), (error) => error instanceof BackendError && error.kind === kind);
  });
}

test("the backend's message reaches the user", async () => {
  const { api } = client({ "POST /api/v1/notes": () => ({ status: 400, body: { error: "bad_request", message: "A note needs a body." } }) });
  await assert.rejects(api.addNote("", { contact_id: 1 }), { message: "A note needs a body." });
});

test("no session: refused before any request", async () => {
  const { api, fetchImpl } = client({}, null);
  await assert.rejects(api.lookup("18aa", []), { kind: "unauthorized" });
  assert.equal(fetchImpl.calls.length, 0);
});
