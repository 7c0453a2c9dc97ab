/**
 * The Account screen's "Google Contacts" part: copy my CRM contacts to Google Contacts (switch, which ones, state,
 * Sync now, conflicts to settle).
 *
 * Loaded with a dynamic import() when the Account screen opens (the panel's first load has a budget), it builds
 * its own section inside the screen, once. Turning it on without Google's contacts permission runs the mailbox
 * connection's consent with Contacts added (the server needs a refresh token to copy in the background), then
 * turns it on. Text from the backend (names, Google's values, errors) goes in with textContent only.
 */

import { isUnder } from "../background/mailbox-connect.js";
import { MESSAGE } from "../shared/messages.js";
import { createTargetPicker } from "./google-contacts-target.js";
import { choose, chosen, el } from "./views/form-kit.js";

const FILTERS = [
  ["mine", "Contacts I own"],
  ["all", "Every contact I can see"],
  ["company", "One company's contacts"],
  ["owner", "One colleague's contacts"],
];
// These need an id too: choosing one opens the picker, and only a picked company or colleague is sent.
const TARGETED = new Set(["company", "owner"]);

const STATES = {
  off: "Off.",
  needs_scope: "Threadbook needs your permission to write your Google Contacts.",
  not_connected: "Google is not connected: allow Contacts to connect it.",
  paused: "Paused with your Google sync: resume sync above to copy contacts.",
  disabled: "Google sync is turned off for your organisation.",
  pending: "On: the first copy is on its way.",
  error: "The last copy failed.",
};

/** One line for the part's state (pure): what is on, when it last copied, what to do. */
export function describeGoogleContacts(answer, formatTime = (value) => new Date(value).toLocaleString()) {
  if (!answer) return "";
  const { state, counts = {}, last_synced_at: last, retry_after: wait } = answer;
  if (state === "waiting") return `Google asked Threadbook to slow down: copying resumes in about ${Math.ceil((wait || 60) / 60)} min.`;
  if (state !== "ok") return STATES[state] || state;
  const copied = `${counts.copied || 0} contact${counts.copied === 1 ? "" : "s"} in your "Threadbook" group`;
  return `On: ${copied}${last ? `, last copied ${formatTime(last)}` : ""}.`;
}

/** What a conflict says (pure): Google's values were kept, the CRM's change was not written. */
export function describeConflict(conflict) {
  const google = conflict.google || {};
  const held = [google.name, ...(google.emails || []), ...(google.phones || [])].filter(Boolean).join(", ");
  return `${conflict.contact_name || "A contact"} was changed in Google${held ? ` (${held})` : ""}; the CRM's change was not written.`;
}

