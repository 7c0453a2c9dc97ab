"""Which mailboxes may sync: the rule for one mailbox, and the query the periodic schedule fans out from."""

import datetime

from peewee import fn

from threadbook.db import write_transaction
from threadbook.identity import sync_schedules
from threadbook.models import GmailWatch, Mailbox, Organization, User, utcnow

# A mailbox Gmail pushes for is still polled this often, in case a push was lost.
PUSHED_POLL_EVERY = datetime.timedelta(hours=1)


class StopSync(Exception):
    """The user paused, the organisation disabled sync, or the mailbox was disconnected mid-run."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def inactive_reason(mailbox, user, org):
    """Return why a mailbox may not sync now (an outcome name), or None."""
    if mailbox.status == "disconnected":
        return "disconnected"
    if mailbox.status == "needs_reconnect":
        return "needs_reconnect"
    if not org.sync_enabled:
        return "disabled"
    if user.sync_paused:
        return "paused"
    return None


def ensure_service_account_mailboxes():
    """Give every user of an organisation with a service account a mailbox (new users included)."""
    orgs = Organization.select(Organization.id).where(Organization.service_account_key.is_null(False))
    missing = User.select(User.id, User.org).where(User.org.in_(orgs) & User.id.not_in(Mailbox.select(Mailbox.user)))
    rows = [{"org": u.org_id, "user": u.id, "kind": "service_account", "status": "active"} for u in missing]
    if rows:
        with write_transaction():
            Mailbox.insert_many(rows).on_conflict_ignore().execute()


def mailboxes_due(backfilled_only=False, by_schedule=False, pushed_ones_hourly=False, now=None):
    """Return the ids of mailboxes that may sync now (connected, not paused, org enabled), in one query.

    A user whose mail schedule is manual is left out: nothing touches their Gmail
    by itself (not the label round, not reconciliation), only "Sync now" does.
    ``by_schedule``: only those whose mail sync is due at ``now`` by their schedule
    (identity/sync_schedules.py; the periodic sync's fan-out).
    ``pushed_ones_hourly``: leave out mailboxes with a live Gmail watch that synced
    within the last hour (push tells of their changes; sync/watch.py).
    """
    ensure_service_account_mailboxes()
    query = (
        Mailbox.select(Mailbox.id)
        .join(User, on=(Mailbox.user == User.id))
        .switch(Mailbox)
        .join(Organization, on=(Mailbox.org == Organization.id))
        .where((Mailbox.status == "active") & (User.sync_paused == False) & (Organization.sync_enabled == True))
        .order_by(fn.COALESCE(Mailbox.last_synced_at, Mailbox.created_at))
    )
    if backfilled_only:
        query = query.where(Mailbox.backfill_done == True)
    if by_schedule:
        query = query.where(Mailbox.user.in_(sync_schedules.due_user_ids("mail", now)))
    else:
        query = query.where(Mailbox.user.not_in(sync_schedules.manual_user_ids("mail")))
    if pushed_ones_hourly:
        now = now or utcnow()
        pushed = GmailWatch.select(GmailWatch.mailbox).where(GmailWatch.error.is_null() & (GmailWatch.expires_at > now))
        recently = Mailbox.last_synced_at.is_null(False) & (Mailbox.last_synced_at > now - PUSHED_POLL_EVERY)
        query = query.where(~(Mailbox.id.in_(pushed) & recently))
    return [m.id for m in query]


def record_mail_run(mailbox_id):
    """Remember that the mailbox's user's mail sync just ran (sync_schedules): the next is due an interval later."""
    user_id = Mailbox.select(Mailbox.user).where(Mailbox.id == mailbox_id).scalar()
    if user_id is not None:
        sync_schedules.record_run(user_id, "mail")
