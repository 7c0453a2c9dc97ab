// "Email" on a contact card: the body and header sent, text kept on errors, a reconnect hint for refused Google access.
import { test } from "node:test";
import assert from "node:assert/strict";
import { coversSending, createCardActions } from "../../extension/panel/card-actions.js";
import { EVIL, lookupAnswer, openPanel, until } from "./card-actions-helpers.js";

const SEND_SCOPE = "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.send";
const sentOk = () => ({ status: 201, body: { email: { id: 5 }, gmail_message_id: "m1", gmail_thread_id: "t1", tracked: true, warnings: [] } });

async function write(p, { subject = "Renewal terms", body = "Hi Ada,\nthe terms are attached.\n" } = {}) {
  const form = await p.openForm("compose-email");
  form.querySelector('[name="subject"]').value = subject;
  form.querySelector('[name="body"]').value = body;
  return form;
}

test("Email opens a form to the contact; Send posts to, subject and body with the Gmail token; success closes it", async () => {
  const p = await openPanel({ "POST /api/v1/emails/send": sentOk }, { scope: SEND_SCOPE });
  const form = await write(p);
  assert.equal(form.dataset.form, "compose");
  assert.equal(form.querySelector('[name="to"]').value, "ada@acme.example");
  const lookups = p.calls("POST /api/v1/lookup").length;
  p.submit(form);
  await until(() => !p.card().querySelector("form"));
  const [request] = p.calls("POST /api/v1/emails/send");
  assert.deepEqual(request.body, { to: ["ada@acme.example"], subject: "Renewal terms", body: "Hi Ada,\nthe terms are attached.\n" });
  assert.equal(request.headers["X-Google-Access-Token"], "ya29.first");
  assert.equal(p.status(), "Sent and logged: Renewal terms.");
  assert.equal(p.calls("POST /api/v1/lookup").length, lookups + 1);
});

test("Cc and Bcc: the typed addresses are sent as lists; a word that is not an address is refused before anything is sent", async () => {
  const p = await openPanel({ "POST /api/v1/emails/send": sentOk }, { scope: SEND_SCOPE });
  let form = await write(p);
  form.querySelector('[name="cc"]').value = "grace@globex.example;  bob@acme.example,";
  form.querySelector('[name="bcc"]').value = "boss@us.example";
  p.submit(form);
  await until(() => !p.card().querySelector("form"));
  const [request] = p.calls("POST /api/v1/emails/send");
  assert.deepEqual(request.body.cc, ["grace@globex.example", "bob@acme.example"]);
  assert.deepEqual(request.body.bcc, ["boss@us.example"]);

  form = await write(p);
  form.querySelector('[name="cc"]').value = "grace@globex.example, Grace";
  p.submit(form);
  await until(() => !form.querySelector('[data-field="form-error"]').hidden);
  assert.match(form.querySelector('[data-field="form-error"]').textContent, /"Grace" in Cc is not an address/);
  assert.equal(p.calls("POST /api/v1/emails/send").length, 1);
  assert.equal(form.querySelector('[name="subject"]').value, "Renewal terms", "what was typed stays");
});

test("Reply in this conversation: offered once the conversation is logged; it answers the newest logged email", async () => {
  const lookup = {
    ...lookupAnswer(),
    thread: {
      logged: true,
      email_ids: [11, 12],
      emails: [
        { id: 12, subject: "Re: Renewal", date: "2025-06-02T09:00:00Z" },
        { id: 11, subject: "Renewal", date: "2025-06-01T09:00:00Z" },
      ],
    },
  };
  const p = await openPanel({ "POST /api/v1/emails/send": sentOk }, { scope: SEND_SCOPE, lookup });
  const form = await write(p, { subject: "" });
  const reply = form.querySelector('[name="reply"]');
  assert.equal(reply.closest("label").hidden, false);
  assert.match(reply.closest("label").textContent, /Reply in this conversation \(Re: Renewal\)/);
  reply.checked = true;
  p.submit(form);
  await until(() => !p.card().querySelector("form"));
  const [request] = p.calls("POST /api/v1/emails/send");
  assert.equal(request.body.reply_to_email_id, 12);
  assert.ok(!("subject" in request.body), "the backend writes Re: <subject>");
});

test("a conversation not logged yet offers no reply in it", async () => {
  const p = await openPanel({ "POST /api/v1/emails/send": sentOk }, { scope: SEND_SCOPE });
  const form = await write(p);
  assert.equal(form.querySelector('[name="reply"]').closest("label").hidden, true);
  p.submit(form);
  await until(() => !p.card().querySelector("form"));
  assert.ok(!("reply_to_email_id" in p.calls("POST /api/v1/emails/send")[0].body));
});

