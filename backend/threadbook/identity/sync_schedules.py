"""How often each kind of sync runs for a user, and which way calendar sync goes: the one owner of both.

Kinds: ``mail``, ``calendar``, ``contacts``, ``tasks`` (``SYNC_KINDS``).
Choices: ``10m``, ``30m``, ``2h``, ``manual`` (``SCHEDULE_CHOICES``): manual
never runs by itself, only on "Sync now". The organisation's default per kind
is ``Organization.<kind>_schedule`` (administrators set it, default 10m); a
user's own ``User.<kind>_schedule`` overrides it (null follows the
organisation), unless an administrator locked the schedules
(``Organization.sync_schedules_locked``): then everyone follows the
organisation's (their own choices are kept for when it is lifted). The
calendar direction works the same way:
``calendar_direction`` ``two_way`` (Google → CRM, and meetings booked in the
CRM are put in Google Calendar) or ``one_way`` (Google → CRM only).

For a sync package (mail, calendar, and contacts and tasks sync):

- ``effective_schedule(user, kind)``, ``effective_direction(user)``;
- ``is_due(user, kind, last_run_at, now)``: one user's answer;
- ``due_user_ids(kind, now)``: a sub-query of every user due, for a periodic
  fan-out to filter its own query with (``Model.user.in_(...)``: one SQL
  statement however many users); ``manual_user_ids(kind)`` the same for the
  users who chose manual;
- ``record_run(user_id, kind)`` when a run ends (whatever its outcome), so
  the next is due an interval later;
- ``request_run(user, kind)`` for "Sync now": False when one is already
  waiting, so repeated clicks queue one job.

The periodic ticks stay frequent (every 5 minutes); they ask who is due. A
run is due when its interval has passed since the last run, less ``GRACE``,
so a 10-minute schedule ticked every 5 minutes runs every 10 minutes, not 15.
"""

import contextlib
import datetime

from peewee import JOIN, Case, fn

from threadbook import audit
from threadbook.db import write_transaction
from threadbook.models import CALENDAR_DIRECTIONS, SCHEDULE_CHOICES, SYNC_KINDS, Organization, SyncRun, User, utcnow

INTERVALS = {"10m": datetime.timedelta(minutes=10), "30m": datetime.timedelta(minutes=30), "2h": datetime.timedelta(hours=2)}
# Half the periodic tick (5 minutes): a run that finished just after a tick is due at the tick one interval later.
GRACE = datetime.timedelta(minutes=2, seconds=30)
# A "Sync now" not followed by a run within this long is taken as lost (a worker down): the next click queues again.
REQUEST_EXPIRES = datetime.timedelta(minutes=10)

# The setting names, in the organisation's settings and the user's own.
SCHEDULE_FIELDS = tuple(f"{kind}_schedule" for kind in SYNC_KINDS)
DIRECTION_FIELD = "calendar_direction"
SETTINGS = SCHEDULE_FIELDS + (DIRECTION_FIELD,)
ALLOWED = {**{name: SCHEDULE_CHOICES for name in SCHEDULE_FIELDS}, DIRECTION_FIELD: CALENDAR_DIRECTIONS}
LOCK_FIELD = "sync_schedules_locked"  # the organisation's switch (a boolean setting)


class UnknownKind(ValueError):
    """A kind of sync Threadbook does not know."""


class SchedulesLocked(Exception):
    """The organisation's administrators set the schedules for everyone: a member's own choice is refused."""

    def __init__(self):
        super().__init__("Your administrator set the sync schedules for everyone; ask them if you need another.")


def field_of(kind):
    if kind not in SYNC_KINDS:
        raise UnknownKind(f"Unknown kind of sync {kind!r}; the kinds are {', '.join(SYNC_KINDS)}.")
    return f"{kind}_schedule"


def _user(user):
    return user if isinstance(user, User) else User.get_by_id(user)


def _org_of(user):
    return Organization.get_by_id(user.org_id)


# -- one user ---------------------------------------------------------------------
def effective_schedule(user, kind, org=None):
    """The schedule ``user`` (a User or an id) syncs ``kind`` by: their own choice, else the organisation's."""
    user, name = _user(user), field_of(kind)
    org = org or _org_of(user)
    return getattr(org, name) if org.sync_schedules_locked else getattr(user, name) or getattr(org, name)


def effective_direction(user, org=None):
    """``two_way`` or ``one_way``: the user's calendar direction, else the organisation's."""
    user = _user(user)
    org = org or _org_of(user)
    return org.calendar_direction if org.sync_schedules_locked else user.calendar_direction or org.calendar_direction


def due_by(schedule, last_run_at, now):
    """Whether a run on ``schedule`` that last ran at ``last_run_at`` (None: never) is due at ``now`` (pure)."""
    if schedule == "manual":
        return False
    return last_run_at is None or last_run_at <= now - INTERVALS[schedule] + GRACE


def is_due(user, kind, last_run_at, now=None):
    """Whether ``user``'s ``kind`` sync should run by itself at ``now`` (default: now), having last run at ``last_run_at``."""
    return due_by(effective_schedule(user, kind), last_run_at, now or utcnow())


def last_run_at(user_id, kind):
    row = SyncRun.get_or_none((SyncRun.user == user_id) & (SyncRun.kind == kind))
    return row.last_run_at if row else None


