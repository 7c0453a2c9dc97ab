// The Account screen's view on the panel's real HTML: text only, buttons per state, confirm steps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { createAccountView } from "../../extension/panel/views/account-view.js";
import { createPanelView } from "../../extension/panel/panel-view.js";
import { describeMailbox, describeSharing } from "../../extension/panel/account-controller.js";

const HTML = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
const EVIL = '<img src=x onerror="document.body.dataset.pwned=1">';

function page() {
  const { document } = parseHTML(HTML);
  const view = createAccountView(document);
  const calls = [];
  const record = (name) => () => calls.push(name);
  view.bind({
    open: record("open"),
    close: record("close"),
    connect: record("connect"),
    syncNow: record("syncNow"),
    pause: record("pause"),
    resume: record("resume"),
    disconnect: record("disconnect"),
    copyDropbox: record("copyDropbox"),
    rotateDropbox: record("rotateDropbox"),
    cancelConfirm: record("cancelConfirm"),
    chooseDefaultSharing: (value) => calls.push(["chooseDefaultSharing", value]),
    saveDefaultSharing: (value) => calls.push(["saveDefaultSharing", value]),
  });
  return { document, view, calls, $: (selector) => document.querySelector(selector) };
}

const visible = (document, selector) =>
  Array.from(document.querySelectorAll(selector))
    .filter((e) => !e.hidden)
    .map((e) => e.dataset.accountAction);

function state(mailbox, overrides = {}) {
  return {
    mailbox,
    summary: describeMailbox(mailbox, { formatTime: () => "today" }),
    loading: false,
    loadError: "",
    dropbox: { address: "rep+a1@in.threadbook.test", enabled: true, max_bytes: 1 },
    dropboxError: "",
    busy: "",
    confirming: "",
    message: null,
    ...overrides,
  };
}

test("the header's Account button shows only when signed in, and opens the screen alone", () => {
  const { document, view, calls, $ } = page();
  const panel = createPanelView(document);
  panel.show({ name: "signed-out", devSignIn: false, error: "", session: null });
  assert.equal($("#open-account").hidden, true);
  panel.show({ name: "no-thread", problem: "", session: { token: "t", user: { email: "rep@x" } } });
  assert.equal($("#open-account").hidden, false);
  $("#open-account").click();
  assert.deepEqual(calls, ["open"]);
  view.enter();
  const shown = Array.from(document.querySelectorAll("[data-screen]"))
    .filter((s) => !s.hidden)
    .map((s) => s.dataset.screen);
  assert.deepEqual(shown, ["account"]);
  $("#account-back").click();
  assert.deepEqual(calls, ["open", "close"]);
});

test("untrusted text (address, errors, messages) is shown as text, never as HTML", () => {
  const { document, view, $ } = page();
  view.showAccount(
    state(
      { connected: true, status: "active", email: EVIL, messages_synced: 3, backfill_done: true, last_error: EVIL },
      { dropbox: { address: EVIL, enabled: true }, dropboxError: EVIL, message: { text: EVIL, error: true } },
    ),
  );
  assert.equal($("#dropbox-address").textContent, EVIL);
  assert.equal($("#account-message").textContent, EVIL);
  assert.match($("#mailbox-error").textContent, /<img src=x onerror=/);
  assert.equal(document.querySelector('[data-screen="account"] img'), null);
  assert.equal(document.body.dataset.pwned, undefined);
});

test("buttons follow the mailbox state; needs_reconnect is prominent", () => {
  const { document, view, $ } = page();
  view.showAccount(state({ connected: false, status: "not_connected", sync_paused: false, messages_synced: 0 }));
  assert.equal($("#mailbox-state").textContent, "Not connected");
  assert.deepEqual(visible(document, ".account-actions [data-account-action]"), ["connect"], "no Pause sync while not connected (issue 16)");

  view.showAccount(state({ connected: true, status: "needs_reconnect", needs_reconnect: true, messages_synced: 9 }));
  assert.equal($("#mailbox-reconnect").hidden, false);
  assert.equal($('[data-account-action="connect"]').textContent, "Reconnect Gmail");
  assert.equal($("#mailbox-state").dataset.tone, "error");

  view.showAccount(state({ connected: true, status: "active", sync_paused: false, messages_synced: 5, backfill_done: true }));
  assert.equal($("#mailbox-reconnect").hidden, true);
  assert.deepEqual(visible(document, ".account-actions [data-account-action]"), ["sync", "pause", "disconnect"]);

  view.showAccount(state({ connected: true, status: "paused", sync_paused: true, messages_synced: 5, backfill_done: true }, { busy: "resume" }));
  assert.deepEqual(visible(document, ".account-actions [data-account-action]"), ["resume", "disconnect"]);
  assert.equal($('[data-account-action="resume"]').textContent, "Resuming…");
  assert.equal($('[data-account-action="resume"]').disabled, true);
});

