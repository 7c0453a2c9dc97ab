/**
 * Every piece of Gmail's markup Threadbook relies on, in one place.
 *
 * Gmail's class names are generated and change without notice; when Gmail
 * changes, this is the only file to edit (and the fixtures under
 * tests/extension/fixtures/ to update). Where Gmail has used more than one
 * form, each is listed, newest first, with the date it was checked.
 */

// Checked 2025-06 against Gmail's web client (the layout served since 2022).

/** The area that holds the inbox and conversation views; the only element observed. */
export const THREAD_CONTAINER = [
  "div.bkK", // the main content column (2025-06)
  'div[role="main"]', // its inner region, in older layouts (2023-01)
];

/**
 * The conversation's subject heading; the visible one is the open thread.
 * Gmail keeps earlier conversations in the page, hidden.
 */
export const SUBJECT_HEADING = "h2.hP";

/** The thread id, hex as the Gmail API takes it (`data-thread-perm-id` may read "undefined"). */
export const THREAD_ID_ATTRIBUTE = "data-legacy-thread-id";

/** A message of the conversation, expanded (`div.adn`) or collapsed (`div.adf`). */
export const MESSAGE = "[data-legacy-message-id], [data-message-id]";

/** The message's API id in hex; missing for a while on mail just sent. */
export const MESSAGE_LEGACY_ID_ATTRIBUTE = "data-legacy-message-id";

/** `#msg-f:<decimal>`: the same id in decimal; `#msg-a:r…` for just-sent mail has no API id yet. */
export const MESSAGE_ID_ATTRIBUTE = "data-message-id";

/** The sender of a message (attributes `email` and `name`). */
export const SENDER = "span.gD[email]";

/** The recipients line of an expanded message, and each recipient in it. */
export const RECIPIENT = "span.hb span.g2[email]";

/** Attributes on sender and recipient spans. */
export const EMAIL_ATTRIBUTE = "email";
export const NAME_ATTRIBUTE = "name";
