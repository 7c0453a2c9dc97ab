/**
 * What the panel says after logging a conversation: whether anything new was
 * stored, and what happened to the Threadbook/Logged label in Gmail (applied
 * with the Google token, applied through the connected mailbox, or skipped and
 * why), so a rep never wonders where the promised label went, and the deal the
 * mail was linked to.
 */

/** The status line for a log answer (`status` 201 stored something, 200 found it all logged). */
export function logStatus(status, body = {}) {
  let stored = status === 201 ? "Conversation logged." : "Already logged: nothing new to add.";
  if (body.deal?.name) stored += ` Linked to the deal ${body.deal.name}.`;
  if (body.label === "applied" && body.label_via === "mailbox") return `${stored} Labelled in Gmail through your connected mailbox.`;
  if (body.label === "skipped") return `${stored} Not labelled in Gmail: ${body.label_reason || "Gmail did not apply the label."}`;
  return stored;
}
