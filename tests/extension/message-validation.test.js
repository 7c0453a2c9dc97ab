// The service worker treats what Gmail tabs send as untrusted: senders and snapshots are checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createMessageRouter } from "../../extension/background/message-router.js";
import { checkThreadSnapshot } from "../../extension/background/thread-snapshot.js";
import { readOpenThread } from "../../extension/gmail/thread-reader.js";
import { MESSAGE } from "../../extension/shared/messages.js";
import { fixture } from "./helpers.js";

const ID = "jkepanmacpnmjgfgkefaagampdbnmmal";
const GMAIL = "https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJGxyz";
const THREAD = {
  threadId: "18c2a0f5b7e40001",
  subject: "Proposal",
  messageIds: ["18c2a0f5b7e40001", "18c2a0f5b7e40002"],
  senders: ["Ada", "rep@threadbook.test"],
  unresolvedMessages: 0,
  participants: [{ email: "ada@acme.example", name: "Ada", role: "from" }],
};

function routerWithCalls() {
  const calls = [];
  const router = createMessageRouter({
    tabThreads: { record: async (...args) => calls.push(["record", ...args]) },
    auth: { signIn: async () => ({ token: "t" }), signOut: async () => calls.push(["signOut"]) },
    panelPolicy: { applyTo: () => {} },
    extensionId: ID,
  });
  return { router, calls };
}

const gmailTab = { id: ID, tab: { id: 1, windowId: 1, url: GMAIL }, url: GMAIL };

test("what the thread reader produces from real fixture pages passes the check unchanged", () => {
  for (const name of ["thread-expanded-collapsed.html", "reading-pane.html", "just-sent.html", "names.html"]) {
    const thread = readOpenThread(fixture(name), { isVisible: () => true });
    assert.ok(thread?.participants.length, name);
    assert.deepEqual(checkThreadSnapshot(thread), { thread }, name);
  }
  assert.deepEqual(checkThreadSnapshot(null), { thread: null });
  const { senders, ...older } = THREAD;
  assert.deepEqual(checkThreadSnapshot(older).thread.senders, [], "a snapshot without senders (an older content script) passes");
  assert.equal(senders.length, 2);
});

const BAD_SNAPSHOTS = {
  "not an object": "18c2",
  "an array": [THREAD],
  "a thread id from the address bar": { ...THREAD, threadId: "FMfcgzQXJGxyz" },
  "a thread id that is not text": { ...THREAD, threadId: 42 },
  "message ids that are not a list": { ...THREAD, messageIds: "18c2" },
  "a message id that is not hex": { ...THREAD, messageIds: ["<script>"] },
  "too many message ids": { ...THREAD, messageIds: Array(501).fill("18c2") },
  "a negative unresolved count": { ...THREAD, unresolvedMessages: -1 },
  "a subject that is not text": { ...THREAD, subject: { toString: "x" } },
  "participants that are not a list": { ...THREAD, participants: {} },
  "too many participants": { ...THREAD, participants: Array(501).fill(THREAD.participants[0]) },
  "a participant without an address": { ...THREAD, participants: [{ name: "Ada", role: "from" }] },
  "a participant with an odd role": { ...THREAD, participants: [{ email: "a@b.example", name: "", role: "admin" }] },
  "senders that are not a list": { ...THREAD, senders: "Ada" },
  "fewer senders than messages": { ...THREAD, senders: ["Ada"] },
  "a sender that is not text": { ...THREAD, senders: ["Ada", { name: "<b>x</b>" }] },
  "a huge address": { ...THREAD, participants: [{ email: `${"a".repeat(400)}@b.example`, name: "", role: "to" }] },
};

for (const [what, thread] of Object.entries(BAD_SNAPSHOTS)) {
  test(`a Gmail tab's snapshot with ${what} is refused and not stored`, async () => {
    const { router, calls } = routerWithCalls();
    const answer = await router({ type: MESSAGE.THREAD_CHANGED, thread }, gmailTab);
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "bad_message");
    assert.deepEqual(calls, []);
  });
}

test("only the documented fields are kept, and an overlong subject or problem is cut", async () => {
  const { router, calls } = routerWithCalls();
  const thread = { ...THREAD, subject: "S".repeat(5000), senders: ["A".repeat(900), ""], extra: { html: "<img src=x onerror=alert(1)>" } };
  thread.participants = [{ ...THREAD.participants[0], admin: true }];
  assert.deepEqual(await router({ type: MESSAGE.THREAD_CHANGED, thread, problem: "p".repeat(9000) }, gmailTab), { ok: true });
  const [, , stored, problem] = calls[0];
  assert.deepEqual(Object.keys(stored).sort(), ["messageIds", "participants", "senders", "subject", "threadId", "unresolvedMessages"]);
  assert.deepEqual(
    stored.senders.map((s) => s.length),
    [300, 0],
    "a long sender is cut",
  );
  assert.deepEqual(stored.participants, [{ email: "ada@acme.example", name: "Ada", role: "from" }]);
  assert.equal(stored.subject.length, 1000);
  assert.equal(problem.length, 500);
});

test("messages from another extension, or claiming another extension's pages, are refused", async () => {
  const { router, calls } = routerWithCalls();
  const otherExtension = { id: "abcdefghijklmnopabcdefghijklmnop", url: "chrome-extension://abcdefghijklmnopabcdefghijklmnop/x.html" };
  assert.equal((await router({ type: MESSAGE.SIGN_OUT }, otherExtension)).error.code, "bad_sender");
  const foreignPageInTab = { id: ID, tab: { id: 5 }, url: "chrome-extension://abcdefghijklmnopabcdefghijklmnop/panel.html" };
  assert.equal((await router({ type: MESSAGE.SIGN_OUT }, foreignPageInTab)).error.code, "bad_sender");
  const ownPageInTab = { id: ID, tab: { id: 6 }, url: `chrome-extension://${ID}/extension/panel/panel.html` };
  assert.deepEqual(await router({ type: MESSAGE.SIGN_OUT }, ownPageInTab), { ok: true });
  assert.deepEqual(calls, [["signOut"]]);
});

test("a message type named like an Object property finds no handler", async () => {
  const { router } = routerWithCalls();
  for (const type of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
    assert.equal((await router({ type }, { id: ID, url: `chrome-extension://${ID}/p.html` })).error.code, "unknown_message", type);
  }
  assert.equal((await router(null, { id: ID })).error.code, "unknown_message");
});
