/**
 * Read the open Gmail conversation from the page: DOM in, data out, nothing changed.
 *
 * Only the visible conversation is read: Gmail keeps earlier ones in the page,
 * hidden. Ids come from the page's attributes, never from the address bar,
 * whose tokens the Gmail API rejects.
 */

import * as S from "./selectors.js";

/** The page no longer looks the way selectors.js expects. */
export class GmailPageError extends Error {
  constructor(message) {
    super(message);
    this.name = "GmailPageError";
  }
}

const HEX_ID = /^[0-9a-f]{6,24}$/i;

/**
 * True when nothing hides the element.
 *
 * In the browser `checkVisibility()` answers from layout; elsewhere (node
 * tests on fixture pages) the element and its ancestors are checked for
 * `hidden` and an inline `display: none`, which is how Gmail hides views.
 */
export function isShown(element) {
  if (typeof element.checkVisibility === "function") return element.checkVisibility();
  for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
    if (node.hasAttribute("hidden")) return false;
    if (/(^|;)\s*display\s*:\s*none/i.test(node.getAttribute("style") || "")) return false;
  }
  return true;
}

/**
 * Return a message element's Gmail API id (hex), or "" when the page has none yet.
 *
 * `data-legacy-message-id` is the hex id; otherwise `data-message-id` holds
 * `#msg-f:<decimal>`, the same number in decimal.
 */
export function messageIdOf(element) {
  const legacy = (element.getAttribute(S.MESSAGE_LEGACY_ID_ATTRIBUTE) || "").trim();
  if (HEX_ID.test(legacy)) return legacy.toLowerCase();
  const match = /^#?msg-f:(\d{1,20})$/.exec((element.getAttribute(S.MESSAGE_ID_ATTRIBUTE) || "").trim());
  return match ? BigInt(match[1]).toString(16) : "";
}

/**
 * Return the nearest ancestor of the heading that also holds the conversation's
 * messages, or null while they have not arrived: never one so high that it
 * takes in another conversation's heading.
 */
function conversationOf(heading, root) {
  for (let node = heading.parentElement; node && node !== root; node = node.parentElement) {
    if (node.querySelectorAll(S.SUBJECT_HEADING).length > 1) return null;
    if (node.querySelector(S.MESSAGE)) return node;
  }
  return null;
}

function person(span, role) {
  const email = (span.getAttribute(S.EMAIL_ATTRIBUTE) || "").trim();
  let name = (span.getAttribute(S.NAME_ATTRIBUTE) || "").trim();
  // Gmail writes "me" for the signed-in user; the backend knows who that is.
  if (name.toLowerCase() === "me" || name.toLowerCase() === email.toLowerCase()) name = "";
  return { email, name, role };
}

/**
 * Read the visible conversation under `root` (a Document or element).
 *
 * Returns `{threadId, subject, messageIds, senders, unresolvedMessages, participants}`
 * (`senders[i]`: the name, else the address, of who sent message `messageIds[i]`; "" when
 * the page shows none), or null when no conversation is open. Throws GmailPageError when a
 * conversation is open but its id cannot be read (Gmail changed its markup).
 * `isVisible` is the visibility test (tests may pass their own).
 */
export function readOpenThread(root, { isVisible = isShown } = {}) {
  const heading = Array.from(root.querySelectorAll(S.SUBJECT_HEADING)).find(isVisible);
  if (!heading) return null;
  const threadId = (heading.getAttribute(S.THREAD_ID_ATTRIBUTE) || "").trim().toLowerCase();
  if (!HEX_ID.test(threadId)) {
    throw new GmailPageError(`The open conversation's heading (${S.SUBJECT_HEADING}) has no usable ${S.THREAD_ID_ATTRIBUTE}.`);
  }

  const conversation = conversationOf(heading, root);
  const messageIds = [];
  const senders = [];
  let unresolvedMessages = 0;
  const byAddress = new Map();
  const add = (found) => {
    if (!found.email.includes("@")) return;
    const key = found.email.toLowerCase();
    const known = byAddress.get(key);
    if (!known) byAddress.set(key, found);
    else if (!known.name && found.name) known.name = found.name;
  };

  const messages = conversation ? Array.from(conversation.querySelectorAll(S.MESSAGE)) : [];
  // A message element may hold another carrying the same id; read the outermost only.
  const outermost = messages.filter((element) => !element.parentElement?.closest(S.MESSAGE));
  for (const message of outermost) {
    const id = messageIdOf(message);
    const sender = message.querySelector(S.SENDER);
    const from = sender ? person(sender, "from") : null;
    if (!id) unresolvedMessages += 1;
    else if (!messageIds.includes(id)) {
      messageIds.push(id);
      senders.push(from ? from.name || from.email : "");
    }
    if (from) add(from);
    for (const recipient of message.querySelectorAll(S.RECIPIENT)) add(person(recipient, "to"));
  }

  return {
    threadId,
    subject: (heading.textContent || "").replace(/\s+/g, " ").trim(),
    messageIds,
    senders,
    unresolvedMessages,
    participants: Array.from(byAddress.values()),
  };
}

/** Return the first element matching one of `selectors` (tried in order), or null. */
export function findFirst(root, selectors) {
  for (const selector of selectors) {
    const found = root.querySelector(selector);
    if (found) return found;
  }
  return null;
}
