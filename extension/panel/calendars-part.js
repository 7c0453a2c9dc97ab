/**
 * The Account screen's "Calendars and notifications" part (`#calendars-part` in panel.html).
 *
 * Lists the user's calendars (`GET /api/v1/calendars`) with a checkbox each,
 * saves the choice (`PUT /api/v1/calendars/selection`), offers to ask Google
 * for the calendar list when the backend says that scope is missing, and binds
 * the "Notify me…" switch to `notifications_enabled` (`GET/PATCH /api/v1/me`).
 * The extension's Google token goes along (X-Google-Access-Token) only when its
 * scopes may read the calendar list; otherwise the backend uses the connected
 * mailbox. Text only: everything from the backend goes in with textContent.
 */

import { EXTRA_SCOPES } from "../auth/google-oauth.js";
import { MESSAGE } from "../shared/messages.js";
import { el } from "./views/form-kit.js";

const LIST_SCOPES = [...EXTRA_SCOPES.calendarList, "https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/calendar.readonly"];

/** The token to send for the calendar list: the stored access's, when its scopes may read the list (pure). */
export function listToken(access) {
  const scopes = String(access?.scope || "").split(/\s+/);
  return access?.token && LIST_SCOPES.some((s) => scopes.includes(s)) ? access.token : null;
}

/** A calendar's sync state in words (pure). */
export function calendarState(calendar, formatTime = (v) => new Date(v).toLocaleString()) {
  const when = calendar.last_synced_at ? `, last ${formatTime(calendar.last_synced_at)}` : "";
  const words = { ok: `Synced${when}`, failing: "Sync failing", never_synced: "Not synced yet", not_selected: "Not synced" }[calendar.state] || "State unknown";
  return calendar.listed === false ? `${words}; no longer on your Google calendar list` : words;
}

// Asking Google for the list scope answers both: the scope is missing, or no access may read the list at all.
const GRANTABLE = ["google_scope_required", "google_token_required"];
const errorText = (error) => error?.message || String(error);

