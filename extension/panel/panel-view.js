/**
 * Show the controller's screens in the panel page. Text only: never HTML from data.
 */

import { openNoteForm } from "./views/forms.js";
import { noteLine } from "./views/format.js";
import { createCard, fillCard, textList } from "./views/participant-card.js";
import { renderLogOptions } from "./views/log-options.js";
import { bindSharing, renderSharing } from "./views/thread-sharing.js";

/** Why "Log thread" cannot reach Google (`googleReauth`), in the thread screen's notice. */
export const GOOGLE_NOTICES = {
  expired: "Google access has expired. Reconnect Google so Threadbook can read this conversation.",
  unconfigured: "Google isn't set up on this backend: see docs/google-setup.md. Logging reads the conversation from Gmail, so it needs Google.",
};

/** Where a screen is: a conversation (loading or shown) or the screen's name. A status belongs to one place. */
const placeOf = (screen) => (screen.name === "thread" || screen.name === "loading" ? `thread:${screen.thread.threadId}` : screen.name);

export function createPanelView(doc) {
  const $ = (id) => doc.getElementById(id);
  const screens = Array.from(doc.querySelectorAll("[data-screen]"));
  let actions = null;
  let current = null;
  let offered = null; // the action beside the status line (`offer`)
  let place = ""; // where the panel is (placeOf)
  let statusPlace = ""; // where the status line was written

  function header(session) {
    $("account").textContent = $("account").title = session?.user?.email || "";
    $("account").hidden = !session;
    $("sign-out").hidden = !session;
    $("open-account").hidden = !session;
    $("dev-badge").hidden = !session?.dev;
    // A development sign-in outside the demo says why the CRM is empty.
    $("session-notice").textContent = session?.notice || "";
    $("session-notice").hidden = !session?.notice;
  }

  /**
   * Moving to another place clears the status line ("Lead created…" stays with its conversation), except
   * that a sign-in's or sign-out's words are said on the first screen after it (never the unreachable one).
   */
  function moveTo(next) {
    const carried = ["signed-out", "starting", ""].includes(statusPlace) || next === "signed-out";
    if (statusPlace !== next && !(carried && next !== "unreachable")) view.status("");
    if (statusPlace !== next && carried) statusPlace = next;
    const moved = place !== next;
    place = next;
    return moved;
  }

  /** After a move, the focus goes to the screen's heading unless it is on something still shown. */
  function settleFocus(screenName) {
    const active = doc.activeElement;
    const onScreen = active && active !== doc.body && active.isConnected && !active.closest("[hidden]");
    if (onScreen && !(screenName === "thread" && active.closest("[data-screen]"))) return;
    const heading = doc.querySelector(`[data-screen="${screenName}"] h2`);
    heading.tabIndex = -1;
    heading.focus();
  }

  function switchTo(name) {
    for (const screen of screens) screen.hidden = screen.dataset.screen !== name;
    doc.body.dataset.showing = name;
  }

  /** The newest logged email of the conversation, which a reply from a card answers (null when nothing is logged). */
  function replyTarget(threadRecord) {
    const emails = (threadRecord.emails || []).filter((e) => Number.isInteger(e?.id));
    if (!emails.length) return null;
    const newest = emails.reduce((a, b) => (String(b.date || "") > String(a.date || "") ? b : a));
    return { emailId: newest.id, subject: newest.subject || "" };
  }

  function renderCards(participants, context) {
    const list = $("participants");
    const existing = new Map(Array.from(list.children).map((card) => [card.dataset.email, card]));
    const cards = participants.map((participant) => {
      const key = participant.email.toLowerCase();
      const card = existing.get(key) || createCard(doc, participant.email);
      return fillCard(doc, card, participant, actions, context);
    });
    list.replaceChildren(...cards);
    for (const card of cards) card.querySelector('[data-field="skip"]').hidden = card === cards.at(-1);
  }

  function renderThread(screen) {
    const { thread, participants, threadRecord, logging, googleReauth, sharing = null } = screen;
    const section = doc.querySelector('[data-screen="thread"]');
    if (section.dataset.threadId !== thread.threadId) {
      // Forms begun on another conversation (and their errors) stay there: fresh cards.
      $("thread-note-slot").replaceChildren();
      $("participants").replaceChildren();
    }
    section.dataset.threadId = thread.threadId;
    $("thread-subject").textContent = $("thread-subject").title = thread.subject || "(no subject)";
    const log = $("log-thread");
    log.disabled = logging;
    log.setAttribute("aria-busy", String(Boolean(logging)));
    // Mail sync left this thread out (no person wrote it): say why, and logging by hand is "Log anyway".
    const filtered = !threadRecord.logged && threadRecord.filtered ? threadRecord.filtered : null;
    log.textContent = logging ? "Logging…" : threadRecord.logged ? "Log new messages" : filtered ? "Log anyway" : "Log thread";
    $("thread-filtered").textContent = filtered ? filtered.explanation || "Mail sync left this conversation out." : "";
    $("thread-filtered").hidden = !filtered;
    const logState = $("log-state");
    const count = (threadRecord.email_ids || []).length;
    logState.textContent = threadRecord.logged ? `✓ Logged${count ? ` · ${count} email${count === 1 ? "" : "s"}` : ""}` : "";
    logState.hidden = !threadRecord.logged;
    section.dataset.logged = String(Boolean(threadRecord.logged));
    $("google-reauth").hidden = !googleReauth;
    $("google-reauth-text").textContent = GOOGLE_NOTICES[googleReauth] || GOOGLE_NOTICES.expired;
    $("reconnect-google").hidden = googleReauth === "unconfigured";
    renderSharing(doc, sharing, () => actions);
    renderLogOptions(doc, screen.logOptions || null, () => actions);
    $("thread-notes").replaceChildren(...textList(doc, "Notes on this conversation", (threadRecord.notes || []).map(noteLine)));
    renderCards(participants, { replyTo: replyTarget(threadRecord) });
    const list = $("participants");
    list.dataset.threadId = thread.threadId;
    list.dataset.renderedAt = String(Date.now());
  }

  const view = {
    /** Wire the page's controls to the controller's actions (once). */
    bind(controllerActions, { openOptions }) {
      actions = controllerActions;
      $("sign-in").addEventListener("click", () => actions.signIn());
      $("dev-sign-in-box").addEventListener("submit", (event) => {
        event.preventDefault();
        actions.devSignIn($("dev-email").value.trim());
      });
      $("skip-people").addEventListener("click", () => $("participants").querySelector("h3")?.focus());
      $("sign-out").addEventListener("click", () => actions.signOut());
      $("log-thread").addEventListener("click", () => actions.logThread());
      $("reconnect-google").addEventListener("click", () => actions.reconnectGoogle());
      bindSharing(doc, () => actions);
      $("status-action").addEventListener("click", () => {
        const run = offered?.run;
        view.offer(null);
        run?.();
      });
      for (const retry of doc.querySelectorAll('[data-action="retry"]')) retry.addEventListener("click", () => actions.retry());
      for (const link of doc.querySelectorAll('[data-action="options"]')) link.addEventListener("click", openOptions);
      const threadNote = $("thread-note");
      threadNote.addEventListener("click", () => {
        const threadId = current?.thread?.threadId;
        if (!threadId) return;
        threadNote.setAttribute("aria-expanded", "true");
        openNoteForm(doc, $("thread-note-slot"), "Note about this conversation", {
          onSave: (body) => actions.addNote({ thread_id: threadId }, body, "the conversation"),
          onClose: () => {
            threadNote.setAttribute("aria-expanded", "false");
            threadNote.focus();
          },
        });
      });
    },

    show(screen) {
      current = screen;
      header(screen.session);
      // Focus follows a move to another place or screen (loading → thread included).
      const moved = moveTo(placeOf(screen)) || doc.body.dataset.showing !== screen.name;
      switchTo(screen.name);
      if (screen.name === "signed-out") {
        $("dev-sign-in-box").hidden = !screen.devSignIn;
        $("sign-in-error").textContent = screen.error || "";
        $("sign-in-error").hidden = !screen.error;
      } else if (screen.name === "no-thread") {
        $("page-problem").textContent = screen.problem ? `Threadbook cannot read this Gmail page: ${screen.problem}` : "";
        $("page-problem").hidden = !screen.problem;
      } else if (screen.name === "loading") {
        const subject = doc.querySelector('[data-screen="loading"] [data-field="subject"]');
        subject.textContent = subject.title = screen.thread.subject || "";
      } else if (screen.name === "unreachable") {
        doc.querySelector('[data-field="backend-url"]').textContent = screen.backendUrl;
      } else if (screen.name === "error") {
        doc.querySelector('[data-field="error-message"]').textContent = screen.message;
      } else if (screen.name === "thread") {
        renderThread(screen);
      }
      if (moved) settleFocus(screen.name);
    },

    /** Say something in the live region (read out by screen readers). */
    status(text, { error = false } = {}) {
      const status = $("status");
      status.textContent = text;
      status.classList.toggle("error", error);
      statusPlace = place;
      view.offer(null); // an offer belongs to the message it came with
    },

    /** Offer `{label, run}` beside the status line (e.g. *Undo*), or take the offer away (null). */
    offer(action) {
      offered = action;
      const button = $("status-action");
      if (!action && button.contains(doc.activeElement)) $("status").focus?.();
      button.textContent = action?.label || "";
      button.hidden = !action;
    },
  };
  return view;
}
