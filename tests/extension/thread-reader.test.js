// The Gmail page parser on fixture pages that mirror Gmail's markup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GmailPageError, messageIdOf, readOpenThread } from "../../extension/gmail/thread-reader.js";
import { fixture } from "./helpers.js";

const emails = (thread) => thread.participants.map((p) => p.email);

test("no conversation open in the inbox: nothing, and list senders are not participants", () => {
  assert.equal(readOpenThread(fixture("inbox.html")), null);
});

test("reads every message, collapsed and expanded, and every participant once", () => {
  const thread = readOpenThread(fixture("thread-expanded-collapsed.html"));
  assert.equal(thread.threadId, "18db7a2c3e4f5a6b");
  assert.equal(thread.subject, "Renewal terms");
  // The collapsed message without a legacy id is read from its decimal id.
  assert.deepEqual(thread.messageIds, ["18db7a2c3e4f5a6b", "18dbbe59608b1abf", "18db7a2c3e4f9c41", "18db7a2c3e4f9c42"]);
  // Who sent each message, in the same order: the name, else the address (Gmail's "me" is no name).
  assert.deepEqual(thread.senders, ["Ada Lovelace", "rep@threadbook.test", "Charles Babbage", "Ada Lovelace"]);
  assert.equal(thread.unresolvedMessages, 0);
  assert.deepEqual(emails(thread), ["ada@acme.example", "rep@threadbook.test", "charles@acme.example", "new.person@newco.example"]);
  const byEmail = Object.fromEntries(thread.participants.map((p) => [p.email, p]));
  assert.deepEqual(byEmail["ada@acme.example"], { email: "ada@acme.example", name: "Ada Lovelace", role: "from" });
  assert.equal(byEmail["rep@threadbook.test"].name, "", "Gmail's 'me' is not a name");
  assert.deepEqual(byEmail["new.person@newco.example"], { email: "new.person@newco.example", name: "New Person", role: "to" });
  assert.ok(!emails(thread).includes("billing@acme.example"), "addresses in a message body are not participants");
});

test("an earlier conversation hidden in the page is ignored", () => {
  const thread = readOpenThread(fixture("earlier-thread-hidden.html"));
  assert.equal(thread.threadId, "18bb00000000000b");
  assert.equal(thread.subject, "Pilot scope");
  assert.deepEqual(thread.messageIds, ["18bb00000000000b"]);
  assert.deepEqual(emails(thread), ["grace@globex.example", "rep@threadbook.test"]);
});

test("the reading pane: the conversation beside the list, not the list's senders", () => {
  const thread = readOpenThread(fixture("reading-pane.html"));
  assert.equal(thread.threadId, "18cc0000000000cc");
  assert.deepEqual(emails(thread), ["alan@initech.example", "rep@threadbook.test"]);
});

test("a reply just sent has no API id yet: counted, not guessed", () => {
  const thread = readOpenThread(fixture("just-sent.html"));
  assert.deepEqual(thread.messageIds, ["18dd0000000000dd"]);
  assert.equal(thread.unresolvedMessages, 1);
  assert.deepEqual(thread.senders, ["Katherine Johnson"], "a sender only for the messages with an id");
  assert.deepEqual(emails(thread), ["katherine@nasa.example", "rep@threadbook.test", "dorothy.vaughan@gmail.com"]);
  assert.equal(thread.participants[1].name, "Rep Example", "a real name replaces an earlier 'me'");
});

test("names with quotes, markup and non-Latin letters come through as plain text", () => {
  const thread = readOpenThread(fixture("names.html"));
  assert.equal(thread.subject, "<img src=x onerror=alert(1)> “Quotes” & 東京");
  assert.deepEqual(
    thread.participants.map((p) => p.name),
    ['Seán "The Boss" O\'Brien', "李小龍", "Дмитрий Шостакович", "نور الهدى", "Zoë Ångström", "<script>alert(1)</script>"],
  );
});

test("a visible conversation whose id cannot be read fails loudly", () => {
  assert.throws(() => readOpenThread(fixture("changed-markup.html")), GmailPageError);
});

test("the visibility test can be replaced (the browser uses layout)", () => {
  const doc = fixture("earlier-thread-hidden.html");
  const earlier = (element) => element.getAttribute("data-legacy-thread-id") === "18aa00000000000a";
  const thread = readOpenThread(doc, { isVisible: earlier });
  assert.equal(thread.threadId, "18aa00000000000a");
  assert.deepEqual(emails(thread), ["old.sender@earlier.example", "rep@threadbook.test"]);
});

test("message ids: hex legacy id first, else the decimal id converted, else none", () => {
  const doc = fixture("inbox.html");
  const element = (attributes) => {
    const div = doc.createElement("div");
    for (const [name, value] of Object.entries(attributes)) div.setAttribute(name, value);
    return div;
  };
  assert.equal(messageIdOf(element({ "data-legacy-message-id": "18DB7A2C3E4F5A6B" })), "18db7a2c3e4f5a6b");
  assert.equal(messageIdOf(element({ "data-message-id": "#msg-f:1791234567890999999" })), "18dbbe59608b1abf");
  assert.equal(messageIdOf(element({ "data-message-id": "#msg-a:r-8412349876001234567" })), "");
  assert.equal(messageIdOf(element({ "data-legacy-message-id": "undefined" })), "");
});
