/**
 * What was logged and how people were matched: the options of *Log thread*
 * (a deal, chosen messages), *Undo* after logging, unlogging one email, a
 * person's timeline and *Not this person*.
 *
 * The controller mixes `actions` into its own, adds `describe(shown)` to the
 * thread screen as `logOptions`, asks `toSend(shown)` what to add to the log
 * call, tells `logged(threadId, result)` what the call stored (to offer
 * *Undo*) and calls `forget()` when another conversation is shown.
 *
 * Each action resolves `{ok: true, ...}` or `{ok: false, message}` for the
 * control that asked; `view.offer({label, run})` puts a button beside the
 * status line (any later status removes it) and `view.offer(null)` takes it away.
 */

const UNDO_MS = 30_000;
export const TIMELINE_PAGE = 10;

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The record a correction names: the person, or the company for a match by domain; null when none applies. */
export function correctionTarget(participant) {
  const { match, kind, record, company } = participant;
  if (!match) return null;
  if (match.rule === "domain") return Number.isInteger(company?.id) ? { company_id: company.id, name: company.name || "this company" } : null;
  if ((kind === "contact" || kind === "lead") && Number.isInteger(record?.id)) return { [`${kind}_id`]: record.id, name: record.name || participant.email };
  return null;
}

/**
 * Make the log actions.
 *
 * - `client()`: the current backend client; `shown()`: `{thread, data}` on screen, or null;
 * - `rerender()`: show the thread screen again; `refreshShown()`: look the shown conversation up again;
 * - `view`: `status(text, {error})` and `offer(action | null)`;
 * - `handleError(error, {lookupFailed: false})`: the controller's handling (unreachable, sign-out on 401);
 * - `setTimer(fn, ms)`, `clearTimer(id)`.
 */
