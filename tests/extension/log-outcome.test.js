import assert from "node:assert/strict";
import { test } from "node:test";

import { logStatus } from "../../extension/panel/log-outcome.js";

test("a label applied with the token needs no words beyond the log itself", () => {
  assert.equal(logStatus(201, { label: "applied", label_via: "token" }), "Conversation logged.");
  assert.equal(logStatus(200, { label: "applied", label_via: "token" }), "Already logged: nothing new to add.");
});

test("a label applied through the connected mailbox says so", () => {
  assert.equal(logStatus(201, { label: "applied", label_via: "mailbox" }), "Conversation logged. Labelled in Gmail through your connected mailbox.");
});

test("a skipped label says why, after what was logged", () => {
  const reason = "The access token may not change labels (it needs the gmail.modify scope). Connect your mailbox in Threadbook.";
  assert.equal(logStatus(201, { label: "skipped", label_reason: reason }), `Conversation logged. Not labelled in Gmail: ${reason}`);
  assert.equal(
    logStatus(200, { label: "skipped", label_reason: null }),
    "Already logged: nothing new to add. Not labelled in Gmail: Gmail did not apply the label.",
  );
});

test("an answer without label fields (an older backend) reads as before", () => {
  assert.equal(logStatus(201, { created: 2 }), "Conversation logged.");
  assert.equal(logStatus(200), "Already logged: nothing new to add.");
});
