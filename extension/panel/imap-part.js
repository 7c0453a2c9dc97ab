/**
 * The Account screen's "Other mailboxes (IMAP)" part (`#imap-part` in panel.html), loaded with import() when the
 * screen opens: the side panel's first load stays within its budget.
 *
 * Lists the user's IMAP accounts (`GET /api/v1/me/imap-accounts`) with their state, last sync and last error, each
 * with "Sync now" and "Remove"; "Add a mailbox" opens a form (host, port, TLS, username, app password) that
 * `POST`s it: the backend tries the login before saving, and its refusal is shown as it says it. The password
 * field is emptied once sent. Text only: everything from the backend goes in with textContent.
 */

import { accountState } from "./imap-state.js";
import { el, labelled, select, chosen } from "./views/form-kit.js";

export { accountState };

const BASE = "/api/v1/me/imap-accounts";
const TLS_CHOICES = [
  ["tls", "TLS (port 993)"],
  ["starttls", "STARTTLS (port 143)"],
  ["none", "None (this computer only)"],
];
const DEFAULT_PORT = { tls: 993, starttls: 143, none: 143 };
const errorText = (error) => error?.message || String(error);

/** The POST body from the form's values, or `{error, field}` when one is missing or out of range (pure). */
export function connectBody({ host, port, tls, username, password }) {
  host = String(host || "").trim();
  username = String(username || "").trim();
  const number = Number(port);
  if (!host) return { error: "Enter the IMAP server, e.g. imap.fastmail.com.", field: "host" };
  if (!Number.isInteger(number) || number < 1 || number > 65535) return { error: "The port is a number from 1 to 65535.", field: "port" };
  if (!username) return { error: "Enter the username (usually your address).", field: "username" };
  if (!password) return { error: "Enter the app password.", field: "password" };
  return { body: { host, port: number, tls, username, password } };
}

const parts = new WeakMap();

/** Show the part in `doc` (built once) and load the accounts; `getClient()` answers the backend client. */
export function showImapPart(doc, getClient, options = {}) {
  let part = parts.get(doc);
  if (!part) {
    part = createImapPart(doc, getClient, options);
    parts.set(doc, part);
  }
  return part.load();
}

