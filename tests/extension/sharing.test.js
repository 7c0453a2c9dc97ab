// Who sees the conversation's logged mail: the real panel page, controller and backend client over a fake backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EVIL, SESSION, THREAD, lookupAnswer, openPanel, until } from "./card-actions-helpers.js";
import { senderLine } from "../../extension/panel/views/thread-sharing.js";

const OTHER = { ...THREAD, threadId: "18bb00000000000b", subject: "Pilot" };
const LOG = `POST /api/v1/threads/${THREAD.threadId}/log`;
const PATCH_THREAD = `PATCH /api/v1/threads/${THREAD.threadId}`;
const ACCESS = { token: "ya29.first", expires_at: Date.now() + 3_600_000, scope: "https://www.googleapis.com/auth/gmail.readonly" };

const email = (id, overrides = {}) => ({
  id,
  subject: "Renewal terms",
  from: { name: "Ada Lovelace", email: "ada@acme.example" },
  date: "2025-06-02T10:00:00Z",
  visibility: "team_metadata",
  can_change_visibility: true,
  owner_id: 3,
  ...overrides,
});

/** A fake backend keeping the thread's sharing state, so lookups after a change answer what was saved. */
function sharingBackend({ visibility = "team_metadata", emails = [], failThread, failEmail } = {}) {
  const state = { visibility, private: false, emails: emails.map((e) => ({ ...e })) };
  const thread = () => ({
    logged: state.emails.length > 0,
    email_ids: state.emails.map((e) => e.id),
    visibility: state.private ? "private" : state.visibility,
    private: state.private,
    emails: state.emails,
  });
  const routes = {
    "POST /api/v1/lookup": (request) => ({
      body: { ...lookupAnswer(), thread: request.body.thread_id === THREAD.threadId ? thread() : { ...thread(), visibility: "team_full", emails: [] } },
    }),
    [LOG]: (request) => {
      const level = request.body.visibility || state.visibility;
      const created = [email(21, { visibility: level }), email(22, { visibility: level, subject: "Re: Renewal terms" })];
      state.emails.push(...created);
      return {
        status: 201,
        body: { thread_id: THREAD.threadId, created, linked_email_ids: [], email_ids: [21, 22], label: "applied", label_reason: null, warnings: [] },
      };
    },
    [PATCH_THREAD]: (request) => {
      if (failThread) return failThread(request);
      state.private = request.body.private;
      if (state.private) for (const e of state.emails) e.visibility = "private";
      return { body: { thread_id: THREAD.threadId, private: state.private, email_ids: state.emails.map((e) => e.id) } };
    },
  };
  for (const e of emails) {
    routes[`PATCH /api/v1/emails/${e.id}`] = (request) => {
      if (failEmail) return failEmail(request);
      const stored = state.emails.find((s) => s.id === e.id);
      stored.visibility = request.body.visibility;
      const answer = { ...stored }; // the Email shape, without the lookup's extra field
      delete answer.can_change_visibility;
      return { body: answer };
    };
  }
  return { state, routes, lookup: { ...lookupAnswer(), thread: thread() } };
}

async function open(backend) {
  const p = await openPanel(backend.routes, { lookup: backend.lookup });
  const $ = (selector) => p.document.querySelector(selector);
  const change = (element) => element.dispatchEvent(new p.Event("change"));
  const pick = (select, value) => {
    for (const option of select.querySelectorAll("option")) option.selected = option.value === value;
    change(select);
  };
  const chosen = (select) => Array.from(select.querySelectorAll("option")).find((o) => o.selected)?.value;
  const item = (id) => $(`#logged-emails li[data-email-id="${id}"]`);
  const show = (thread) => p.controller.setState({ session: SESSION, googleAccess: ACCESS, tab: { thread } });
  return { ...p, $, change, pick, chosen, item, show };
}

test("the log select defaults to the thread's level, and each conversation starts from its own", async () => {
  const p = await open(sharingBackend({ visibility: "team_metadata" }));
  const select = p.$("#log-visibility");
  assert.equal(p.$("#log-sharing").hidden, false);
  assert.equal(p.document.querySelector('label[for="log-visibility"]').textContent, "Who sees this mail");
  assert.deepEqual(
    Array.from(select.querySelectorAll("option")).map((o) => [o.value, o.textContent]),
    [
      ["private", "Only me"],
      ["team_metadata", "Team: who, when, subject"],
      ["team_full", "Team: everything"],
    ],
  );
  assert.equal(p.chosen(select), "team_metadata");

  p.pick(select, "private");
  assert.equal(p.chosen(select), "private");

  // Another conversation (its default is team_full), then back: no choice carries over.
  p.show(OTHER);
  await until(() => p.document.getElementById("participants").dataset.threadId === OTHER.threadId);
  assert.equal(p.chosen(select), "team_full");
  p.show(THREAD);
  await until(() => p.document.getElementById("participants").dataset.threadId === THREAD.threadId);
  assert.equal(p.chosen(select), "team_metadata");
});

