"""The calendars a user syncs (``SyncedCalendar``) and how each last went, in words a person can act on.

A user who never chose syncs their primary calendar: its row is made at
their first sync. Every run records, per calendar, its last success or its
last error (``record_success``/``record_failure``); ``present_calendar`` is
what the calendars list (api/calendars.py) shows of a row, with ``state``:
``ok`` (the last run worked), ``failing`` (the last run failed: ``last_error``
says what to do), ``never_synced`` (chosen, not synced yet) or
``not_selected``.
"""

from peewee import IntegrityError

from threadbook.crm.serializers import iso
from threadbook.db import write_transaction
from threadbook.google import errors as google_errors
from threadbook.google.calendar import PRIMARY
from threadbook.models import SyncedCalendar, utcnow


def rows_of(user):
    """Every calendar row of the user, the primary first, then by name."""
    rows = list(SyncedCalendar.select().where(SyncedCalendar.user == user.id))
    return sorted(rows, key=lambda r: (r.calendar_id != PRIMARY, r.summary.lower(), r.calendar_id))


def calendars_to_sync(user):
    """The user's chosen calendars (their primary when they never chose), as rows, the primary first."""
    rows = rows_of(user)
    if not rows:
        try:
            with write_transaction():
                SyncedCalendar.create(org=user.org_id, user=user.id, calendar_id=PRIMARY, access_role="owner", selected=True)
        except IntegrityError:
            pass  # a concurrent run made it
        rows = rows_of(user)
    return [r for r in rows if r.selected]


def record_success(row):
    now = utcnow()
    with write_transaction():
        SyncedCalendar.update(last_synced_at=now).where(SyncedCalendar.id == row.id).execute()
    row.last_synced_at = now


def record_failure(row, message):
    now = utcnow()
    with write_transaction():
        SyncedCalendar.update(last_error=message[:1000], last_error_at=now).where(SyncedCalendar.id == row.id).execute()
    row.last_error, row.last_error_at = message[:1000], now


def store_token(row, token):
    """Keep the calendar's sync token (inside the page's transaction)."""
    SyncedCalendar.update(sync_token=token).where(SyncedCalendar.id == row.id).execute()
    row.sync_token = token


def calendar_name(row):
    if row.calendar_id == PRIMARY:
        return "your calendar"
    return f'the calendar "{row.summary}"' if row.summary else f"the calendar {row.calendar_id}"


def failure_message(exc, row):
    """What went wrong with a calendar's sync, and what to do, in one sentence (``exc`` a GoogleApiError)."""
    name = calendar_name(row)
    when = utcnow().strftime("%d %b %Y %H:%M UTC")
    if isinstance(exc, google_errors.ReauthRequired):
        return f"Google refused Threadbook's access to {name} on {when} (expired or revoked): reconnect Google on the Account screen."
    if isinstance(exc, google_errors.InsufficientScope):
        return f"Your Google access does not include calendar events, so {name} cannot sync: connect Google again and allow calendar access."
    if isinstance(exc, google_errors.NotFound):
        return f"Google Calendar no longer shows you {name}: it was deleted or is no longer shared with you. Choose your calendars again."
    if isinstance(exc, google_errors.RateLimited):
        return f"Google Calendar is limiting how often Threadbook may read {name}; it tries again at the next sync."
    if exc.status == 403:
        return f"Google Calendar refused to show {name} ({exc.message[:200]}): check that you may still see it."
    return f"Google Calendar did not answer properly for {name} ({exc.status or 'no answer'}: {exc.message[:200]}); Threadbook tries again at the next sync."


def state_of(row):
    if not row.selected:
        return "not_selected"
    if row.last_error_at is not None and (row.last_synced_at is None or row.last_error_at >= row.last_synced_at):
        return "failing"
    return "ok" if row.last_synced_at is not None else "never_synced"


def present_calendar(row=None, entry=None, list_read=False):
    """One calendar for the API: Google's list entry and the stored row, either of which may be missing.

    ``listed`` says whether Google's list (when it was read: ``list_read``) still has it; null when it was not read.
    """
    listed = entry is not None if list_read else None
    entry = entry or {}
    primary = bool(entry.get("primary")) or (row is not None and row.calendar_id == PRIMARY)
    summary = entry.get("summaryOverride") or entry.get("summary") or (row.summary if row is not None else "")
    answer = {
        "id": PRIMARY if primary else (row.calendar_id if row is not None else entry["id"]),
        "summary": summary,
        "primary": primary,
        "access_role": entry.get("accessRole") or (row.access_role if row is not None else "") or None,
        "color": entry.get("backgroundColor"),
        "listed": listed,
        "selected": bool(row is not None and row.selected),
        "state": state_of(row) if row is not None else "not_selected",
        "last_synced_at": iso(row.last_synced_at) if row is not None else None,
        "last_error": row.last_error if row is not None else None,
        "last_error_at": iso(row.last_error_at) if row is not None else None,
    }
    return answer


def chosen_by_user(user_ids):
    """{user id: [each chosen calendar as the API shows it]} for the mailbox health answers (sync/health.py leaves them empty)."""
    found = {user_id: [] for user_id in user_ids}
    rows = SyncedCalendar.select().where(SyncedCalendar.user.in_(list(user_ids)) & SyncedCalendar.selected) if user_ids else []
    for row in sorted(rows, key=lambda r: (r.calendar_id != PRIMARY, r.summary.lower(), r.calendar_id)):
        found[row.user_id].append(present_calendar(row))
    return found