export function createImapPart(doc, getClient, { formatTime } = {}) {
  const root = doc.getElementById("imap-part");
  const status = el(doc, "p", { className: "status", hidden: true, attrs: { role: "status", "aria-live": "polite" } });
  const list = el(doc, "ul", { className: "imap-list", attrs: { "aria-labelledby": "imap-title" } });
  const add = el(doc, "button", { type: "button", text: "Add a mailbox" });
  const fields = {
    host: el(doc, "input", { name: "host", type: "text", autocomplete: "off", spellcheck: false }),
    port: el(doc, "input", { name: "port", type: "number", min: "1", max: "65535", value: "993" }),
    tls: select(doc, "tls", TLS_CHOICES, "tls"),
    username: el(doc, "input", { name: "username", type: "text", autocomplete: "off", spellcheck: false }),
    password: el(doc, "input", { name: "password", type: "password", autocomplete: "new-password" }),
  };
  const formError = el(doc, "p", { className: "error", hidden: true, attrs: { role: "alert" } });
  const submit = el(doc, "button", { type: "submit", className: "primary", text: "Connect" });
  const cancel = el(doc, "button", { type: "button", text: "Cancel" });
  const form = el(doc, "form", { className: "form imap-form", hidden: true });
  form.append(
    labelled(doc, "IMAP server", fields.host),
    labelled(doc, "Port", fields.port),
    labelled(doc, "Security", fields.tls),
    labelled(doc, "Username", fields.username),
    labelled(doc, "App password", fields.password),
    formError,
    el(doc, "div", { className: "form-actions" }),
  );
  form.lastChild.append(submit, cancel);
  root.append(
    el(doc, "h3", { id: "imap-title", text: "Other mailboxes (IMAP)" }),
    el(doc, "p", { className: "muted", text: "Outlook, Fastmail or any IMAP server: mail with your contacts in its Inbox and Sent folders is logged." }),
    status,
    list,
    add,
    form,
  );
  root.hidden = false;

  let accounts = [];
  let busy = false;
  let confirming = null;
  let portEdited = false;

  function say(node, value) {
    node.textContent = value || "";
    node.hidden = !value;
  }

  function render() {
    list.replaceChildren(
      ...accounts.map((account) => {
        const item = el(doc, "li", { className: "imap-account", dataset: { accountId: String(account.id), status: account.status } });
        item.append(
          el(doc, "strong", { text: `${account.username} at ${account.host}` }),
          el(doc, "p", { className: "detail", dataset: { field: "state" }, text: accountState(account, formatTime) }),
        );
        if (account.last_error) item.append(el(doc, "p", { className: "error", dataset: { field: "error" }, text: `Last error: ${account.last_error}` }));
        if (account.needs_reconnect) item.append(passwordForm(account));
        const sync = el(doc, "button", { type: "button", text: "Sync now", disabled: busy, dataset: { imapAction: "sync" } });
        sync.addEventListener("click", () => run(() => syncNow(account)));
        const removing = confirming === account.id;
        const remove = el(doc, "button", {
          type: "button",
          className: removing ? "danger" : "",
          text: removing ? "Remove: mail already logged is kept" : "Remove",
          disabled: busy,
          dataset: { imapAction: "remove" },
        });
        remove.addEventListener("click", () => (removing ? run(() => removeAccount(account)) : ((confirming = account.id), render())));
        const actions = el(doc, "div", { className: "account-actions" });
        actions.append(sync, remove);
        item.append(actions);
        return item;
      }),
    );
    list.hidden = !accounts.length;
    add.hidden = !form.hidden;
    submit.disabled = busy;
    submit.textContent = busy && !form.hidden ? "Connecting…" : "Connect";
  }

  async function run(action) {
    if (busy) return;
    busy = true;
    render();
    try {
      await action();
    } catch (error) {
      say(status, errorText(error));
    } finally {
      busy = false;
      render();
    }
  }

  /** A refused password is entered again here: `PATCH {password}`, which the backend tries before saving. */
  function passwordForm(account) {
    const input = el(doc, "input", { name: "password", type: "password", autocomplete: "new-password" });
    const again = el(doc, "form", { className: "imap-password", dataset: { imapAction: "password" } });
    again.append(labelled(doc, "App password", input), el(doc, "button", { type: "submit", text: "Save password", disabled: busy }));
    again.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!input.value) return input.focus();
      run(async () => {
        const answer = await getClient().request("PATCH", `${BASE}/${encodeURIComponent(account.id)}`, { body: { password: input.value }, timeoutMs: 60_000 });
        accounts = accounts.map((a) => (a.id === account.id ? answer : a));
        say(status, `${account.username} reconnected.`);
      });
    });
    return again;
  }

  async function syncNow(account) {
    const answer = await getClient().request("POST", `${BASE}/${encodeURIComponent(account.id)}/sync`);
    accounts = accounts.map((a) => (a.id === account.id ? answer.account : a));
    say(status, "Sync started.");
  }

  async function removeAccount(account) {
    await getClient().request("DELETE", `${BASE}/${encodeURIComponent(account.id)}`);
    confirming = null;
    accounts = accounts.filter((a) => a.id !== account.id);
    say(status, `${account.username} removed; its password is deleted and mail already logged is kept.`);
  }

  async function connect() {
    const { body, error, field } = connectBody({
      host: fields.host.value,
      port: fields.port.value,
      tls: chosen(fields.tls),
      username: fields.username.value,
      password: fields.password.value,
    });
    if (error) {
      say(formError, error);
      fields[field].focus();
      return;
    }
    say(formError, "");
    try {
      const account = await getClient().request("POST", BASE, { body, timeoutMs: 60_000 });
      accounts = [...accounts, account];
      fields.password.value = "";
      form.hidden = true;
      say(status, `${account.username} connected.`);
    } catch (failure) {
      say(formError, errorText(failure));
      const wrong = fields[failure?.body?.field];
      if (wrong) wrong.focus();
    }
  }

  add.addEventListener("click", () => {
    form.hidden = false;
    render();
    fields.host.focus();
  });
  cancel.addEventListener("click", () => {
    form.hidden = true;
    fields.password.value = "";
    say(formError, "");
    render();
    add.focus();
  });
  fields.port.addEventListener("input", () => (portEdited = true));
  fields.tls.addEventListener("change", () => {
    if (!portEdited) fields.port.value = String(DEFAULT_PORT[chosen(fields.tls)]);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(connect);
  });

  return {
    async load() {
      say(status, accounts.length ? "" : "Loading…");
      try {
        accounts = (await getClient().request("GET", BASE)).accounts;
        say(status, "");
      } catch (error) {
        say(status, errorText(error));
      }
      render();
    },
  };
}