function redirectParams(redirectUrl) {
  const url = new URL(redirectUrl);
  const hash = new URLSearchParams(url.hash.replace(/^#/, ""));
  const pick = (name) => url.searchParams.get(name) || hash.get(name) || "";
  return { code: pick("code"), state: pick("state"), error: pick("error") };
}

function errorText(error) {
  return String(error?.message || error || "something went wrong");
}

/** Build the part in `doc`'s Account screen (once) and return `{load}`; `getClient()` is the panel's backend client. */
export function createGoogleContactsPart(doc, { getClient, send, formatTime }) {
  const screen = doc.querySelector('[data-screen="account"]');
  const part = el(doc, "section", { id: "gcontacts-part", className: "account-part", attrs: { "aria-labelledby": "gcontacts-title" } });
  const toggle = el(doc, "input", { type: "checkbox", id: "gcontacts-switch", disabled: true });
  const switchLabel = el(doc, "label");
  switchLabel.append(toggle, " Copy my CRM contacts to Google Contacts");
  const filter = el(doc, "select", { id: "gcontacts-filter", disabled: true, attrs: { "aria-label": "Which contacts" } });
  for (const [value, label] of FILTERS) filter.append(el(doc, "option", { value, text: label }));
  const state = el(doc, "p", { id: "gcontacts-state", className: "status", attrs: { role: "status", "aria-live": "polite" } });
  const problem = el(doc, "p", { id: "gcontacts-error", className: "error", hidden: true });
  const allow = el(doc, "button", { type: "button", id: "gcontacts-allow", className: "primary", hidden: true, text: "Allow Contacts" });
  const syncNow = el(doc, "button", { type: "button", id: "gcontacts-sync", hidden: true, text: "Sync now" });
  const actions = el(doc, "div", { className: "account-actions" });
  actions.append(allow, syncNow);
  const conflicts = el(doc, "ul", { id: "gcontacts-conflicts", className: "calendar-list", hidden: true });
  const rule = el(doc, "p", {
    className: "muted detail",
    text: "One way, CRM to Google. A contact you change in Google is not overwritten: it shows here until you choose.",
  });
  const target = createTargetPicker(doc, {
    getClient,
    onPick: (kind, id) => act(() => getClient().changeGoogleContacts({ filter: kind, filter_value: id })),
    onProblem: (text) => say(text, { error: true }),
  });
  part.append(el(doc, "h3", { id: "gcontacts-title", text: "Google Contacts" }), switchLabel, filter, target.element, state, problem, actions, conflicts, rule);
  const dropbox = screen.querySelector('[aria-labelledby="dropbox-title"]');
  screen.insertBefore(part, dropbox);

  let answer = null;
  let busy = false;
  let picking = null; // "company" or "owner" while its picker is open and nothing is picked yet

  function say(text, { error = false } = {}) {
    problem.textContent = error ? text : "";
    problem.hidden = !error;
    if (!error && text) state.textContent = text;
  }

  function render() {
    toggle.checked = Boolean(answer?.enabled);
    toggle.disabled = busy || !answer;
    const current = picking || answer?.filter || "mine";
    choose(filter, current);
    filter.disabled = busy || !answer;
    target.show(answer ? current : "", picking ? null : answer?.filter_value, busy);
    state.textContent = describeGoogleContacts(answer, formatTime);
    state.dataset.state = answer?.state || "";
    allow.hidden = !answer || answer.granted;
    syncNow.hidden = !answer?.enabled || !answer.granted;
    for (const button of [allow, syncNow]) button.disabled = busy;
    if (answer?.last_error && (answer.state === "error" || answer.state === "waiting")) say(`Last error: ${answer.last_error}`, { error: true });
    conflicts.replaceChildren(
      ...(answer?.conflicts || []).map((conflict) => {
        const item = el(doc, "li", { dataset: { conflictId: String(conflict.id) } });
        const keep = el(doc, "button", { type: "button", text: "Keep Google's", disabled: busy });
        const write = el(doc, "button", { type: "button", text: "Use the CRM's", disabled: busy });
        keep.addEventListener("click", () => settle(conflict.id, "google"));
        write.addEventListener("click", () => settle(conflict.id, "crm"));
        item.append(el(doc, "span", { className: "detail", text: describeConflict(conflict) }), keep, write);
        return item;
      }),
    );
    conflicts.hidden = !answer?.conflicts?.length;
    part.setAttribute("aria-busy", String(busy));
  }

  /** Run one action at a time; its result replaces the state, its failure is said. */
  async function act(work) {
    if (busy) return;
    busy = true;
    say("");
    render();
    try {
      const next = await work();
      if (next) answer = next;
    } catch (error) {
      if (error?.body?.error === "needs_scope" && answer) answer = { ...answer, granted: false };
      say(errorText(error), { error: true });
    } finally {
      busy = false;
      picking = null; // done or refused: the filter shows the backend's choice again
      render();
    }
  }

  /** Google's consent with Contacts added (the mailbox connection), then the switch on; null when not finished. */
  async function grant(wanted = savedFilter()) {
    const client = getClient();
    const start = await client.googleContactsAction("connect/start", {});
    const reply = await send({ type: MESSAGE.CONNECT_MAILBOX, url: start.authorization_url, redirectUri: start.redirect_uri }).catch((error) => ({
      ok: false,
      error: { message: errorText(error) },
    }));
    if (!reply?.ok)
      throw new Error(
        reply?.error?.code === "cancelled"
          ? "Contacts were not allowed: the Google window was closed."
          : reply?.error?.message || "Allowing Contacts did not finish.",
      );
    const redirectUrl = String(reply.redirectUrl || "");
    if (!isUnder(redirectUrl, start.redirect_uri)) throw new Error("Google's answer came back to an unexpected address, so it was ignored.");
    const params = redirectParams(redirectUrl);
    if (params.error)
      throw new Error(params.error === "access_denied" ? "Contacts were not allowed: you did not allow access." : `Google refused (${params.error}).`);
    if (params.state !== start.state || !params.code) throw new Error("Google's answer did not match this request; try again.");
    await client.connectFinish({ code: params.code, state: params.state, redirectUri: start.redirect_uri });
    return client.changeGoogleContacts({ enabled: true, ...wanted });
  }

  /** The filter the backend holds, as PUT's fields (a picker still open is not a choice yet). */
  function savedFilter() {
    const kind = answer?.filter || "mine";
    return TARGETED.has(kind) && answer.filter_value ? { filter: kind, filter_value: answer.filter_value } : { filter: TARGETED.has(kind) ? "mine" : kind };
  }

  function settle(id, keep) {
    return act(() => getClient().googleContactsAction(`conflicts/${encodeURIComponent(id)}`, { keep }));
  }

  toggle.addEventListener("change", () => {
    const enabled = toggle.checked;
    const wanted = savedFilter();
    return act(async () => {
      if (enabled && !answer?.granted) return grant(wanted);
      return getClient().changeGoogleContacts({ enabled });
    });
  });
  filter.addEventListener("change", () => {
    const wanted = chosen(filter); // read before act() renders the answer's filter back
    picking = TARGETED.has(wanted) && wanted !== answer?.filter ? wanted : null;
    if (TARGETED.has(wanted) || wanted === answer?.filter) {
      say("");
      return render(); // a company or a colleague is sent once picked
    }
    return act(() => getClient().changeGoogleContacts({ filter: wanted }));
  });
  allow.addEventListener("click", () => act(() => grant()));
  syncNow.addEventListener("click", () => act(() => getClient().googleContactsAction("sync", {})));

  return {
    /** Read the choice and its state again (each time the Account screen opens). */
    load: () => act(() => getClient().googleContacts()),
    /** The part's element, for tests. */
    element: part,
  };
}

let shown = null;

/** Build the part once per page and load it; the entry the panel imports lazily. */
export function showGoogleContacts(doc, deps) {
  shown = shown || createGoogleContactsPart(doc, deps);
  return shown.load();
}
