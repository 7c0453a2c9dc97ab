/**
 * The card's "Email" form: To (prefilled with the person's address), Cc, Bcc, Subject, plain-text Body,
 * and, when the open conversation is logged, "Reply in this conversation" (Gmail threads the reply,
 * and the subject defaults to "Re: …" of the newest logged email).
 *
 * The backend sends it from the user's own Gmail and logs it. A refusal keeps
 * the form open with everything typed, the backend's message and, when Google
 * access must be renewed, a hint saying how. When nothing can send as the
 * user, "Allow Threadbook to send as you" asks Google for sending and, once
 * allowed, sends again what is typed.
 */

import { busy, el, formKeys, heading, labelled, messages } from "./form-kit.js";

const megabytes = (bytes) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/** Base64 of a file's bytes, in chunks (String.fromCharCode takes a bounded number of arguments). */
async function base64Of(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let start = 0; start < bytes.length; start += 0x8000) binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  return btoa(binary);
}

/** The API's attachments for the chosen files: `[{filename, mime_type, content_base64}]`. */
export async function attachmentsOf(files) {
  return Promise.all(
    files.map(async (file) => ({ filename: file.name, mime_type: file.type || "application/octet-stream", content_base64: await base64Of(file) })),
  );
}

/** The addresses typed in a Cc or Bcc field: separated by commas, semicolons or spaces. */
export const addressList = (text) =>
  String(text || "")
    .split(/[,;\s]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);

/**
 * Open the form in `slot` (replacing any form there) for `person` (`{name, email, replyTo?: {emailId, subject}}`).
 *
 * `actions.sendEmail({to, cc?, bcc?, subject, body})` resolves `{ok}` or `{ok: false, message, hint, grant}`;
 * `actions.allowGoogle("send")` resolves `{ok}` or `{ok: false, message, hint}` (card-actions.js);
 * `onClose()` runs after Cancel or a send.
 */
export function openComposeForm(doc, slot, person, { actions, onClose = () => {} }) {
  const form = el(doc, "form", { className: "form compose-form", noValidate: true, dataset: { form: "compose" } });
  const to = el(doc, "input", { name: "to", type: "email", autocomplete: "off", value: person.email || "" });
  const cc = el(doc, "input", { name: "cc", type: "text", autocomplete: "off", placeholder: "Addresses, separated by commas" });
  const bcc = el(doc, "input", { name: "bcc", type: "text", autocomplete: "off", placeholder: "Addresses, separated by commas" });
  const subject = el(doc, "input", { name: "subject", autocomplete: "off" });
  const body = el(doc, "textarea", { name: "body", rows: 6 });
  const files = el(doc, "input", { name: "attachments", type: "file", multiple: true });
  const limitNote = el(doc, "p", { className: "muted", text: "Attachments: up to 25 MB in all." });
  let limit = 25 * 1024 * 1024;
  Promise.resolve(actions.attachmentLimit?.()).then((bytes) => {
    if (!Number.isInteger(bytes)) return;
    limit = bytes;
    limitNote.textContent = `Attachments: up to ${megabytes(bytes)} in all.`;
  });
  const reply = el(doc, "input", { name: "reply", type: "checkbox" });
  const replyRow = el(doc, "label", { className: "check" });
  replyRow.append(reply, doc.createTextNode(` Reply in this conversation${person.replyTo?.subject ? ` (${person.replyTo.subject})` : ""}`));
  replyRow.hidden = !person.replyTo;
  reply.addEventListener("change", () => {
    subject.placeholder = reply.checked ? "Re: the conversation's subject" : "";
  });
  const message = messages(doc);
  const send = el(doc, "button", { type: "submit", className: "primary", text: "Send" });
  const allow = el(doc, "button", { type: "button", text: "Allow Threadbook to send as you", hidden: true, dataset: { action: "allow-send" } });
  const cancel = el(doc, "button", { type: "button", text: "Cancel", dataset: { action: "cancel" } });
  const row = el(doc, "div", { className: "form-actions" });
  row.append(send, allow, cancel);
  form.append(
    heading(doc, `Email ${person.name}`),
    labelled(doc, "To", to),
    labelled(doc, "Cc", cc),
    labelled(doc, "Bcc", bcc),
    replyRow,
    labelled(doc, "Subject", subject),
    labelled(doc, "Message", body),
    labelled(doc, "Attachments", files),
    limitNote,
    el(doc, "p", { className: "muted", text: "Sent from your Gmail and logged in Threadbook." }),
    ...message.nodes,
    row,
  );

  let closed = false;
  function close() {
    closed = true;
    form.remove();
    onClose();
  }

  async function sendDraft() {
    message.clear();
    const address = to.value.trim();
    if (!address.includes("@")) {
      message.show({ message: "Enter the address to write to." });
      return;
    }
    const copies = { cc: addressList(cc.value), bcc: addressList(bcc.value) };
    for (const [field, list] of Object.entries(copies)) {
      const wrong = list.find((entry) => !entry.includes("@"));
      if (wrong) {
        message.show({ message: `"${wrong}" in ${field === "cc" ? "Cc" : "Bcc"} is not an address: separate addresses with commas.` });
        return;
      }
    }
    const chosen = Array.from(files.files || []);
    const total = chosen.reduce((sum, file) => sum + file.size, 0);
    if (total > limit) {
      message.show({ message: `The attachments add up to ${megabytes(total)}; at most ${megabytes(limit)} can be sent. Remove some and send again.` });
      return;
    }
    const draft = { to: [address], subject: subject.value.trim(), body: body.value };
    if (chosen.length) draft.attachments = await attachmentsOf(chosen);
    for (const [field, list] of Object.entries(copies)) if (list.length) draft[field] = list;
    if (person.replyTo && reply.checked) {
      draft.reply_to_email_id = person.replyTo.emailId;
      if (!draft.subject) delete draft.subject; // the backend answers with "Re: <the original's subject>"
    }
    const result = await busy(form, () => actions.sendEmail(draft));
    if (closed) return;
    if (result?.ok) return close();
    allow.hidden = result?.grant !== "send";
    message.show(result || {});
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendDraft();
  });
  allow.addEventListener("click", async () => {
    message.clear();
    const result = await busy(form, () => actions.allowGoogle("send"));
    if (closed) return;
    if (!result?.ok) return message.show(result || {});
    allow.hidden = true;
    await sendDraft(); // what is typed now, with the new access
  });
  cancel.addEventListener("click", close);
  // Escape closes the form only while nothing is written in it: a draft is not thrown away by a stray key.
  formKeys(form, close, () => !body.value.trim() && !subject.value.trim());
  slot.replaceChildren(form);
  (to.value ? subject : to).focus();
  return form;
}
