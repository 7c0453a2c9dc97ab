// The backend client: requests as the API contract writes them, errors sorted into kinds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { withAdminRoutes } from "../../extension/api/admin-routes.js";
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

test("logging sends who sees the mail when asked, besides the message ids", async () => {
  const { api, fetchImpl } = client({ "POST /api/v1/threads/18aa/log": () => ({ status: 201, body: { created: [] } }) });
  await api.logThread("18aa", "ya29.x", { visibility: "private" });
  await api.logThread("18aa", "ya29.x", { messageIds: ["18ab"], visibility: "team_full" });
  assert.deepEqual(
    fetchImpl.calls.map((call) => call.body),
    [{ visibility: "private" }, { message_ids: ["18ab"], visibility: "team_full" }],
  );
});

test("sharing: keep a thread private, change an email's level, read and change the user's default", async () => {
  const { api, fetchImpl } = client({
    "PATCH /api/v1/threads/18aa": (request) => ({ body: { thread_id: "18aa", private: request.body.private, email_ids: [11] } }),
    "PATCH /api/v1/emails/11": (request) => ({ body: { id: 11, visibility: request.body.visibility } }),
    "GET /api/v1/me": () => ({ body: { user: { default_visibility: null }, org: { default_visibility: "team_metadata" } } }),
    "PATCH /api/v1/me": (request) => ({ body: { user: { default_visibility: request.body.default_visibility }, org: {} } }),
  });
  assert.deepEqual(await api.setThreadPrivate("18aa", true), { thread_id: "18aa", private: true, email_ids: [11] });
  assert.equal((await api.setEmailVisibility(11, "team_full")).visibility, "team_full");
  assert.equal((await api.me()).org.default_visibility, "team_metadata");
  assert.equal((await api.updateMe({ default_visibility: null })).user.default_visibility, null);
  assert.deepEqual(
    fetchImpl.calls.map((call) => [call.method, call.pathname, call.body]),
    [
      ["PATCH", "/api/v1/threads/18aa", { private: true }],
      ["PATCH", "/api/v1/emails/11", { visibility: "team_full" }],
      ["GET", "/api/v1/me", undefined],
      ["PATCH", "/api/v1/me", { default_visibility: null }],
    ],
  );
  assert.ok(fetchImpl.calls.every((call) => call.headers.Authorization === "Bearer tok"));
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

for (const stored of ["http://crm.example.com", "http://10.0.0.5:5000", "ftp://127.0.0.1", "http://127.0.0.1.evil.example:5000"]) {
  test(`a stored backend URL that is neither https nor this computer gets no sign-in or session: ${stored}`, async () => {
    const fetchImpl = fakeFetch({
      "GET /healthz": () => ({ body: { ok: true } }),
      "POST /api/v1/session": () => ({ body: { token: "t" } }),
      "POST /api/v1/lookup": () => ({ body: { participants: [], thread: {} } }),
    });
    const api = createBackendClient({ baseUrl: stored, getToken: () => "tok", fetchImpl });
    for (const attempt of [() => api.createSession("id.tok", "n1"), () => api.devSignIn("me@x.example"), () => api.lookup("18aa", [])]) {
      await assert.rejects(attempt, (error) => error instanceof BackendError && error.code === "unsafe_backend_url" && /options/.test(error.message));
    }
    assert.equal(fetchImpl.calls.filter((call) => call.method === "POST").length, 0);
  });
}

test("https backends and this computer get the sign-in", async () => {
  for (const baseUrl of ["https://crm.example.com", "http://localhost:5000", "http://[::1]:5000"]) {
    const fetchImpl = fakeFetch({ "POST /api/v1/session": () => ({ body: { token: "t" } }) });
    const api = createBackendClient({ baseUrl, fetchImpl });
    assert.deepEqual(await api.createSession("id.tok", "n1"), { token: "t" });
  }
});

test("an import uploads the file as multipart with its options; the rejects come back as text; a 413 keeps the backend's body", async () => {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, ...init });
    if (url.endsWith("/rejects.csv")) return new Response("\ufeffline,reason\n2,no email address\n", { headers: { "Content-Type": "text/csv" } });
    if (init.body instanceof FormData && init.body.get("file").size > 10) {
      return new Response(JSON.stringify({ error: "payload_too_large", message: "Too large.", limit_bytes: 10 }), { status: 413 });
    }
    return new Response(JSON.stringify({ id: 3, status: "queued" }), { status: 202 });
  };
  const api = withAdminRoutes(createBackendClient({ baseUrl: "http://127.0.0.1:5000", getToken: () => "tok", fetchImpl }));
  const file = new File(["email\n"], "list.csv", { type: "text/csv" });
  assert.deepEqual(await api.startImport(file, { dryRun: true, ownerEmail: "rep@acme.example", map: ["Mail=email", "Who=name"] }), { id: 3, status: "queued" });
  const [upload] = calls;
  assert.equal(upload.method, "POST");
  assert.equal(upload.url, "http://127.0.0.1:5000/api/v1/org/imports");
  assert.equal(upload.headers.Authorization, "Bearer tok");
  assert.equal(upload.headers["Content-Type"], undefined, "fetch sets the multipart boundary");
  assert.equal(upload.body.get("file").name, "list.csv");
  assert.equal(await upload.body.get("file").text(), "email\n");
  assert.deepEqual(
    [upload.body.get("dry_run"), upload.body.get("owner_email"), upload.body.getAll("map")],
    ["true", "rep@acme.example", ["Mail=email", "Who=name"]],
  );
  await api.startImport(file, { dryRun: false });
  assert.deepEqual([calls[1].body.get("dry_run"), calls[1].body.has("owner_email"), calls[1].body.has("map")], ["false", false, false]);

  assert.equal(await api.importRejects(3), "line,reason\n2,no email address\n"); // fetch's text() drops the byte-order mark
  assert.equal(calls[2].url, "http://127.0.0.1:5000/api/v1/org/imports/3/rejects.csv");
  assert.equal(calls[2].headers.Accept, "text/csv");

  const refused = await api.startImport(new File(["x".repeat(11)], "big.csv")).catch((error) => error);
  assert.ok(refused instanceof BackendError);
  assert.deepEqual([refused.status, refused.message, refused.body.limit_bytes], [413, "Too large.", 10]);
});

test("calendars: the Google token only when given; the selection as calendar_ids", async () => {
  const answer = () => ({ body: { calendars: [], choosing: { available: true } } });
  const { api, fetchImpl } = client({ "GET /api/v1/calendars": answer, "PUT /api/v1/calendars/selection": answer });
  await api.calendars(null);
  await api.chooseCalendars(["primary", "team@group.calendar.google.com"], "ya29.list");
  const [list, choose] = fetchImpl.calls;
  assert.equal(list.headers["X-Google-Access-Token"], undefined);
  assert.equal(choose.method, "PUT");
  assert.equal(choose.headers["X-Google-Access-Token"], "ya29.list");
  assert.deepEqual(choose.body, { calendar_ids: ["primary", "team@group.calendar.google.com"] });
});
