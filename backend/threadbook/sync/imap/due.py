"""Which IMAP accounts may sync, and which are due: one rule each, for the run and for the periodic fan-out."""

import datetime

from threadbook.identity import sync_schedules
from threadbook.models import ImapAccount, Organization, User, utcnow

DEFAULT_INTERVAL_MINUTES = 10
MAX_BACKOFF = datetime.timedelta(hours=6)


def inactive_reason(account, user, org):
    """Return why an account may not sync now (an outcome name), or None."""
    if account.status == "needs_reconnect" or not account.password:
        return "needs_reconnect"
    if not org.sync_enabled:
        return "disabled"
    if user.sync_paused:
        return "paused"
    return None


def is_due(account, now=None, interval_minutes=DEFAULT_INTERVAL_MINUTES):
    """Return whether an account that may sync should run now: every ``interval_minutes``, backing off after failures.

    After n consecutive failed runs the wait is interval × 2ⁿ (at most six hours), counted from the last error.
    """
    now = now or utcnow()
    interval = datetime.timedelta(minutes=interval_minutes)
    if account.failures:
        wait = min(interval * (2 ** min(account.failures, 16)), MAX_BACKOFF)
        return account.last_error_at is None or now >= account.last_error_at + wait
    return account.last_synced_at is None or now >= account.last_synced_at + interval - datetime.timedelta(seconds=30)


def accounts_due(now=None, interval_minutes=DEFAULT_INTERVAL_MINUTES):
    """Return the ids of the IMAP accounts to sync now: connected, user not paused, organisation's sync on, and due."""
    query = (
        ImapAccount.select(ImapAccount, User, Organization)
        .join(User, on=(ImapAccount.user == User.id))
        .switch(ImapAccount)
        .join(Organization, on=(ImapAccount.org == Organization.id))
        .where(
            (ImapAccount.status != "needs_reconnect") & ImapAccount.password.is_null(False) & (User.sync_paused == False) & (Organization.sync_enabled == True)
        )
        .order_by(ImapAccount.id)
    )
    return [account.id for account in query if _scheduled(account, interval_minutes) and is_due(account, now, _scheduled(account, interval_minutes))]


def _scheduled(account, floor_minutes):
    """Minutes between runs by the user's mail schedule (identity/sync_schedules.py), never under the operator's floor; None when manual."""
    schedule = sync_schedules.effective_schedule(account.user, "mail", account.org)
    if schedule == "manual":
        return None  # the account's own "Sync now" runs it
    return max(floor_minutes, sync_schedules.INTERVALS[schedule].total_seconds() / 60)
