"""When a user's contacts copy runs: the one rule "is this user due", and the users the periodic fan-out queues.

An enabled user is due by their ``contacts`` schedule (identity/sync_schedules.py:
10 min, 30 min, 2 h; manual only on "Sync now"), sooner when the last run did
not finish or a CRM contact changed since (so an edit reaches Google at the
next fan-out, within 5 minutes), never before the time Google asked to wait.
"""

from peewee import JOIN

from threadbook.identity import sync_schedules
from threadbook.models import Contact, GoogleContactLink, GoogleContactsSync, utcnow


def is_due(setting, now=None):
    """Whether ``setting``'s user should be copied now."""
    now = now or utcnow()
    if not setting.enabled:
        return False
    schedule = sync_schedules.effective_schedule(setting.user_id, "contacts")
    if schedule == "manual":
        return False  # "Sync now" queues its run itself
    if setting.retry_at and now < setting.retry_at:
        return False
    if setting.last_run_at is None:
        return True
    unfinished = setting.last_synced_at is None or setting.last_synced_at < setting.last_run_at
    if unfinished and setting.retry_at:
        return True  # a run Google rate-limited resumes as soon as it may
    return now - setting.last_run_at >= sync_schedules.INTERVALS[schedule] - sync_schedules.GRACE or crm_changed_since(setting)


def crm_changed_since(setting):
    """Whether a contact of the user's organisation changed, or a copied one was deleted, since the last finished run.

    Cheap on purpose (it runs for every enabled user each fan-out): the (org, updated_at) index answers the first
    question, the user's own links the second.
    """
    since = setting.last_synced_at
    if since is None:
        return False
    if Contact.select().where((Contact.org == setting.org_id) & (Contact.updated_at > since)).exists():
        return True
    gone = (
        GoogleContactLink.select()
        .join(Contact, JOIN.LEFT_OUTER, on=(GoogleContactLink.contact_id == Contact.id))
        .where((GoogleContactLink.user == setting.user_id) & Contact.id.is_null())
    )
    return gone.exists()


def users_due(now=None):
    """Return the ids of the users whose contacts copy is due (the run itself checks connection and pause)."""
    now = now or utcnow()
    return [s.user_id for s in GoogleContactsSync.select().where(GoogleContactsSync.enabled == True) if is_due(s, now)]  # noqa: E712