export function createLogActions({ client, shown, rerender, refreshShown, view, handleError, setTimer, clearTimer }) {
  let choice = null; // {threadId, dealId (undefined: not chosen), choosing, skipped: Set of message ids left out}
  let offerTimer = 0;

  const own = () => {
    const threadId = shown()?.thread.threadId ?? null;
    if (choice?.threadId !== threadId) choice = { threadId, dealId: undefined, choosing: false, skipped: new Set() };
    return choice;
  };

  /** The backend's failure as plain words; a lost session or backend goes through the controller too. */
  async function failed(error) {
    if (error?.kind !== "client" && error?.kind !== "conflict") await handleError(error, { lookupFailed: false });
    return error?.message || String(error);
  }

  /** Offer `label` beside the status line for a while; `run()` once when pressed. */
  function offer(label, run) {
    clearTimer(offerTimer);
    view.offer?.({ label, run });
    offerTimer = setTimer(() => view.offer?.(null), UNDO_MS);
  }

  /** Run `call()`, say `done(answer)` and look the conversation up again; `{ok, message}` for the control. */
  async function change(call, done) {
    let answer;
    try {
      answer = await call();
    } catch (error) {
      return { ok: false, message: await failed(error) };
    }
    view.status(done(answer));
    await refreshShown();
    return { ok: true };
  }

  const logs = {
    /**
     * The options beside *Log thread*, or null with no conversation:
     * `{deals: [{id, deal}], dealId, choosing, messages: [{id, index, from, logged, chosen}]}`.
     */
    describe(state) {
      if (!state) return null;
      const { thread, data } = state;
      const mine = own();
      const deals = new Map();
      for (const participant of data.participants || []) {
        for (const deal of participant.deals || []) {
          if (Number.isInteger(deal?.id) && (!deal.status || deal.status === "open")) deals.set(deal.id, deal);
        }
      }
      const emails = Array.isArray(data.thread?.emails) ? data.thread.emails : [];
      const linked = emails.map((e) => e.deal_id).findLast((id) => deals.has(id)) ?? null;
      const subjects = new Map(emails.filter((e) => e.gmail_message_id).map((e) => [e.gmail_message_id, e.subject || "(no subject)"]));
      const ids = thread.messageIds || [];
      return {
        deals: [...deals.values()],
        dealId: mine.dealId === undefined ? linked : mine.dealId,
        choosing: mine.choosing && ids.length > 1,
        messages: ids.map((id, index) => ({
          id,
          index,
          from: thread.messageFrom?.[index] || "",
          logged: subjects.get(id) || "",
          chosen: !mine.skipped.has(id),
        })),
      };
    },

    /** What to add to the log call: `{dealId?, messageIds?}`, or `{error}` when no message is chosen. */
    toSend(state) {
      const options = logs.describe(state);
      const extra = {};
      if (!options) return extra;
      if (own().dealId !== undefined) extra.dealId = options.dealId;
      if (options.choosing) {
        extra.messageIds = options.messages.filter((m) => m.chosen).map((m) => m.id);
        if (!extra.messageIds.length) return { error: "Choose at least one message to log, or stop choosing messages." };
      }
      return extra;
    },

    /** A log call answered `result` (`{status, data}`): the choices are done, and new mail can be undone for a while. */
    logged(threadId, result) {
      if (choice?.threadId === threadId) choice = null;
      const created = (result?.status === 201 && result.data?.created) || [];
      if (!created.length) return;
      const messageIds = created.map((e) => e.gmail_message_id);
      offer("Undo", () =>
        change(
          async () => {
            // The thread's unlog removes the label too; without message ids, each email on its own.
            if (messageIds.every(Boolean)) return (await client().unlogThread(threadId, messageIds)).unlogged?.length ?? created.length;
            for (const email of created) await client().unlogEmail(email.id);
            return created.length;
          },
          (count) => `Undone: ${plural(count, "email")} unlogged.`,
        ).then((result_) => result_.ok || view.status(`Could not undo: ${result_.message}`, { error: true })),
      );
    },

    /** Another conversation is shown: its own choices start afresh. */
    forget() {
      choice = null;
    },

    actions: {
      /** Link the mail logged next to deal `dealId` (null: no deal). */
      chooseDeal(dealId) {
        own().dealId = dealId;
        rerender();
      },

      /** Log only the chosen messages (`on`), or the whole conversation. */
      chooseMessages(on) {
        own().choosing = Boolean(on);
        rerender();
      },

      /** Include message `id` in the log, or leave it out. */
      pickMessage(id, chosen) {
        const { skipped } = own();
        if (chosen) skipped.delete(id);
        else skipped.add(id);
        rerender();
      },

      /** Unlog one email (`subject` for the status line). */
      unlogEmail(emailId, subject) {
        return change(
          () => client().unlogEmail(emailId),
          () => `Unlogged “${subject || "(no subject)"}”.`,
        );
      },

      /** One page of `target`'s timeline (`{kind, id}`): `{ok, items, hasMore}`. */
      async loadTimeline({ kind, id }, page) {
        try {
          const answer = await client().timeline(kind, id, page, TIMELINE_PAGE);
          return { ok: true, items: Array.isArray(answer.items) ? answer.items : [], hasMore: Boolean(answer.has_more) };
        } catch (error) {
          return { ok: false, message: await failed(error) };
        }
      },

      /** *Not this person*: stop matching the participant's address to its record for the team; *Undo* for a while. */
      async correctMatch(participant) {
        const target = correctionTarget(participant);
        if (!target) return { ok: false, message: "There is no match to correct." };
        const { name, ...record } = target;
        let saved = null;
        const result = await change(
          async () => (saved = await client().correctMatch({ address: participant.email, ...record })),
          () => `${participant.email} is no longer matched to ${name} for your team.`,
        );
        if (result.ok && Number.isInteger(saved?.id)) {
          offer("Undo", () =>
            change(
              () => client().removeCorrection(saved.id),
              () => `${participant.email} is matched to ${name} again.`,
            ).then((r) => r.ok || view.status(`Could not undo: ${r.message}`, { error: true })),
          );
        }
        return result;
      },
    },
  };
  return logs;
}
