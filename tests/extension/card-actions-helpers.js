// The real panel page (linkedom) driven by the real controller and backend client over a fake fetch.
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { createBackendClient } from "../../extension/api/backend-client.js";
import { createPanelController } from "../../extension/panel/panel-controller.js";
import { createPanelView } from "../../extension/panel/panel-view.js";
import { fakeFetch, settle } from "./helpers.js";

const HTML = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
export const BACKEND = "http://127.0.0.1:5000";
export const EVIL = '<img src=x onerror="document.body.dataset.pwned=1">';
export const SESSION = { token: "s1", expires_at: "2099-01-01T00:00:00Z", user: { email: "rep@threadbook.test" }, dev: false, backend: BACKEND };
export const THREAD = {
  threadId: "18aa00000000000a",
  subject: "Renewal",
  messageIds: [],
  unresolvedMessages: 0,
  participants: [{ email: "ada@acme.example", name: "Ada", role: "from" }],
};
export const lookupAnswer = (name = "Ada Lovelace", kind = "contact") => ({
  participants: [{ email: "ada@acme.example", name, kind, record: { id: 7, name }, company: null, deals: [], notes: [] }],
  thread: { logged: false, email_ids: [] },
});
const HOUR = 3_600_000;

/** Open the panel on THREAD with `routes` (lookup added); `scope` is the stored Google access's. */
export async function openPanel(routes, { scope = "https://www.googleapis.com/auth/gmail.readonly", lookup = lookupAnswer(), renew } = {}) {
  const { document, Event } = parseHTML(HTML);
  const fetchImpl = fakeFetch({ "POST /api/v1/lookup": () => ({ body: lookup }), ...routes });
  const view = createPanelView(document);
  const sent = [];
  let access = { token: "ya29.first", expires_at: Date.now() + HOUR, scope };
  const controller = createPanelController({
    view,
    makeClient: (baseUrl, getToken) => createBackendClient({ baseUrl, getToken, fetchImpl }),
    send: async (message) => {
      sent.push(message);
      if (renew) {
        const next = renew(message);
        if (!next) return { ok: false };
        access = next;
      }
      return { ok: true };
    },
    readGoogleAccess: async () => access,
    // Only short timers run (the session renewal is days away).
    setTimer: (fn, ms) => (ms < 60_000 ? setTimeout(fn, ms) : 0),
    clearTimer: (id) => clearTimeout(id),
  });
  view.bind(controller, { openOptions: () => {} });
  controller.setSettings({ backendUrl: BACKEND, clientId: "" });
  controller.setState({ session: SESSION, googleAccess: access, tab: { thread: THREAD } });
  await settle();
  await settle();
  const card = () => document.querySelector('#participants li[data-email="ada@acme.example"]');
  const calls = (key) => fetchImpl.calls.filter((c) => `${c.method} ${c.pathname}` === key);
  return {
    document,
    Event,
    controller,
    fetchImpl,
    sent,
    card,
    calls,
    form: () => card().querySelector("form"),
    /** Press the card's `action` button and wait for its form (the meeting and email forms load on first use). */
    async openForm(action) {
      card().querySelector(`[data-action="${action}"]`).dispatchEvent(new Event("click"));
      await until(() => card().querySelector("form"));
      return card().querySelector("form");
    },
    status: () => document.getElementById("status").textContent,
    click: (element) => element.dispatchEvent(new Event("click")),
    submit: (form) => form.dispatchEvent(new Event("submit", { cancelable: true })),
  };
}

/** Wait until `predicate()` is truthy (at most `ms`; the form's conflict check waits 400 ms for typing to stop). */
export async function until(predicate, ms = 2000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("condition never held");
}