test("the level chosen is sent when logging, and the logged list is refreshed", async () => {
  const backend = sharingBackend();
  const p = await open(backend);
  assert.equal(p.$("#logged-emails-box").hidden, true, "nothing logged yet");
  p.pick(p.$("#log-visibility"), "private");
  p.click(p.$("#log-thread"));
  await until(() => p.$("#logged-emails").children.length === 2);
  const [request] = p.calls(LOG);
  assert.deepEqual(request.body, { visibility: "private" });
  assert.equal(p.$("#logged-emails-box").hidden, false);
  assert.equal(p.$("#logged-emails-title").textContent, "Logged in this thread");
  assert.deepEqual(
    Array.from(p.$("#logged-emails").children).map((li) => [li.querySelector('[data-field="subject"]').textContent, li.dataset.level]),
    [
      ["Renewal terms", "private"],
      ["Re: Renewal terms", "private"],
    ],
  );
  assert.equal(p.chosen(p.$("#log-visibility")), "private", "the choice stays on this conversation");
});

test("without a choice the thread's level is sent; a backend without sharing gets no controls and no level", async () => {
  const p = await open(sharingBackend({ visibility: "team_full" }));
  p.click(p.$("#log-thread"));
  await until(() => p.calls(LOG).length === 1);
  assert.deepEqual(p.calls(LOG)[0].body, { visibility: "team_full" });

  const old = await openPanel({ [LOG]: () => ({ status: 201, body: { created: [] } }) });
  const $ = (selector) => old.document.querySelector(selector);
  assert.equal($("#log-sharing").hidden, true);
  assert.equal($("#thread-privacy").hidden, true);
  assert.equal($("#logged-emails-box").hidden, true);
  old.click($("#log-thread"));
  await until(() => old.calls(LOG).length === 1);
  assert.deepEqual(old.calls(LOG)[0].body, {});
});

test("Keep this thread private: saved, the list shows private, the log select follows", async () => {
  const backend = sharingBackend({ emails: [email(11), email(12, { visibility: "team_full" })] });
  const p = await open(backend);
  const box = p.$("#keep-private");
  assert.equal(box.checked, false);
  assert.equal(p.document.querySelector('label[for="keep-private"]').textContent.trim(), "Keep this thread private");
  box.checked = true;
  p.change(box);
  await until(() => p.item(11).dataset.level === "private" && p.item(12).dataset.level === "private");
  assert.deepEqual(p.calls(PATCH_THREAD)[0].body, { private: true });
  assert.equal(p.$("#keep-private").checked, true);
  assert.equal(p.$("#privacy-error").hidden, true);
  assert.equal(p.chosen(p.$("#log-visibility")), "private");
  assert.equal(p.$("#log-visibility").disabled, true, "a private thread logs for its owner only");
  assert.equal(p.$("#log-visibility-note").hidden, false);
  assert.match(p.status(), /only you see its mail/);

  // And back: the backend says what new mail gets now.
  p.$("#keep-private").checked = false;
  p.change(p.$("#keep-private"));
  await until(() => p.calls(PATCH_THREAD).length === 2 && p.$("#log-visibility").disabled === false);
  assert.deepEqual(p.calls(PATCH_THREAD)[1].body, { private: false });
  assert.equal(p.chosen(p.$("#log-visibility")), "team_metadata");
  assert.equal(p.item(11).dataset.level, "private", "mail already logged keeps its level");
});

test("Keep this thread private refused: the error in plain words, the checkbox back as it was", async () => {
  const backend = sharingBackend({
    emails: [email(11)],
    failThread: () => ({ status: 403, body: { error: "forbidden", message: "You cannot change this thread." } }),
  });
  const p = await open(backend);
  const box = p.$("#keep-private");
  box.checked = true;
  p.change(box);
  await until(() => !p.$("#privacy-error").hidden);
  assert.equal(p.$("#privacy-error").textContent, "Could not keep this thread private: You cannot change this thread.");
  assert.equal(p.$("#privacy-error").getAttribute("role"), "alert");
  assert.equal(p.$("#keep-private").checked, false, "reverted");
  assert.equal(p.item(11).dataset.level, "team_metadata");
  assert.equal(p.chosen(p.$("#log-visibility")), "team_metadata");
  assert.equal(p.$("#log-visibility").disabled, false);
});