function attach(form, files) {
  Object.defineProperty(form.querySelector('[name="attachments"]'), "files", { value: files, configurable: true });
}

test("attachments: the limit from the backend is shown, files go as base64, and more than the limit is refused before sending", async () => {
  const p = await openPanel(
    { "POST /api/v1/emails/send": sentOk, "GET /api/v1/config": () => ({ body: { send_max_attachment_bytes: 1024 * 1024 } }) },
    { scope: SEND_SCOPE },
  );
  const form = await write(p);
  await until(() => /up to 1 MB/.test(form.textContent));
  attach(form, [new File([new Uint8Array(700 * 1024)], "a.bin"), new File([new Uint8Array(400 * 1024)], "b.bin")]);
  p.submit(form);
  await until(() => !form.querySelector('[data-field="form-error"]').hidden);
  assert.match(form.querySelector('[data-field="form-error"]').textContent, /add up to 1\.1 MB; at most 1 MB/);
  assert.equal(p.calls("POST /api/v1/emails/send").length, 0);

  attach(form, [new File(["%PDF-1.4 quote"], "quote.pdf", { type: "application/pdf" })]);
  p.submit(form);
  await until(() => !p.card().querySelector("form"));
  const [request] = p.calls("POST /api/v1/emails/send");
  assert.deepEqual(request.body.attachments, [
    { filename: "quote.pdf", mime_type: "application/pdf", content_base64: Buffer.from("%PDF-1.4 quote").toString("base64") },
  ]);
});

test("without a sending scope no token is sent (the connected mailbox sends); its absence is explained in the form", async () => {
  const p = await openPanel({
    "POST /api/v1/emails/send": () => ({
      status: 400,
      body: { error: "google_token_required", message: "Send a Gmail access token in 'X-Google-Access-Token', or connect your mailbox in Threadbook." },
    }),
  });
  const form = await write(p);
  p.submit(form);
  await until(() => !form.querySelector('[data-field="form-error"]').hidden);
  assert.equal(p.calls("POST /api/v1/emails/send")[0].headers["X-Google-Access-Token"], undefined);
  assert.match(form.querySelector('[data-field="form-error"]').textContent, /connect your mailbox/);
  assert.match(form.querySelector('[data-field="form-hint"]').textContent, /Account/);
  assert.equal(form.querySelector('[name="body"]').value, "Hi Ada,\nthe terms are attached.\n");
});

const noMailbox = (request) =>
  request.headers["X-Google-Access-Token"]
    ? sentOk()
    : {
        status: 400,
        body: { error: "google_token_required", message: "Send a Gmail access token in 'X-Google-Access-Token', or connect your mailbox in Threadbook." },
      };
const SEND = "https://www.googleapis.com/auth/gmail.send";

test("nothing can send: Allow Threadbook to send as you asks Google for gmail.send, then sends what is typed with the new token", async () => {
  const p = await openPanel(
    { "POST /api/v1/emails/send": noMailbox },
    { renew: (m) => (m.scopes ? { token: "ya29.send", expires_at: Date.now() + 3_600_000, scope: SEND_SCOPE } : null) },
  );
  const form = await write(p);
  p.submit(form);
  const allow = form.querySelector('[data-action="allow-send"]');
  await until(() => !allow.hidden);
  assert.equal(allow.textContent, "Allow Threadbook to send as you");
  assert.match(form.querySelector('[data-field="form-hint"]').textContent, /Account/);
  assert.equal(p.sent.length, 0, "Google is not asked before the click");
  form.querySelector('[name="body"]').value = "Edited after the refusal.";
  p.click(allow);
  await until(() => !p.card().querySelector("form"));
  assert.deepEqual(p.sent, [{ type: "renew-google-access", interactive: true, scopes: [SEND] }]);
  const [first, second] = p.calls("POST /api/v1/emails/send");
  assert.equal(first.headers["X-Google-Access-Token"], undefined);
  assert.equal(second.headers["X-Google-Access-Token"], "ya29.send");
  assert.deepEqual(second.body, { to: ["ada@acme.example"], subject: "Renewal terms", body: "Edited after the refusal." });
  assert.equal(p.status(), "Sent and logged: Renewal terms.");
});

