/**
 * The Account screen's "Change mailbox…" form: switch the connected Gmail to another account the user owns.
 *
 * Loaded with a dynamic `import()` the first time it is opened, so the panel's
 * first load stays small. It shows the current address and what the switch
 * does, asks for the new address, then runs the backend's flow
 * (`POST /api/v1/me/mailbox/replace` → Google's consent in the service worker
 * → `POST /api/v1/me/mailbox/replace/finish`). Text only: everything from the
 * backend goes in with textContent.
 */

import { isUnder } from "../../background/mailbox-connect.js";
import { MESSAGE } from "../../shared/messages.js";
import { redirectParams } from "../account-controller.js";
import { el } from "./form-kit.js";

/** What switching from `mailbox` does, in a sales rep's words (pure): `{current, steps}`. */
export function describeChange(mailbox) {
  const current = mailbox?.email || "";
  return {
    current,
    steps: [
      "Google asks you to sign in to the new mailbox and allow access.",
      "Mail already logged stays in Threadbook; the new mailbox's recent mail is read again, and nothing is logged twice.",
      `${current || "Your old address"} stays yours: mail from it is still recognised as your own.`,
      "Threadbook's permission on the old mailbox is withdrawn at Google.",
    ],
  };
}

/** What the Account screen says once switched to `mailbox` (pure). */
export function switchedMessage(mailbox) {
  const said = `Mailbox changed: Threadbook now syncs ${mailbox?.email || "the new mailbox"}. Mail already logged is kept.`;
  return mailbox?.old_grant_revocation_pending
    ? `${said} Google could not be reached to withdraw the old mailbox's permission; Threadbook tries again every hour.`
    : said;
}

/**
 * Run the switch to `email`; resolve with the new mailbox status, or `null` when the user stopped at Google.
 *
 * `client` is the backend client, `send` the runtime messenger (the worker opens Google's consent).
 * Failures reject with an Error whose message a person can act on (the backend's own, e.g. a 409).
 */
export async function runChange({ client, send, email }) {
  const start = await client.replaceMailboxStart(email);
  const answer = await send({ type: MESSAGE.CONNECT_MAILBOX, url: start.authorization_url, redirectUri: start.redirect_uri }).catch((error) => ({
    ok: false,
    error: { code: "error", message: String(error?.message || error) },
  }));
  if (!answer?.ok) {
    if (answer?.error?.code === "cancelled") return null;
    throw new Error(answer?.error?.message || "Changing the mailbox did not finish.");
  }
  const redirectUrl = String(answer.redirectUrl || "");
  if (!isUnder(redirectUrl, start.redirect_uri)) throw new Error("Google's answer came back to an unexpected address, so it was ignored; nothing changed.");
  const params = redirectParams(redirectUrl);
  if (params.error === "access_denied") return null;
  if (params.error) throw new Error(`Google refused (${params.error}); nothing changed.`);
  if (params.state !== start.state || !params.code) throw new Error("Google's answer did not match this request; start again.");
  return client.replaceMailboxFinish({ code: params.code, state: params.state, redirectUri: start.redirect_uri });
}

/**
 * Show the form under `host` (or close it when already shown).
 *
 * `context`: `{mailbox, getClient, send, switched(mailbox, text)}`; `switched` gets the new status and what to say.
 */
export function openChangeMailbox(doc, host, context) {
  const existing = doc.getElementById("change-mailbox");
  if (existing) {
    existing.remove();
    return null;
  }
  const { current, steps } = describeChange(context.mailbox);
  const input = el(doc, "input", { type: "email", id: "change-mailbox-email", autocomplete: "email", required: true });
  const status = el(doc, "p", { id: "change-mailbox-status", className: "status", hidden: true });
  status.setAttribute("role", "status");
  const go = el(doc, "button", { type: "submit", className: "primary", text: "Continue with Google" });
  const cancel = el(doc, "button", { type: "button", text: "Cancel" });
  const list = el(doc, "ul", { className: "muted" });
  list.append(...steps.map((step) => el(doc, "li", { text: step })));
  const label = el(doc, "label", { text: "New Gmail address" });
  label.htmlFor = input.id;
  const form = el(doc, "form", { id: "change-mailbox", className: "account-part" });
  form.append(
    el(doc, "h4", { text: "Change mailbox" }),
    el(doc, "p", { id: "change-mailbox-current", className: "detail", text: `Now connected: ${current}` }),
    list,
    label,
    input,
    status,
    el(doc, "div", { className: "account-actions" }),
  );
  form.lastChild.append(go, cancel);

  const say = (text, { error = false } = {}) => {
    status.textContent = text || "";
    status.hidden = !text;
    status.classList.toggle("error", error);
  };
  cancel.addEventListener("click", () => form.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = input.value.trim();
    if (!email) return say("Type the address of the mailbox to switch to.", { error: true });
    go.disabled = input.disabled = true;
    say("Opening Google…");
    try {
      const next = await runChange({ client: context.getClient(), send: context.send, email });
      if (next === null) {
        say("Nothing changed: the Google window was closed or access was not allowed.");
      } else {
        form.remove();
        context.switched(next, switchedMessage(next));
        return;
      }
    } catch (error) {
      say(error?.message || String(error), { error: true });
    }
    go.disabled = input.disabled = false;
  });
  host.append(form);
  input.focus();
  return form;
}