# -- every user at once (the periodic fan-outs) ---------------------------------------
def _schedule_column(kind):
    name = field_of(kind)
    own_or_org = fn.COALESCE(getattr(User, name), getattr(Organization, name))
    return Case(None, [(Organization.sync_schedules_locked == True, getattr(Organization, name))], own_or_org)  # noqa: E712


def due_user_ids(kind, now=None):
    """A sub-query of the ids of users whose ``kind`` sync is due at ``now`` (by the runs ``record_run`` stored)."""
    now = now or utcnow()
    schedule = _schedule_column(kind)
    latest_allowed = Case(schedule, [(choice, now - interval + GRACE) for choice, interval in INTERVALS.items()])
    return (
        User.select(User.id)
        .join(Organization, on=(User.org == Organization.id))
        .switch(User)
        .join(SyncRun, JOIN.LEFT_OUTER, on=((SyncRun.user == User.id) & (SyncRun.kind == kind)))
        .where((schedule != "manual") & (SyncRun.last_run_at.is_null() | (SyncRun.last_run_at <= latest_allowed)))
    )


def manual_user_ids(kind):
    """A sub-query of the ids of users whose ``kind`` sync is manual (runs only on "Sync now")."""
    return User.select(User.id).join(Organization, on=(User.org == Organization.id)).where(_schedule_column(kind) == "manual")


# -- runs and "Sync now" --------------------------------------------------------------
def _upsert(user_id, org_id, kind, **values):
    SyncRun.insert(org=org_id, user=user_id, kind=kind, **values).on_conflict(
        conflict_target=[SyncRun.user, SyncRun.kind], update={getattr(SyncRun, name): value for name, value in values.items()}
    ).execute()


def record_run(user_id, kind, at=None):
    """Remember that ``user_id``'s ``kind`` sync just ran (whatever its outcome): the next is due an interval later."""
    field_of(kind)
    org_id = User.select(User.org).where(User.id == user_id).scalar()
    if org_id is None:
        return
    with write_transaction():
        _upsert(user_id, org_id, kind, last_run_at=at or utcnow())


def pending_request(row, now):
    """Whether a "Sync now" is waiting in ``row`` (a SyncRun or None): asked after the last run, and not too long ago."""
    if row is None or row.requested_at is None or row.requested_at <= now - REQUEST_EXPIRES:
        return False
    return row.last_run_at is None or row.requested_at > row.last_run_at


def request_run(user, kind, now=None):
    """Note a "Sync now" of ``kind`` for ``user``; return False when one is already waiting (queue nothing then)."""
    field_of(kind)
    now = now or utcnow()
    with write_transaction():
        row = SyncRun.get_or_none((SyncRun.user == user.id) & (SyncRun.kind == kind))
        if pending_request(row, now):
            return False
        _upsert(user.id, user.org_id, kind, requested_at=now)
    return True


def forget_request(user, kind):
    """Withdraw a "Sync now" whose job could not be queued (the queue down), so the next click queues again."""
    field_of(kind)
    with write_transaction():
        SyncRun.update(requested_at=None).where((SyncRun.user == user.id) & (SyncRun.kind == kind)).execute()


@contextlib.contextmanager
def requesting_run(user, kind):
    """``with requesting_run(user, kind) as fresh:`` note a "Sync now" (``fresh`` False when one already waits) and withdraw it if queueing raises."""
    fresh = request_run(user, kind)
    try:
        yield fresh
    except Exception:
        if fresh:
            forget_request(user, kind)
        raise


# -- settings -------------------------------------------------------------------------
def runs_of(user):
    """{kind: SyncRun or None} for ``user``."""
    rows = {row.kind: row for row in SyncRun.select().where(SyncRun.user == user.id)}
    return {kind: rows.get(kind) for kind in SYNC_KINDS}


def org_settings(org):
    """The organisation's defaults and whether they are locked: {setting name: value}."""
    return {**{name: getattr(org, name) for name in SETTINGS}, LOCK_FIELD: bool(org.sync_schedules_locked)}


def user_settings(user, org, now=None):
    """What the user syncs by, per kind (their choice, the organisation's, the last run, a waiting "Sync now"), and their calendar direction."""
    user, now = User.get_by_id(user.id), now or utcnow()
    org = Organization.get_by_id(org.id)
    runs = runs_of(user)
    schedules = {}
    for kind in SYNC_KINDS:
        name, row = field_of(kind), runs[kind]
        schedules[kind] = {
            "schedule": effective_schedule(user, kind, org),
            "choice": getattr(user, name),
            "org_default": getattr(org, name),
            "last_run_at": row.last_run_at if row else None,
            "sync_queued": pending_request(row, now),
        }
    direction = {"direction": effective_direction(user, org), "choice": user.calendar_direction, "org_default": org.calendar_direction}
    return {"schedules": schedules, "calendar_direction": direction, "locked": bool(org.sync_schedules_locked)}


def update_user_settings(user, wanted):
    """Apply ``wanted`` ({setting: checked value or None to follow the organisation}) to the user's own choices; audited.

    Raises SchedulesLocked when the organisation's administrators set them for everyone.
    """
    with write_transaction():
        user = User.get_by_id(user.id)
        if Organization.get_by_id(user.org_id).sync_schedules_locked:
            raise SchedulesLocked()
        changes = {name: [getattr(user, name), value] for name, value in wanted.items() if getattr(user, name) != value}
        if changes:
            User.update({getattr(User, name): value for name, (_, value) in changes.items()}).where(User.id == user.id).execute()
            audit.record("user.sync_schedule_changed", org=user.org_id, user=user, changes=changes)