test("sending not allowed (closed, refused, or the scope unticked): a calm message, the text kept, nothing sent", async () => {
  for (const renew of [
    () => null,
    (m) => (m.scopes ? { token: "ya29.read", expires_at: Date.now() + 3_600_000, scope: "https://www.googleapis.com/auth/gmail.readonly" } : null),
  ]) {
    const p = await openPanel({ "POST /api/v1/emails/send": noMailbox }, { renew });
    const form = await write(p, { subject: "Kept", body: "Every word kept." });
    p.submit(form);
    const allow = form.querySelector('[data-action="allow-send"]');
    await until(() => !allow.hidden);
    p.click(allow);
    await until(() => /not allowed/.test(form.querySelector('[data-field="form-error"]').textContent));
    assert.equal(form.querySelector('[data-field="form-error"]').textContent, "Sending was not allowed, so nothing was sent; your message is still here.");
    assert.equal(p.calls("POST /api/v1/emails/send").length, 1);
    assert.equal(p.card().querySelector("form"), form);
    assert.equal(form.querySelector('[name="subject"]').value, "Kept");
    assert.equal(form.querySelector('[name="body"]').value, "Every word kept.");
    assert.equal(allow.hidden, false, "it can be asked again");
    assert.equal(allow.disabled, false);
  }
});

test("a development session (no Google account) is not offered the grant, only the mailbox hint", async () => {
  const refused = Object.assign(new Error("no mailbox"), { kind: "client", code: "google_token_required" });
  const actions = createCardActions({
    client: () => ({ sendEmail: async () => Promise.reject(refused) }),
    googleAccess: () => null,
    freshGoogleAccess: async () => null,
    grantGoogleAccess: async () => assert.fail("Google is not asked"),
    canGrantGoogle: () => false,
    view: { status() {} },
    handleError: async () => {},
    refreshShown: async () => {},
  });
  const result = await actions.sendEmail({ to: ["ada@acme.example"], subject: "", body: "" });
  assert.equal(result.grant, undefined);
  assert.match(result.hint, /Connect your mailbox/);
});

test("Google refusing the token: renewed once silently, then the form keeps the text with a reconnect hint", async () => {
  const p = await openPanel(
    {
      "POST /api/v1/emails/send": () => ({
        status: 401,
        body: { error: "google_reauth_required", message: "Google refused the access (expired or revoked)." },
      }),
    },
    { scope: SEND_SCOPE, renew: () => ({ token: "ya29.second", expires_at: Date.now() + 3_600_000, scope: SEND_SCOPE }) },
  );
  const form = await write(p, { subject: "Draft kept", body: "Every word kept." });
  p.submit(form);
  await until(() => !form.querySelector('[data-field="form-error"]').hidden);
  const tokens = p.calls("POST /api/v1/emails/send").map((c) => c.headers["X-Google-Access-Token"]);
  assert.deepEqual(tokens, ["ya29.first", "ya29.second"]);
  assert.equal(form.querySelector('[data-field="form-error"]').textContent, "Google refused the access (expired or revoked).");
  assert.match(form.querySelector('[data-field="form-hint"]').textContent, /Reconnect Google/);
  assert.equal(p.card().querySelector("form"), form);
  assert.equal(form.querySelector('[name="subject"]').value, "Draft kept");
  assert.equal(form.querySelector('[name="body"]').value, "Every word kept.");
  assert.equal(form.querySelector('button[type="submit"]').disabled, false);
  assert.ok(!p.sent.some((m) => m.interactive), "never opens a Google window by itself");
});

test("a refused scope or a too-large message: the backend's words in the form", async () => {
  for (const [status, error, message] of [
    [403, "google_scope_required", "The Google access token may not send mail."],
    [413, "payload_too_large", "Attachments may add up to 25 MB; nothing was sent."],
  ]) {
    const p = await openPanel({ "POST /api/v1/emails/send": () => ({ status, body: { error, message } }) }, { scope: SEND_SCOPE });
    const form = await write(p);
    p.submit(form);
    await until(() => !form.querySelector('[data-field="form-error"]').hidden);
    assert.equal(form.querySelector('[data-field="form-error"]').textContent, message);
    assert.equal(form.querySelector('[name="subject"]').value, "Renewal terms");
  }
});

test("no address, no request; markup in the contact's name is text", async () => {
  const p = await openPanel({ "POST /api/v1/emails/send": sentOk }, { lookup: lookupAnswer(`${EVIL}Ada`) });
  const form = await write(p);
  assert.equal(form.querySelector(".form-title").textContent, `Email ${EVIL}Ada`);
  assert.equal(p.document.querySelectorAll("main img").length, 0);
  form.querySelector('[name="to"]').value = "";
  p.submit(form);
  await until(() => !form.querySelector('[data-field="form-error"]').hidden);
  assert.equal(form.querySelector('[data-field="form-error"]').textContent, "Enter the address to write to.");
  assert.equal(p.calls("POST /api/v1/emails/send").length, 0);
});

test("which Google scopes let the extension's token send mail", () => {
  assert.equal(coversSending({ scope: "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.labels" }), false);
  assert.equal(coversSending({ scope: SEND_SCOPE }), true);
  assert.equal(coversSending({ scope: "https://mail.google.com/" }), true);
});
