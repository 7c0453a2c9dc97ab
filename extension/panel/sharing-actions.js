/**
 * Who sees the mail logged from the open conversation: the level chosen for
 * logging, "Keep this thread private", and each logged email's level.
 *
 * The controller mixes `actions` into its own (`chooseVisibility`,
 * `setThreadPrivate`, `setEmailVisibility`), adds `describe(shown)` to the
 * thread screen as `sharing`, sends `levelToLog(shown)` when logging and
 * calls `forget()` when another conversation is shown, so a choice made on
 * one conversation never carries over to the next.
 *
 * The lookup's `thread` brings `visibility` (what new mail from this thread
 * gets when nobody chooses, already resolved by the backend), `private` and
 * `emails` (the user's own logged copies, each with `can_change_visibility`).
 * A backend without them gets no sharing controls and no `visibility` sent.
 */

import { isVisibility, visibilityLabel } from "./views/format.js";

/**
 * Make the sharing actions.
 *
 * - `client()`: the current backend client;
 * - `shown()`: the conversation on screen, `{thread, data}`, or null;
 * - `updateThread(threadId, change)`: replace the shown lookup's `thread` with `change(thread)` if `threadId` is still shown;
 * - `rerender()`: show the thread screen again from the current state;
 * - `refreshShown()`: look the shown conversation up again;
 * - `view`: `status(text, {error})`;
 * - `handleError(error, {lookupFailed: false})`: the controller's handling (unreachable, sign-out on 401).
 */
export function createSharingActions({ client, shown, updateThread, rerender, refreshShown, view, handleError }) {
  let choice = null; // {threadId, level}: the level picked for logging on this conversation
  let privatePending = null; // {threadId, value}: "Keep this thread private" being saved
  let privateError = null; // {threadId, message}
  const emailPending = new Map(); // email id -> {seq, level}: a level being saved
  const emailErrors = new Map(); // email id -> message
  let seq = 0;

  const shownId = () => shown()?.thread.threadId ?? null;
  const sameId = (a, b) => String(a) === String(b);

  /** The backend's failure as plain words; a lost session or backend goes through the controller too. */
  async function failed(error) {
    if (error?.kind !== "client" && error?.kind !== "conflict") await handleError(error, { lookupFailed: false });
    return error?.message || String(error);
  }

  const sharing = {
    /**
     * What the thread screen shows of sharing, or null when the backend says nothing about it:
     * `{level, private, privateBusy, privateError, emails: [{id, subject, from, date, level, canChange, canUnlog, busy, error}]}`.
     */
    describe(current) {
      const record = current?.data?.thread;
      if (!record || !isVisibility(record.visibility)) return null;
      const threadId = current.thread.threadId;
      const pending = privatePending?.threadId === threadId ? privatePending : null;
      const isPrivate = pending ? pending.value : Boolean(record.private);
      // A private thread logs for its owner only; otherwise the choice made here, else the thread's default.
      const level = isPrivate ? "private" : choice?.threadId === threadId ? choice.level : record.visibility;
      const emails = (Array.isArray(record.emails) ? record.emails : []).map((email) => {
        const saving = emailPending.get(email.id);
        return {
          id: email.id,
          subject: email.subject || "",
          from: email.from || {},
          date: email.date || "",
          level: saving ? saving.level : email.visibility,
          canChange: Boolean(email.can_change_visibility),
          canUnlog: Boolean(email.can_unlog),
          busy: Boolean(saving),
          error: emailErrors.get(email.id) || "",
        };
      });
      return {
        level,
        private: isPrivate,
        privateBusy: Boolean(pending),
        privateError: privateError?.threadId === threadId ? privateError.message : "",
        emails,
      };
    },

    /** The level to send when logging the shown conversation; undefined when the backend has no sharing. */
    levelToLog(current) {
      return sharing.describe(current)?.level;
    },

    /** Another conversation is shown: drop the choice and the messages of the last one. */
    forget() {
      choice = null;
      privateError = null;
      emailErrors.clear();
    },

    actions: {
      /** Pick who sees the mail logged next from the shown conversation (not sent until logging). */
      chooseVisibility(level) {
        const threadId = shownId();
        if (!threadId || !isVisibility(level)) return;
        choice = { threadId, level };
        rerender();
      },

      /** Keep the shown conversation private, or stop; the checkbox goes back on failure. */
      async setThreadPrivate(value) {
        const threadId = shownId();
        if (!threadId) return;
        if (privatePending?.threadId === threadId) return rerender(); // one change at a time
        const wanted = Boolean(value);
        privatePending = { threadId, value: wanted };
        privateError = null;
        rerender();
        let answer;
        try {
          answer = await client().setThreadPrivate(threadId, wanted);
        } catch (error) {
          privatePending = null;
          const message = await failed(error);
          privateError = {
            threadId,
            message: `${wanted ? "Could not keep this thread private" : "Could not stop keeping this thread private"}: ${message}`,
          };
          if (shownId() === threadId) rerender();
          return;
        }
        privatePending = null;
        const isPrivate = typeof answer?.private === "boolean" ? answer.private : wanted;
        if (choice?.threadId === threadId) choice = null; // the select follows the thread's new default
        updateThread(threadId, (record) =>
          isPrivate
            ? {
                ...record,
                private: true,
                visibility: "private",
                // Marking private makes the user's copies already logged here private too.
                emails: (record.emails || []).map((email) => ({ ...email, visibility: "private" })),
              }
            : { ...record, private: false },
        );
        if (shownId() !== threadId) return;
        rerender();
        view.status(
          isPrivate
            ? "This thread is private: only you see its mail, including later messages."
            : "This thread is no longer kept private. Mail already logged stays as it is; new mail follows your default.",
        );
        // The backend resolves what new mail from this thread now gets.
        await refreshShown();
      },

      /** Change who sees one logged email; the old level comes back on failure. */
      async setEmailVisibility(emailId, level) {
        const threadId = shownId();
        const email = (shown()?.data?.thread?.emails || []).find((e) => sameId(e.id, emailId));
        if (!email || !isVisibility(level)) return;
        const id = email.id;
        const mine = ++seq;
        emailPending.set(id, { seq: mine, level });
        emailErrors.delete(id);
        rerender();
        try {
          const answer = await client().setEmailVisibility(id, level);
          if (emailPending.get(id)?.seq !== mine) return; // a later choice was made: its answer counts
          emailPending.delete(id);
          const saved = isVisibility(answer?.visibility) ? answer.visibility : level;
          updateThread(threadId, (record) => ({
            ...record,
            emails: (record.emails || []).map((e) => (sameId(e.id, id) ? { ...e, visibility: saved } : e)),
          }));
          if (shownId() !== threadId) return;
          rerender();
          view.status(`Who sees “${email.subject || "(no subject)"}”: ${visibilityLabel(saved)}.`);
        } catch (error) {
          if (emailPending.get(id)?.seq !== mine) return;
          emailPending.delete(id);
          const message = await failed(error);
          emailErrors.set(id, `Could not change who sees this mail: ${message}`);
          if (shownId() === threadId) rerender();
        }
      },
    },
  };
  return sharing;
}
