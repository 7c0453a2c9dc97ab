"""Which users' tasks sync now: the one rule for a user ("is this user due"), and the query the periodic fan-out uses.

``is_due`` follows the user's ``tasks`` schedule (identity/sync_schedules.py:
10 min, 30 min, 2 h; manual only on "Sync now").
"""

from threadbook.identity import sync_schedules
from threadbook.models import GoogleTasksLink, Organization, User, utcnow


def may_call_google(link, user, org, now=None):
    """Whether Threadbook may call Google for this user's tasks at all: on, granted, not paused, not backing off."""
    now = now or utcnow()
    if not link.enabled or link.status != "active" or not link.refresh_token:
        return False
    if user.sync_paused or not org.sync_enabled:
        return False
    return link.retry_after is None or link.retry_after <= now


def is_due(link, user, org, now=None, every=None):
    """Whether the user's tasks should sync now: they may, and the last run is an interval of their schedule old (or ``every``)."""
    now = now or utcnow()
    if not may_call_google(link, user, org, now):
        return False
    if every is None:
        schedule = sync_schedules.effective_schedule(user, "tasks", org)
        if schedule == "manual":
            return False  # "Sync now" queues its run itself
        every = sync_schedules.INTERVALS[schedule] - sync_schedules.GRACE
    return link.last_run_at is None or now - link.last_run_at >= every


def users_due(now=None):
    """The ids of users whose Google Tasks sync is due, the longest waiting first."""
    now = now or utcnow()
    rows = (
        GoogleTasksLink.select(GoogleTasksLink, User, Organization)
        .join(User, on=(GoogleTasksLink.user == User.id))
        .switch(GoogleTasksLink)
        .join(Organization, on=(GoogleTasksLink.org == Organization.id))
        .where((GoogleTasksLink.enabled == True) & (GoogleTasksLink.status == "active"))  # noqa: E712
        .order_by(GoogleTasksLink.last_run_at.asc(nulls="first"), GoogleTasksLink.id)
    )
    return [row.user_id for row in rows if is_due(row, row.user, row.org, now)]