test("confirm steps show, and the buttons reach the controller", () => {
  const { view, calls, $ } = page();
  view.showAccount(state({ connected: true, status: "active", messages_synced: 5, backfill_done: true }, { confirming: "disconnect" }));
  assert.equal($("#disconnect-confirm").hidden, false);
  assert.match($("#disconnect-confirm").textContent, /Mail already logged is kept/);
  assert.equal($("#rotate-confirm").hidden, true);
  $('[data-account-action="confirm-disconnect"]').click();
  $('[data-account-action="copy"]').click();
  view.showAccount(state({ connected: false, status: "not_connected" }, { confirming: "rotate" }));
  assert.equal($("#rotate-confirm").hidden, false);
  assert.match($("#rotate-confirm").textContent, /old one stops working/);
  $('[data-account-action="confirm-rotate"]').click();
  $('#rotate-confirm [data-account-action="cancel-confirm"]').click();
  $('[data-account-action="connect"]').click();
  assert.deepEqual(calls, ["disconnect", "copyDropbox", "rotateDropbox", "cancelConfirm", "connect"]);
});

test("a server without a dropbox domain says so", () => {
  const { view, $ } = page();
  view.showAccount(state({ connected: false, status: "not_connected" }, { dropbox: { address: null, enabled: false } }));
  assert.equal($("#dropbox-box").hidden, true);
  assert.equal($("#dropbox-off").hidden, false);
  assert.equal($('[data-account-action="rotate"]').hidden, true);
});

const ME = { user: { id: 3, default_visibility: null }, org: { default_visibility: "team_full" } };

test("Default sharing for your mail: a labelled select with the organisation's default; Save sends what is chosen", () => {
  const { document, view, calls, $ } = page();
  view.showAccount(state({ connected: false, status: "not_connected" }));
  assert.equal($("#sharing-part").hidden, true, "a backend without it: nothing shown");

  view.showAccount(state({ connected: false, status: "not_connected" }, { sharing: describeSharing(ME) }));
  assert.equal($("#sharing-part").hidden, false);
  assert.equal(document.querySelector('label[for="default-sharing"]').textContent, "Default sharing for your mail");
  const select = $("#default-sharing");
  assert.deepEqual(
    Array.from(select.querySelectorAll("option")).map((o) => [o.value, o.textContent]),
    [
      ["", "Organisation default (Team: everything)"],
      ["private", "Only me"],
      ["team_metadata", "Team: who, when, subject"],
      ["team_full", "Team: everything"],
    ],
  );
  assert.equal(Array.from(select.querySelectorAll("option")).find((o) => o.selected).value, "");
  $('[data-account-action="save-sharing"]').click();
  assert.deepEqual(calls.at(-1), ["saveDefaultSharing", ""], "the organisation's default is the empty value (null in the API)");

  select.querySelector('option[value="private"]').selected = true;
  select.dispatchEvent(new document.defaultView.Event("change"));
  assert.deepEqual(calls.at(-1), ["chooseDefaultSharing", "private"]);
  view.showAccount(state({ connected: false, status: "not_connected" }, { sharing: describeSharing(ME, { draft: "private" }), busy: "save-sharing" }));
  assert.equal($("#default-sharing"), select, "the same select: its focus stays");
  assert.equal(Array.from(select.querySelectorAll("option")).find((o) => o.selected).value, "private");
  assert.equal($('[data-account-action="save-sharing"]').textContent, "Saving…");
  assert.equal($('[data-account-action="save-sharing"]').disabled, true);
});

test("the sharing default's load error is text", () => {
  const { view, $ } = page();
  view.showAccount(state({ connected: false, status: "not_connected" }, { sharing: describeSharing(null, { error: EVIL }) }));
  assert.equal($("#sharing-error").textContent, EVIL);
  assert.equal($("#sharing-box").hidden, true);
});
