"""Which of their Google calendars a user syncs: Google's calendar list beside what they chose and how each sync went.

Listing needs a scope calendar sync does not: ``calendar.calendarlist.readonly``
(``calendarList.list``; ``calendar.events`` reads and writes the events of
any calendar the user can see, but not the list of them). It is asked for
only when the user chooses calendars: the extension sends a token with it,
or a connected mailbox's grant already includes it.

``calendar_choices`` answers even without the list: the calendars stored
(the primary one at least) with their health, and ``choosing`` says why the
list is not there and what to allow. ``choose_calendars`` needs the list
(``ListUnavailable`` otherwise): only calendars on it the user may at least
read may be chosen (``NotOnTheList``). A calendar no longer chosen keeps its
sync token (changes since are caught up if it is chosen again) and its
meetings stay in the CRM.
"""

from threadbook.calendar import health
from threadbook.db import write_transaction
from threadbook.google import errors as google_errors
from threadbook.google.access import CalendarListNotGranted, NoGoogleAccess, calendar_list_for
from threadbook.google.calendar import CALENDAR_LIST_READONLY, PRIMARY
from threadbook.models import SyncedCalendar

MAX_CHOSEN = 50
SCOPE_MESSAGE = (
    "Choosing calendars needs permission to see the list of your Google calendars: allow Threadbook to "
    '"See the list of Google calendars you\'re subscribed to" when Google asks, then try again.'
)
SERVICE_ACCOUNT_MESSAGE = (
    "Your organisation's service account may not list your calendars: an administrator adds "
    f"{CALENDAR_LIST_READONLY} to its domain-wide delegation, or you choose them signed in with Google in the extension."
)


class ListUnavailable(Exception):
    """Google's calendar list cannot be read; ``code``: google_scope_required, google_token_required, google_reauth_required or google_unavailable."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.scope = CALENDAR_LIST_READONLY


class NotOnTheList(Exception):
    """A chosen calendar is not one the user may read on their calendar list."""


def google_calendars(user, org, access_token=None):
    """Google's list entries of the calendars the user may read; raises ListUnavailable (or GoogleApiError when Google fails)."""
    try:
        client, via = calendar_list_for(user, org, access_token)
    except CalendarListNotGranted as exc:
        raise ListUnavailable("google_scope_required", SCOPE_MESSAGE) from exc
    except NoGoogleAccess as exc:
        raise ListUnavailable("google_token_required", str(exc)) from exc
    try:
        return client.list_calendars(min_access_role="reader")
    except google_errors.InsufficientScope as exc:
        raise ListUnavailable("google_scope_required", SCOPE_MESSAGE) from exc
    except google_errors.ReauthRequired as exc:
        if via == "service_account":  # its delegation refused the list scope
            raise ListUnavailable("google_scope_required", SERVICE_ACCOUNT_MESSAGE) from exc
        raise


def _key(entry):
    return PRIMARY if entry.get("primary") else entry["id"]


def _rows(user):
    """The user's rows by calendar id; a user who never synced or chose has their primary calendar, chosen."""
    rows = {r.calendar_id: r for r in health.rows_of(user)}
    if not rows:
        rows[PRIMARY] = SyncedCalendar(org=user.org_id, user=user.id, calendar_id=PRIMARY, access_role="owner", selected=True)
    return rows


def _answer(user, entries, unavailable=None):
    rows = _rows(user)
    calendars = []
    if entries is not None:
        for entry in entries:
            calendars.append(health.present_calendar(rows.pop(_key(entry), None), entry, list_read=True))
    calendars.extend(health.present_calendar(row, None, list_read=entries is not None) for row in rows.values())
    choosing = {"available": entries is not None, "error": None, "message": None, "scope": CALENDAR_LIST_READONLY}
    if unavailable is not None:
        choosing.update(error=unavailable.code, message=str(unavailable))
    return {"calendars": calendars, "choosing": choosing}


def calendar_choices(user, org, access_token=None):
    """The user's calendars: Google's list when it can be read, what they chose, and each one's last success and error."""
    try:
        entries = google_calendars(user, org, access_token)
    except ListUnavailable as exc:
        return _answer(user, None, exc)
    except google_errors.ReauthRequired:
        return _answer(user, None, ListUnavailable("google_reauth_required", "Google refused the access (expired or revoked): sign in with Google again."))
    except google_errors.GoogleApiError as exc:
        message = f"Google Calendar did not send the list of your calendars ({exc.status or 'no answer'}); try again shortly."
        return _answer(user, None, ListUnavailable("google_unavailable", message))
    return _answer(user, entries)


def choose_calendars(user, org, calendar_ids, access_token=None):
    """Sync exactly ``calendar_ids`` (Google's ids; "primary" or its own id for the primary one); return calendar_choices' answer.

    Raises ListUnavailable, NotOnTheList, or GoogleApiError when Google fails.
    """
    entries = google_calendars(user, org, access_token)
    listed = {_key(e): e for e in entries}
    aliases = {e["id"]: PRIMARY for e in entries if e.get("primary")}
    chosen = []
    for calendar_id in calendar_ids:
        key = aliases.get(calendar_id, calendar_id)
        if key not in listed:
            raise NotOnTheList(f"'{calendar_id}' is not a calendar on your Google calendar list that you may read.")
        chosen.append(key)
    with write_transaction():
        rows = {r.calendar_id: r for r in health.rows_of(user)}
        for key, entry in listed.items():
            fields = {"summary": (entry.get("summaryOverride") or entry.get("summary") or "")[:255], "access_role": entry.get("accessRole") or ""}
            row = rows.pop(key, None)
            if row is not None:
                SyncedCalendar.update(selected=key in chosen, **fields).where(SyncedCalendar.id == row.id).execute()
            elif key in chosen or key == PRIMARY:  # the primary's row records that it is not chosen
                SyncedCalendar.create(org=user.org_id, user=user.id, calendar_id=key, selected=key in chosen, **fields)
        for row in rows.values():  # no longer on the list: not chosen
            SyncedCalendar.update(selected=False).where(SyncedCalendar.id == row.id).execute()
    return _answer(user, entries)
