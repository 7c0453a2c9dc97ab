/**
 * What was logged and how people were matched: the options of *Log thread*
 * (a deal, chosen messages), *Undo* after logging, unlogging one email, a
 * person's timeline and *Not this person*.
 *
 * The controller mixes `actions` into its own, adds `describe(shown)` to the
 * thread screen as `logOptions`, asks `toSend(shown)` what to add to the log
 * call, tells `logged(threadId, result)` what the call stored (to offer
 * *Undo*) and calls `forget()` when another conversation is shown.
 * `view.offer({label, run})` puts a button beside the status line (any later
 * status takes it away), `view.offer(null)` takes it away.
 */

const UNDO_MS = 30_000;

/** The record a correction names (`{contact_id | lead_id | company_id, name}`): the company for a match by domain; null when none applies. */
export function correctionTarget({ match, kind, record, company, email }) {
  if (match?.rule === "domain") return Number.isInteger(company?.id) ? { company_id: company.id, name: company.name || "this company" } : null;
  if (match && (kind === "contact" || kind === "lead") && Number.isInteger(record?.id)) return { [`${kind}_id`]: record.id, name: record.name || email };
  return null;
}

/**
 * Make the log actions.
 *
 * - `client()`: the current backend client; `shown()`: `{thread, data}` on screen, or null;
 * - `labelToken()`: a Google token that may change labels (gmail.modify), else null;
 * - `readToken()`: resolves a Google token that reads mail, else null (the backend then uses the connected mailbox);
 * - `rerender()`: show the thread screen again; `refreshShown()`: look the shown conversation up again;
 * - `view`: `status(text, {error})` and `offer(action | null)`;
 * - `handleError(error, {lookupFailed: false})`: the controller's handling (unreachable, sign-out on 401);
 * - `setTimer(fn, ms)`, `clearTimer(id)`.
 */
export function createLogActions({ client, shown, labelToken, readToken, rerender, refreshShown, view, handleError, setTimer, clearTimer }) {
  let choice = null; // {threadId, dealId (undefined: none chosen), choosing, skipped: Set of message ids left out}
  let offerTimer = 0;

  const own = () => {
    const threadId = shown()?.thread.threadId;
    if (choice?.threadId !== threadId) choice = { threadId, choosing: false, skipped: new Set() };
    return choice;
  };

  /** Run `call()` and say `done(answer)`, or the failure; the conversation is looked up again. Resolves true on success. */
  async function change(call, done) {
    try {
      view.status(done(await call()));
    } catch (error) {
      if (error?.kind !== "client" && error?.kind !== "conflict") await handleError(error, { lookupFailed: false });
      view.status(error?.message || String(error), { error: true });
      return false;
    }
    await refreshShown();
    return true;
  }

  const logs = {
    /** The options beside *Log thread*, or null: `{deals, dealId, choosing, messages: [{id, from, logged, chosen}]}` (`from`: who sent it, as the page shows). */
    describe(state) {
      if (!state) return null;
      const { thread, data } = state;
      const mine = own();
      const deals = new Map();
      for (const participant of data.participants || []) {
        for (const deal of participant.deals || []) if (Number.isInteger(deal?.id) && (deal.status || "open") === "open") deals.set(deal.id, deal);
      }
      const emails = data.thread?.emails || [];
      const ids = thread.messageIds || [];
      return {
        deals: [...deals.values()],
        // Unless chosen here, the deal the conversation's mail is linked to already.
        dealId: "dealId" in mine ? mine.dealId : emails.map((e) => e.deal_id).findLast((id) => deals.has(id)),
        choosing: mine.choosing && ids.length > 1,
        messages: ids.map((id, i) => ({
          id,
          from: thread.senders?.[i] || "",
          logged: emails.find((e) => e.gmail_message_id === id)?.subject || "",
          chosen: !mine.skipped.has(id),
        })),
      };
    },

    /** What to add to the log call: `{dealId?, messageIds?}` (a deal only when chosen), or `{error}` when no message is. */
    toSend(state) {
      const options = logs.describe(state);
      const extra = options && "dealId" in own() ? { dealId: options.dealId } : {};
      if (options?.choosing) {
        extra.messageIds = options.messages.filter((m) => m.chosen).map((m) => m.id);
        if (!extra.messageIds.length) return { error: "Choose at least one message to log." };
      }
      return extra;
    },

    /** A log call answered `result` (`{status, data}`): the choices are done, and new mail can be undone for a while. */
    logged(threadId, result) {
      if (choice?.threadId === threadId) choice = null;
      const created = result.status === 201 && result.data?.created;
      const ids = Array.isArray(created) ? created.map((e) => e?.gmail_message_id).filter(Boolean) : [];
      if (!ids.length) return;
      clearTimer(offerTimer);
      view.offer?.({
        label: "Undo",
        run: () =>
          change(
            () => client().unlogThread(threadId, ids, labelToken()),
            ({ unlogged }) => `Undone: ${unlogged.length} email${unlogged.length === 1 ? "" : "s"} unlogged.`,
          ),
      });
      offerTimer = setTimer(() => view.offer?.(null), UNDO_MS);
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
        own().choosing = on;
        rerender();
      },

      /** Include message `id` in the log, or leave it out. */
      pickMessage(id, chosen) {
        own().skipped[chosen ? "delete" : "add"](id);
        rerender();
      },

      /** Unlog one email (`subject` for the status line); resolves true once done. */
      unlogEmail(emailId, subject) {
        return change(
          () => client().unlogEmail(emailId, labelToken()),
          () => `Unlogged “${subject || "(no subject)"}”.`,
        );
      },

      /** One page of `target`'s timeline (`{kind, id}`): `{ok, items, hasMore}` or `{ok: false, message}`. */
      async loadTimeline({ kind, id }, page) {
        try {
          const answer = await client().timeline(kind, id, page);
          return { ok: true, items: answer.items || [], hasMore: answer.has_more };
        } catch (error) {
          if (error?.kind !== "client") await handleError(error, { lookupFailed: false });
          return { ok: false, message: error?.message };
        }
      },

      /** An email's content read live from the user's own Gmail (no-copy mode): `{ok, content, message}`; content null says why. */
      async loadEmailContent(emailId) {
        try {
          const answer = await client().emailContent(emailId, await readToken?.());
          return { ok: true, content: answer.content, message: answer.message };
        } catch (error) {
          if (error?.kind !== "client") await handleError(error, { lookupFailed: false });
          return { ok: false, message: error?.message };
        }
      },

      /** *Not this person*: stop matching the participant's address to its record, for the whole team; resolves the correction (`{id}`) or false. */
      async correctMatch(participant) {
        const { name, ...record } = correctionTarget(participant) || {};
        let made = null;
        const done = await change(
          async () => (made = await client().correctMatch({ address: participant.email, ...record })),
          () => `${participant.email} is no longer matched to ${name} for your team.`,
        );
        return done && made;
      },

      /** Take back the correction `id` just made (`address` matched to `name` again); resolves true once done. */
      undoCorrection(id, address, name) {
        return change(
          () => client().removeCorrection(id),
          () => `${address} is matched to ${name} again.`,
        );
      },
    },
  };
  return logs;
}
