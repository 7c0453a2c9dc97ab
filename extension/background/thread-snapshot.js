/**
 * Check a ThreadSnapshot a Gmail tab sent before the worker keeps it.
 *
 * The content script runs inside Gmail's page, which shows mail from anyone,
 * so what it sends is untrusted input (Chrome's guidance: a compromised
 * renderer can send anything). Only the fields messages.js documents are
 * kept, each of its type and within bounds; anything else is refused.
 */

const HEX_ID = /^[0-9a-f]{1,32}$/;
const MAX_MESSAGES = 500;
const MAX_PARTICIPANTS = 500;
const MAX_SUBJECT = 1000;
const MAX_EMAIL = 320;
const MAX_NAME = 300;
export const MAX_PROBLEM = 500;

function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function person(value) {
  if (!isPlainObject(value)) return null;
  const { email, name = "", role } = value;
  if (typeof email !== "string" || !email.includes("@") || email.length > MAX_EMAIL) return null;
  if (typeof name !== "string" || name.length > MAX_NAME) return null;
  if (role !== "from" && role !== "to") return null;
  return { email, name, role };
}

/**
 * Return `{thread}` (a clean copy, or null for "no conversation open") or `{error}` saying what is wrong.
 * `senders` (one text per message id, each cut to MAX_NAME; none at all is an empty list) is optional.
 */
export function checkThreadSnapshot(thread) {
  if (thread === null || thread === undefined) return { thread: null };
  if (!isPlainObject(thread)) return { error: "The thread must be an object." };
  const { threadId, subject = "", messageIds = [], senders = [], unresolvedMessages = 0, participants = [] } = thread;
  if (typeof threadId !== "string" || !HEX_ID.test(threadId)) return { error: "The thread id must be Gmail's hexadecimal id." };
  if (typeof subject !== "string") return { error: "The subject must be text." };
  if (!Array.isArray(messageIds) || messageIds.length > MAX_MESSAGES || !messageIds.every((id) => typeof id === "string" && HEX_ID.test(id))) {
    return { error: `The message ids must be at most ${MAX_MESSAGES} hexadecimal ids.` };
  }
  if (!Array.isArray(senders) || (senders.length && senders.length !== messageIds.length) || !senders.every((s) => typeof s === "string")) {
    return { error: "The senders must be one text per message id." };
  }
  if (!Number.isInteger(unresolvedMessages) || unresolvedMessages < 0 || unresolvedMessages > MAX_MESSAGES) {
    return { error: "The count of unresolved messages is out of range." };
  }
  if (!Array.isArray(participants) || participants.length > MAX_PARTICIPANTS) {
    return { error: `The participants must be a list of at most ${MAX_PARTICIPANTS}.` };
  }
  const people = participants.map(person);
  if (people.includes(null)) return { error: "Each participant must be {email, name, role: from|to}." };
  return {
    thread: {
      threadId,
      subject: subject.slice(0, MAX_SUBJECT),
      messageIds: [...messageIds],
      senders: senders.map((sender) => sender.slice(0, MAX_NAME)),
      unresolvedMessages,
      participants: people,
    },
  };
}