test("changing one email's level: saved with PATCH, the select keeps the new level", async () => {
  const p = await open(sharingBackend({ emails: [email(11), email(12, { can_change_visibility: false, visibility: "team_full" })] }));
  const select = p.item(11).querySelector("select");
  assert.equal(p.chosen(select), "team_metadata");
  assert.equal(p.item(11).querySelector('[data-field="level-label"]').textContent.trim().startsWith("Who sees it"), true);
  // Not the user's to change: the level as text, no select.
  assert.equal(p.item(12).querySelector('[data-field="level-label"]').hidden, true);
  assert.equal(p.item(12).querySelector('[data-field="level-text"]').textContent, "Who sees it: Team: everything");

  p.pick(select, "team_full");
  await until(() => p.calls("PATCH /api/v1/emails/11").length === 1 && p.item(11).getAttribute("aria-busy") === "false");
  assert.deepEqual(p.calls("PATCH /api/v1/emails/11")[0].body, { visibility: "team_full" });
  assert.equal(p.chosen(p.item(11).querySelector("select")), "team_full");
  assert.equal(p.item(11).querySelector("select"), select, "the same element: a keyboard user keeps focus");
  assert.equal(p.item(11).querySelector('[data-field="error"]').hidden, true);
  assert.equal(p.status(), "Who sees “Renewal terms”: Team: everything.");
});

test("changing one email's level refused: the error shown, the old level restored", async () => {
  const p = await open(
    sharingBackend({
      emails: [email(11)],
      failEmail: () => ({ status: 403, body: { error: "forbidden", message: "Only the person who logged this email can change who sees it." } }),
    }),
  );
  const select = p.item(11).querySelector("select");
  p.pick(select, "private");
  await until(() => !p.item(11).querySelector('[data-field="error"]').hidden);
  assert.equal(
    p.item(11).querySelector('[data-field="error"]').textContent,
    "Could not change who sees this mail: Only the person who logged this email can change who sees it.",
  );
  assert.equal(p.chosen(select), "team_metadata", "the old level is back");
  assert.equal(p.item(11).dataset.level, "team_metadata");
});

test("subjects and senders of logged mail are shown as text, never as HTML", async () => {
  const p = await open(sharingBackend({ emails: [email(11, { subject: EVIL, from: { name: EVIL, email: "eve@evil.example" } })] }));
  assert.equal(p.item(11).querySelector('[data-field="subject"]').textContent, EVIL);
  assert.match(p.item(11).querySelector('[data-field="sender"]').textContent, /^<img src=x onerror=.* <eve@evil\.example> · /);
  assert.equal(p.document.querySelectorAll("main img, main script").length, 0);
  assert.equal(p.document.body.dataset.pwned, undefined);
  // The select is described by the subject element, whose text is the subject as written.
  const select = p.item(11).querySelector("select");
  assert.equal(p.document.getElementById(select.getAttribute("aria-describedby")).textContent, EVIL);
});

test("the sender line: name and address, or whichever there is, and the date", () => {
  assert.match(senderLine({ from: { name: "Ada", email: "ada@acme.example" }, date: "2025-06-02T10:00:00Z" }), /^Ada <ada@acme\.example> · \S/);
  assert.equal(senderLine({ from: { name: "", email: "ada@acme.example" }, date: "" }), "ada@acme.example");
  assert.equal(senderLine({ from: {}, date: "nonsense" }), "");
});

test("two quick changes of one email's level: the last one shows, whatever order the answers come in", async () => {
  const backend = sharingBackend({ emails: [email(11)] });
  const release = [];
  backend.routes["PATCH /api/v1/emails/11"] = (request) =>
    new Promise((resolve) => release.push(() => resolve({ body: { ...email(11), visibility: request.body.visibility } })));
  const p = await open(backend);
  const select = p.item(11).querySelector("select");
  p.pick(select, "private");
  p.pick(select, "team_full");
  await until(() => release.length === 2);
  assert.equal(p.item(11).getAttribute("aria-busy"), "true");
  release[1]();
  await until(() => p.item(11).getAttribute("aria-busy") === "false");
  release[0](); // the earlier answer, late: ignored
  await new Promise((resolve) => setTimeout(resolve, 10));
  p.pick(p.$("#log-visibility"), "team_full"); // anything that renders the screen again
  assert.equal(p.chosen(select), "team_full");
  assert.equal(p.item(11).dataset.level, "team_full");
  assert.equal(p.item(11).querySelector('[data-field="error"]').hidden, true);
});

test("a second click on Keep this thread private while the first is saving changes nothing", async () => {
  const backend = sharingBackend({ emails: [email(11)] });
  let answer;
  const saved = backend.routes[PATCH_THREAD];
  backend.routes[PATCH_THREAD] = (request) => new Promise((resolve) => (answer = () => resolve(saved(request))));
  const p = await open(backend);
  const box = p.$("#keep-private");
  box.checked = true;
  p.change(box);
  await until(() => answer);
  box.checked = false; // clicked again before the answer
  p.change(box);
  assert.equal(box.checked, true, "shows the change under way");
  assert.equal(p.calls(PATCH_THREAD).length, 1);
  answer();
  await until(() => p.item(11).dataset.level === "private");
  assert.equal(box.checked, true);
});
