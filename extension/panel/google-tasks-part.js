/**
 * The Account screen's Google Tasks part: "Put my CRM tasks in Google Tasks", its state, "Allow Google Tasks", "Sync now".
 *
 * Loaded with a dynamic import() when the Account screen opens (panel.js), and mounted after the
 * calendars part. Turning the switch on without Google's `tasks` scope answers `needs_scope`; the
 * part then offers "Allow Google Tasks", which asks Google for that one scope (connect/start, the
 * service worker's launchWebAuthFlow, connect/finish: the backend keeps the grant). Text only.
 */

import { isUnder } from "../background/mailbox-connect.js";
import { MESSAGE } from "../shared/messages.js";
import { el } from "./views/form-kit.js";

const ROUTE = "/api/v1/me/google-tasks";
const errorText = (error) => error?.message || String(error);

/** What to say about the switch's state, and which buttons apply (pure). */
export function googleTasksWords(state, formatTime = (v) => new Date(v).toLocaleString()) {
  const regrant = state?.status === "needs_scope" || state?.status === "needs_reconnect";
  if (!state?.enabled) {
    return { text: regrant || !state?.last_error ? "Off." : `Off. ${state.last_error}`, allow: regrant, sync: false };
  }
  if (regrant) return { text: state.last_error || "Google Tasks needs your permission again.", allow: true, sync: false };
  const last = state.last_success_at ? ` Last synced ${formatTime(state.last_success_at)}.` : " Not synced yet.";
  const problem = state.last_error ? ` Last error: ${state.last_error}` : "";
  return { text: `On: your tasks are in the Threadbook list of Google Tasks.${last}${problem}`, allow: false, sync: true };
}

/** Google's answer at the redirect address: code, state, error (pure). */
export function grantAnswer(redirectUrl) {
  const url = new URL(redirectUrl);
  const hash = new URLSearchParams(url.hash.replace(/^#/, ""));
  const pick = (name) => url.searchParams.get(name) || hash.get(name) || "";
  return { code: pick("code"), state: pick("state"), error: pick("error") };
}

/** Mount the part once (after #calendars-part) and load its state; `getClient()` is the backend client, `send` messages the worker. */
export async function showGoogleTasks(doc, { getClient, send, formatTime }) {
  let part = doc.getElementById("google-tasks-part");
  if (!part) {
    part = el(doc, "section", { id: "google-tasks-part", className: "account-part", attrs: { "aria-labelledby": "google-tasks-title" } });
    const toggle = el(doc, "input", { type: "checkbox", id: "google-tasks-switch" });
    const label = el(doc, "label");
    label.append(toggle, " Put my CRM tasks in Google Tasks");
    const allow = el(doc, "button", { type: "button", id: "google-tasks-allow", text: "Allow Google Tasks", hidden: true });
    const sync = el(doc, "button", { type: "button", id: "google-tasks-sync", text: "Sync now", hidden: true });
    const stateLine = el(doc, "p", { id: "google-tasks-state", className: "muted detail", attrs: { role: "status", "aria-live": "polite" } });
    part.append(el(doc, "h3", { id: "google-tasks-title", text: "Google Tasks" }), label, stateLine, allow, sync);
    (doc.getElementById("calendars-part") || doc.querySelector('[data-screen="account"]')).after(part);
    const act = (work) => async () => {
      for (const control of [toggle, allow, sync]) control.disabled = true;
      try {
        show(await work());
      } catch (error) {
        if (error?.code === "needs_scope") {
          show({ enabled: false, status: "needs_scope" });
          say("Threadbook needs your permission to use Google Tasks: choose Allow Google Tasks.");
        } else say(errorText(error), true);
      } finally {
        for (const control of [toggle, allow, sync]) control.disabled = false;
      }
    };
    toggle.addEventListener(
      "change",
      act(() => getClient().request("PUT", ROUTE, { body: { enabled: toggle.checked } })),
    );
    allow.addEventListener(
      "click",
      act(() => grant(getClient(), send)),
    );
    sync.addEventListener(
      "click",
      act(() => getClient().request("POST", `${ROUTE}/sync`)),
    );
  }

  function say(text, error = false) {
    const line = doc.getElementById("google-tasks-state");
    line.textContent = text;
    line.classList.toggle("error", error);
  }

  function show(state) {
    if (!state) return;
    const words = googleTasksWords(state, formatTime);
    doc.getElementById("google-tasks-switch").checked = Boolean(state.enabled);
    doc.getElementById("google-tasks-allow").hidden = !words.allow;
    doc.getElementById("google-tasks-sync").hidden = !words.sync;
    say(words.text);
  }

  try {
    show(await getClient().request("GET", ROUTE));
  } catch (error) {
    say(`Google Tasks could not be loaded: ${errorText(error)}`, true);
  }
}

/** Ask Google for the tasks scope and hand the code to the backend; answers the new state. */
async function grant(client, send) {
  const start = await client.request("POST", `${ROUTE}/connect/start`, { body: {} });
  const answer = await send({ type: MESSAGE.CONNECT_MAILBOX, url: start.authorization_url, redirectUri: start.redirect_uri });
  if (!answer?.ok)
    throw new Error(
      answer?.error?.code === "cancelled"
        ? "Google Tasks was not allowed: the Google window was closed."
        : answer?.error?.message || "Allowing Google Tasks did not finish.",
    );
  if (!isUnder(String(answer.redirectUrl || ""), start.redirect_uri)) throw new Error("Google's answer came back to an unexpected address, so it was ignored.");
  const params = grantAnswer(answer.redirectUrl);
  if (params.error) throw new Error(`Google Tasks was not allowed (${params.error}).`);
  if (!params.code || params.state !== start.state) throw new Error("Google's answer did not match this request; try again.");
  return client.request("POST", `${ROUTE}/connect/finish`, { body: { code: params.code, state: params.state, redirect_uri: start.redirect_uri } });
}