export function createCalendarsPart(doc, { getClient, send, readGoogle, formatTime }) {
  const $ = (id) => doc.getElementById(id);
  const list = $("calendars-list");
  const notify = $("notify-switch");
  let visit = 0;
  let answer = null; // the last GET /calendars answer
  let canGrant = false;
  let token = null;
  let busy = false;

  function text(id, value, { error = false } = {}) {
    const node = $(id);
    node.textContent = value || "";
    node.hidden = !value;
    node.classList.toggle("error", error);
  }

  function render() {
    const choosing = answer?.choosing || {};
    const calendars = answer?.calendars || [];
    const open = choosing.available !== false;
    list.replaceChildren(
      ...calendars.map((calendar) => {
        const name = calendar.summary || calendar.id;
        const box = el(doc, "input", {
          type: "checkbox",
          checked: Boolean(calendar.selected),
          disabled: !open || busy || calendar.listed === false,
          value: calendar.id,
        });
        const label = el(doc, "label", { className: "truncate", title: name });
        label.append(box, ` ${name}${calendar.primary ? " (primary)" : ""}`);
        const item = el(doc, "li", { dataset: { calendarId: calendar.id, state: calendar.state || "" } });
        item.append(label, el(doc, "span", { className: "muted detail", text: calendarState(calendar, formatTime) }));
        if (calendar.last_error) item.append(el(doc, "span", { className: "error detail", text: `Last error: ${calendar.last_error}` }));
        return item;
      }),
    );
    list.hidden = !calendars.length;
    if (answer && !calendars.length) text("calendars-state", "No calendars yet.");
    $("calendars-save").hidden = !answer || !open || !calendars.length;
    $("calendars-allow").hidden = !(answer && GRANTABLE.includes(choosing.error) && canGrant);
    for (const id of ["calendars-save", "calendars-allow", "calendars-retry"]) $(id).disabled = busy;
    $("calendars-part").setAttribute("aria-busy", String(busy));
    if (answer && !open) text("calendars-choose", choosing.message || "Threadbook cannot read your Google calendar list right now.");
    else text("calendars-choose", "");
  }

  async function readToken() {
    const google = (await readGoogle().catch(() => null)) || {};
    canGrant = Boolean(google.canGrant);
    token = listToken(google.access);
  }

  async function loadCalendars(quiet = false) {
    const mine = visit;
    if (!quiet) text("calendars-state", "Loading your calendars…");
    $("calendars-retry").hidden = true;
    try {
      await readToken();
      const next = await getClient().calendars(token);
      if (mine !== visit) return;
      answer = next;
      if (!quiet) text("calendars-state", "");
    } catch (error) {
      if (mine !== visit) return;
      text("calendars-state", `Your calendars could not be loaded: ${errorText(error)}`, { error: true });
      $("calendars-retry").hidden = false;
    }
    render();
  }

  async function loadMe() {
    const mine = visit;
    notify.disabled = true;
    try {
      const me = await getClient().me();
      if (mine !== visit) return;
      notify.checked = Boolean(me?.user?.notifications_enabled);
      notify.disabled = false;
      text("notify-state", "");
    } catch (error) {
      if (mine === visit) text("notify-state", `Your notification setting could not be loaded: ${errorText(error)}`, { error: true });
    }
  }

  /** Run one action: one at a time, its progress and result said in `calendars-state`. */
  async function act(progress, work) {
    if (busy) return;
    busy = true;
    text("calendars-state", progress);
    render();
    try {
      text("calendars-state", await work());
    } catch (error) {
      text("calendars-state", errorText(error), { error: true });
    } finally {
      busy = false;
      render();
    }
  }

  const part = {
    /** (Re)load the calendars and the notification setting: each time the Account screen opens. */
    load() {
      visit += 1;
      answer = null;
      list.replaceChildren();
      list.hidden = true;
      render();
      return Promise.all([loadCalendars(), loadMe()]);
    },

    /** Save the checked calendars. */
    save() {
      if (busy || !answer || answer.choosing?.available === false) return;
      const ids = Array.from(list.querySelectorAll("input"))
        .filter((box) => box.checked && !box.disabled)
        .map((box) => box.value);
      // What the user checked stays shown while saving, and after a refusal.
      for (const calendar of answer?.calendars || []) calendar.selected = ids.includes(calendar.id);
      return act("Saving your calendars…", async () => {
        answer = await getClient().chooseCalendars(ids, token);
        return ids.length ? `Saved: ${ids.length} calendar${ids.length === 1 ? "" : "s"} will sync into Threadbook.` : "Saved: no calendar syncs.";
      });
    },

    /** Ask Google (interactively) for the calendar list, then read it again. */
    allow() {
      return act("Opening Google to allow your calendar list…", async () => {
        const granted = await send({ type: MESSAGE.RENEW_GOOGLE_ACCESS, interactive: true, scopes: EXTRA_SCOPES.calendarList }).catch(() => null);
        if (!granted?.ok) throw new Error("Google did not allow reading your calendar list, so calendars cannot be chosen.");
        await readToken();
        answer = await getClient().calendars(token);
        return answer?.choosing?.available === false ? "" : "Choose the calendars to sync, then save.";
      });
    },

    /** Save the notifications switch; on failure it goes back to what is saved. */
    async setNotify(enabled) {
      notify.disabled = true;
      text("notify-state", "Saving…");
      try {
        const me = await getClient().updateMe({ notifications_enabled: enabled });
        notify.checked = Boolean(me?.user?.notifications_enabled ?? enabled);
        text("notify-state", notify.checked ? "Saved: you will be notified." : "Saved: no notifications.");
      } catch (error) {
        notify.checked = !enabled;
        text("notify-state", `Not saved: ${errorText(error)}`, { error: true });
      } finally {
        notify.disabled = false;
      }
    },
  };

  $("calendars-save").addEventListener("click", () => part.save());
  $("calendars-allow").addEventListener("click", () => part.allow());
  $("calendars-retry").addEventListener("click", () => loadCalendars());
  notify.addEventListener("change", () => part.setNotify(notify.checked));
  return part;
}
