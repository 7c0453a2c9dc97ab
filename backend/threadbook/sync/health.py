"""A mailbox's health, as a person can act on it: state, last success, last error, next run, today's counts.

``of(user, org, mailbox, status)`` builds the ``health`` object that
``GET /api/v1/mailbox`` and ``GET /api/v1/org/mailboxes`` carry next to the
raw state (``connection.status_of``); ``count_page`` is the hook mail sync
calls per committed page (counts per UTC day in ``SyncDay``) and tells record
owners about new mail (mail/notifications.py). ``broken`` means the user must
do something (reconnect) or sync keeps failing; a pause or an organisation
that turned sync off is a choice, not breakage.
"""

import datetime

from threadbook.crm.serializers import iso
from threadbook.identity import sync_schedules
from threadbook.mail import notifications
from threadbook.models import SyncDay, utcnow
from threadbook.sync.watch import watch_state

# jobs/tasks.py's SYNC_EVERY: the periodic schedule queues every due mailbox on each 5th minute.
SYNC_EVERY_MINUTES = 5


def _on(moment):
    return f"{moment.day} {moment:%B %Y}" if moment else None


def next_run(now=None):
    now = now or utcnow()
    start = now.replace(second=0, microsecond=0)
    return start + datetime.timedelta(minutes=SYNC_EVERY_MINUTES - start.minute % SYNC_EVERY_MINUTES)


def scheduled_run(user, org, now=None):
    """The tick at which the user's mail syncs next by their mail schedule (sync_schedules); None when it is manual."""
    now = now or utcnow()
    schedule = sync_schedules.effective_schedule(user, "mail", org)
    if schedule == "manual":
        return None
    last = sync_schedules.last_run_at(user.id, "mail")
    due = last + sync_schedules.INTERVALS[schedule] - sync_schedules.GRACE if last else now
    return next_run(max(now, due))


def _advice(state, mailbox):
    """Return (message, action) for the state: what happened and what to do, or (None, None) when all is well."""
    when = _on(mailbox.last_error_at or mailbox.last_synced_at) if mailbox else None
    if state == "needs_reconnect":
        head = f"Google revoked access on {when}" if when else "Google revoked access"
        return f"{head}: reconnect Gmail.", "reconnect"
    if state in ("not_connected", "disconnected"):
        return "Gmail is not connected: connect it to sync your mail.", "connect"
    if state == "disabled":
        return "Your organisation turned mail sync off: ask an administrator.", "ask_admin"
    if state == "paused":
        return "Your sync is paused: resume it to sync new mail.", "resume"
    if mailbox and mailbox.last_error:
        return f"The last sync failed on {_on(mailbox.last_error_at) or 'an earlier run'} ({mailbox.last_error}); it retries on its own.", "wait"
    return None, None


def today_counts(mailbox, today=None):
    if mailbox is None:
        return {"stored": 0, "filtered": 0, "failed": 0}
    row = SyncDay.get_or_none((SyncDay.mailbox == mailbox.id) & (SyncDay.day == (today or utcnow().date())))
    return {"stored": row.stored if row else 0, "filtered": row.filtered if row else 0, "failed": row.failed if row else 0}


def calendars_of(user, org):
    """Each calendar's health: filled in by the API from calendar/health.py (sync and calendar are separate packages)."""
    return []


def of(user, org, mailbox, status):
    """Return the ``health`` object for a mailbox whose ``status_of`` answer is ``status``."""
    state = status["status"]
    message, action = _advice(state, mailbox)
    failing = bool(mailbox and mailbox.last_error and state in ("active", "syncing"))
    return {
        "state": state,
        "broken": state == "needs_reconnect" or failing,
        "needs_reconnect": state == "needs_reconnect",
        "message": message,
        "action": action,
        "last_success_at": iso(mailbox.last_synced_at) if mailbox else None,
        "last_error": {"message": message, "detail": mailbox.last_error, "at": iso(mailbox.last_error_at)} if mailbox and mailbox.last_error else None,
        "next_run_at": iso(scheduled_run(user, org)) if state in ("active", "syncing") else None,
        "today": today_counts(mailbox),
        "calendars": calendars_of(user, org),
        # Gmail push (sync/watch.py): off when the deployment has no Pub/Sub topic.
        "push": watch_state(mailbox.id) if mailbox else {"state": "off"},
    }


def count_page(mailbox, org, user, created_ids, stored, filtered, failed):
    """Mail sync's hook after storing a page (inside its transaction): count the day, tell owners of new mail."""
    if stored or filtered or failed:
        SyncDay.insert(mailbox=mailbox.id, day=utcnow().date(), stored=stored, filtered=filtered, failed=failed).on_conflict(
            conflict_target=[SyncDay.mailbox, SyncDay.day],
            update={
                SyncDay.stored: SyncDay.stored + stored,
                SyncDay.filtered: SyncDay.filtered + filtered,
                SyncDay.failed: SyncDay.failed + failed,
            },
        ).execute()
    if created_ids:
        notifications.notify_new_mail(org, user, created_ids)


def alerts(user, org, mailbox, status):
    """The compact answer the toolbar polls: is sync broken, and how many notifications are unread."""
    health = of(user, org, mailbox, status)
    return {
        "sync": {k: health[k] for k in ("state", "broken", "needs_reconnect", "message", "action")},
        "notifications_enabled": bool(user.notifications_enabled),
        "unread_notifications": notifications.unread_count(user),
    }
