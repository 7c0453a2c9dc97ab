/**
 * The card's record actions: edit a contact's or lead's fields, list and change a contact's deals,
 * convert a lead into a contact.
 *
 * The controller mixes these into its `actions`. Writes resolve `{ok: true}` (the card is looked
 * up again) or `{ok: false, message, forbidden}` (the form stays open with everything typed).
 */

/** Deal stages when the organisation names none (`GET /api/v1/org` without `deal_stages`). */
export const DEFAULT_STAGES = ["qualification", "proposal", "negotiation"];

/** Open deals first, then won and lost ones; each group keeps the backend's order (newest first). */
export const dealsInOrder = (deals) => [...deals].sort((a, b) => (a.status !== "open") - (b.status !== "open"));

/**
 * Make the record actions.
 *
 * - `client()`: the current backend client;
 * - `view`: `status(text)`;
 * - `handleError(error, {lookupFailed: false})`: the controller's handling (sign-out on 401);
 * - `refreshShown()`: look the shown conversation up again (the cards refresh).
 */
export function createRecordActions({ client, view, handleError, refreshShown }) {
  async function failed(error) {
    if (error?.kind === "unauthorized") await handleError(error, { lookupFailed: false });
    return { ok: false, message: error?.message || String(error), forbidden: error?.status === 403 };
  }

  /** Run a write; on success say `done(answer)` in the status line and refresh the cards. */
  async function write(run, done) {
    let answer;
    try {
      answer = await run(client());
    } catch (error) {
      return failed(error);
    }
    view.status(done(answer));
    await refreshShown();
    return { ok: true };
  }

  return {
    /** The organisation's members (`[{id, name, email}]`) to choose an owner from; null when they cannot be read. */
    async teamMembers() {
      try {
        return (await client().members()).members || [];
      } catch {
        return null;
      }
    },

    /** The organisation's deal stages, else the default ones. */
    async dealStages() {
      const stages = await client()
        .org()
        .then((org) => org.deal_stages)
        .catch(() => null);
      return Array.isArray(stages) && stages.length ? stages : DEFAULT_STAGES;
    },

    /** Save `changes` to the contact or lead (`kind`) `id`, called `name`. */
    saveRecord: (kind, id, changes, name) =>
      write(
        (c) => c.updateRecord(kind, id, changes),
        () => `Saved ${name}.`,
      ),

    /** A contact's deals, open ones first: `{ok, deals}` or `{ok: false, message}`. */
    async listDeals(contactId) {
      try {
        return { ok: true, deals: dealsInOrder((await client().contactDeals(contactId)).items || []) };
      } catch (error) {
        return failed(error);
      }
    },

    createDeal: (deal) =>
      write(
        (c) => c.createDeal(deal),
        (made) => `Deal created: ${made.name}.`,
      ),

    /** Change a deal's `stage` or `status` ("won", "lost", "open" to reopen it). */
    changeDeal: (deal, changes) =>
      write(
        (c) => c.updateDeal(deal.id, changes),
        (saved) =>
          `${saved.name}: ${changes.status ? { open: "reopened", won: "won", lost: "lost" }[changes.status] : String(saved.stage).replace(/_/g, " ")}.`,
      ),

    /** Convert the lead `id`, called `name`, with `options` (`{company_name?, deal?}`); the card becomes the contact. */
    convertLead: (id, options, name) =>
      write(
        (c) => c.convertLead(id, options),
        (answer) => `${name} is now a contact${answer.deal ? ` with the deal ${answer.deal.name}` : ""}.`,
      ),
  };
}
