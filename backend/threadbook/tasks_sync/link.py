"""A user's link to Google Tasks (``GoogleTasksLink``): the switch, the stored grant, the list's id, and how sync last went.

``state`` is what the Account screen shows. Turning the switch on needs a
grant that includes the ``tasks`` scope (``connect.py`` gets one); without it
``enable`` refuses with ``needs_scope``. Turning it off makes no more Google
calls and keeps the tasks already in Google as they are.
"""

from peewee import IntegrityError

from threadbook import audit, crypto
from threadbook.crm.serializers import iso
from threadbook.db import write_transaction
from threadbook.google.tasks import TASKS_SCOPE
from threadbook.models import GoogleTasksLink, utcnow
from threadbook.tasks_sync import due
from threadbook.tasks_sync.refusals import needs_scope


def link_of(user, create=False):
    """The user's link (made, switched off, when ``create`` and there is none), or None."""
    link = GoogleTasksLink.get_or_none(GoogleTasksLink.user == user.id)
    if link is None and create:
        try:
            with write_transaction():
                link = GoogleTasksLink.create(org=user.org_id, user=user.id)
        except IntegrityError:
            link = GoogleTasksLink.get(GoogleTasksLink.user == user.id)
    return link


def has_scope(link):
    return link is not None and bool(link.refresh_token) and TASKS_SCOPE in (link.scopes or "").split()


def state(user, org):
    """The switch as the Account screen shows it."""
    link = link_of(user)
    if link is None:
        return {
            "enabled": False,
            "status": "off",
            "granted": False,
            "list_id": None,
            "last_run_at": None,
            "last_success_at": None,
            "last_error": None,
            "retry_after": None,
            "due": False,
        }
    return {
        "enabled": link.enabled,
        "status": link.status,
        "granted": has_scope(link),
        "list_id": link.list_id,
        "last_run_at": iso(link.last_run_at),
        "last_success_at": iso(link.last_success_at),
        "last_error": link.last_error,
        "retry_after": iso(link.retry_after),
        "due": due.is_due(link, user, org),
    }


def enable(user):
    """Turn the switch on; ``needs_scope`` when the user has not granted Google Tasks (or the grant stopped working)."""
    link = link_of(user, create=True)
    if not has_scope(link) or link.status in ("needs_scope", "needs_reconnect"):
        raise needs_scope()
    save(link, enabled=True, status="active", retry_after=None, failures=0)
    audit.record("google_tasks.enabled", org=user.org_id, user=user)
    return link


def disable(user):
    link = link_of(user)
    if link is not None and link.enabled:
        save(link, enabled=False, status="off")
        audit.record("google_tasks.disabled", org=user.org_id, user=user)
    return link


def store_grant(user, refresh_token, scopes):
    """Keep a new grant (encrypted) and turn the switch on; return the refresh token it replaces (to revoke), or None."""
    link = link_of(user, create=True)
    replaced = crypto.decrypt(link.refresh_token) if link.refresh_token else None
    # A list the user deleted while the switch was off (see sync.py) is made again.
    save(link, refresh_token=crypto.encrypt(refresh_token), scopes=scopes, enabled=True, status="active", retry_after=None, failures=0, last_error=None)
    audit.record("google_tasks.enabled", org=user.org_id, user=user)
    return replaced


def save(link, **values):
    """Write ``values`` to the link's row and to ``link``."""
    with write_transaction():
        GoogleTasksLink.update(**values).where(GoogleTasksLink.id == link.id).execute()
    for name, value in values.items():
        setattr(link, name, value)


def record_run(link, **values):
    """Record how a run went (``last_*``, ``status``, ``retry_after``, …), stamping ``last_run_at``."""
    save(link, last_run_at=utcnow(), **values)
