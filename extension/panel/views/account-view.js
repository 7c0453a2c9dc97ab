/**
 * Show the Account screen (mail sync, default sharing and BCC dropbox) from the account controller's state.
 *
 * Text only: addresses, errors and statuses from the backend go in with
 * textContent, never as HTML. The screen's structure is in panel.html
 * (`[data-screen="account"]`).
 */

import { choose, chosen, el } from "./form-kit.js";

const ACTION_FOR = {
  connect: (a) => a.connect(),
  sync: (a) => a.syncNow(),
  pause: (a) => a.pause(),
  resume: (a) => a.resume(),
  disconnect: (a) => a.disconnect(),
  "confirm-disconnect": (a) => a.disconnect(),
  copy: (a) => a.copyDropbox(),
  rotate: (a) => a.rotateDropbox(),
  "confirm-rotate": (a) => a.rotateDropbox(),
  "cancel-confirm": (a) => a.cancelConfirm(),
  "allow-labels": (a) => a.allowLabels(),
};

const BUSY_LABELS = {
  connect: "Connecting…",
  sync: "Syncing…",
  pause: "Pausing…",
  resume: "Resuming…",
  "confirm-disconnect": "Disconnecting…",
  "confirm-rotate": "Issuing…",
  "save-sharing": "Saving…",
  "allow-labels": "Asking Google…",
};
const BUSY_NAME = { "confirm-disconnect": "disconnect", "confirm-rotate": "rotate" };

export function createAccountView(doc) {
  const $ = (id) => doc.getElementById(id);
  const section = doc.querySelector('[data-screen="account"]');
  const buttons = (name) => Array.from(section.querySelectorAll(`[data-account-action="${name}"]`));
  const labels = new Map(Array.from(section.querySelectorAll("[data-account-action]")).map((b) => [b, b.textContent]));

  function text(id, value) {
    const element = $(id);
    element.textContent = value || "";
    element.hidden = !value;
  }

  /** The "Default sharing for your mail" select: hidden when the backend says nothing about it. */
  function showSharing(sharing) {
    $("sharing-part").hidden = !sharing;
    if (!sharing) return;
    const select = $("default-sharing");
    // Rebuilt only when the choices change (the organisation's level is in a label), so a focused select stays.
    const wanted = JSON.stringify(sharing.options);
    if (select.dataset.options !== wanted) {
      select.dataset.options = wanted;
      select.replaceChildren(
        ...sharing.options.map(([value, label]) => {
          const option = doc.createElement("option");
          option.value = value;
          option.textContent = label;
          return option;
        }),
      );
    }
    choose(select, sharing.chosen);
    $("sharing-box").hidden = !sharing.options.length;
    text("sharing-error", sharing.error);
  }

  return {
    /** Wire the header's Account button, Back and the screen's buttons to the controller (once). */
    bind(actions) {
      $("open-account").addEventListener("click", () => actions.open());
      // Administrators get a way to the admin page, beside the screen's title.
      const admin = el(doc, "button", { type: "button", id: "open-admin", className: "link", hidden: true, text: "Admin page" });
      admin.addEventListener("click", () => actions.openAdmin());
      section.querySelector(".account-head").append(admin);
      // "Change mailbox…": its form is a module of its own, loaded when first opened (change-mailbox.js).
      const mailboxPart = section.querySelector('[aria-labelledby="mailbox-title"]');
      const change = el(doc, "button", { type: "button", id: "change-mailbox-open", className: "link", hidden: true, text: "Change mailbox…" });
      change.addEventListener("click", async () => {
        const { openChangeMailbox } = await import("./change-mailbox.js");
        openChangeMailbox(doc, mailboxPart, actions.changeMailboxContext());
      });
      mailboxPart.querySelector(".account-actions").append(change);
      $("account-back").addEventListener("click", () => actions.close());
      for (const [name, run] of Object.entries(ACTION_FOR)) {
        for (const button of buttons(name)) button.addEventListener("click", () => run(actions));
      }
      const sharing = $("default-sharing");
      sharing.addEventListener("change", () => actions.chooseDefaultSharing(chosen(sharing)));
      for (const button of buttons("save-sharing")) button.addEventListener("click", () => actions.saveDefaultSharing(chosen(sharing)));
    },

    /** Show the Account screen alone, the focus on its heading. */
    enter() {
      for (const screen of doc.querySelectorAll("[data-screen]")) screen.hidden = screen !== section;
      doc.body.dataset.showing = "account";
      $("open-account").setAttribute("aria-pressed", "true");
      $("account-title").tabIndex = -1;
      $("account-title").focus();
    },

    showAccount(state) {
      const { mailbox, summary, loading, loadError, dropbox, dropboxError, sharing = null, labels: labelling = null, busy, confirming, message } = state;
      $("open-admin").hidden = !state.admin;
      section.setAttribute("aria-busy", String(Boolean(loading || busy)));
      section.dataset.mailboxStatus = mailbox?.status || "";

      text("account-message", message?.text);
      $("account-message").classList.toggle("error", Boolean(message?.error));

      text("mailbox-email", mailbox?.email ? `Mailbox: ${mailbox.email}` : "");
      $("mailbox-reconnect").hidden = !summary.reconnect;
      const headline = !mailbox && loading ? "Checking your mail sync…" : !mailbox && loadError ? "Mail sync state unknown" : summary.headline;
      $("mailbox-state").textContent = headline;
      $("mailbox-state").dataset.tone = mailbox ? summary.tone : "off";
      text("mailbox-detail", mailbox ? summary.detail : "");
      const errors = [mailbox?.health?.broken ? mailbox.health.message : mailbox?.last_error ? `Last error: ${mailbox.last_error}` : "", loadError]
        .filter(Boolean)
        .join(" ");
      text("mailbox-error", errors);

      const known = Boolean(mailbox);
      const show = {
        connect: known && summary.canConnect,
        sync: known && summary.canSync,
        pause: known && summary.canPause,
        resume: known && summary.canResume,
        disconnect: known && summary.canDisconnect,
        copy: Boolean(dropbox?.address),
        rotate: Boolean(dropbox?.address),
        "allow-labels": Boolean(labelling?.canAllow),
      };
      for (const [name, visible] of Object.entries(show)) for (const button of buttons(name)) button.hidden = !visible;
      $("change-mailbox-open").hidden = !(mailbox?.connected && mailbox.kind === "oauth");
      $("change-mailbox-open").disabled = Boolean(busy);
      for (const button of buttons("connect")) labels.set(button, summary.connectLabel);

      for (const [button, label] of labels) {
        const name = button.dataset.accountAction;
        const running = busy && (BUSY_NAME[name] || name) === busy && BUSY_LABELS[name];
        button.textContent = running ? BUSY_LABELS[name] : label;
        // Cancel and Copy stay usable; everything else waits for the action under way.
        button.disabled = Boolean(busy) && name !== "copy";
      }

      $("disconnect-confirm").hidden = confirming !== "disconnect";
      $("rotate-confirm").hidden = confirming !== "rotate";

      showSharing(sharing);
      $("labels-part").hidden = !labelling;
      $("labels-state").textContent = labelling?.text || "";
      $("labels-state").dataset.tone = labelling?.via ? "ok" : "off";

      $("dropbox-address").textContent = dropbox?.address || "";
      $("dropbox-box").hidden = !dropbox?.address;
      $("dropbox-off").hidden = !(dropbox && !dropbox.address);
      text("dropbox-error", dropboxError);
    },

    /** The Account screen was left: the focus goes back to the header's Account button. */
    leave() {
      $("open-account").setAttribute("aria-pressed", "false");
      $("open-account").focus();
    },
  };
}
