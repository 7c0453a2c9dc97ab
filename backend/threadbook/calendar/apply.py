"""Bring the CRM in line with one Google Calendar event: create, update, cancel or remove its meeting.

Events coloured Blueberry (colorId "9") become meetings (source "calendar")
owned by the user whose calendar listed them, linked to their attendees by
normalised address. Meetings created in the CRM carry
``extendedProperties.private`` ``threadbookMeetingId``/``threadbookOrgId`` on
their event (calendar/events.py), so an event is recognised whatever its
colour, and an event whose insert answer was lost is linked, not duplicated.

An event is one meeting, however many ways it arrives:

- the user's own copy of an event is followed through one calendar only
  (``Meeting.google_calendar_id``, null for the primary): the same event on
  another of their calendars is left alone;
- an event of a calendar shared by a team (not someone's primary calendar)
  is one meeting for the organisation: the colleague who first synced it
  owns it, and another member's sync of that calendar leaves it to them
  while they still sync it (and takes it over when they no longer do; a
  meeting booked in the CRM always stays its booker's). A user's own
  primary calendar is theirs: their sync takes back a meeting a colleague
  read from it.

No echo loops: sync writes Google's state into the CRM and never pushes;
pushes (calendar/push.py) store the etag Google answers with, so an event
whose etag is already held is skipped (``unchanged``).
"""

import dataclasses

from peewee import fn

from threadbook import matching
from threadbook.calendar.attendees import replace_attendees
from threadbook.calendar.events import crm_mark, event_attendees, meeting_fields
from threadbook.google.calendar import BLUEBERRY, PRIMARY
from threadbook.models import Meeting, SyncedCalendar, User, utcnow


@dataclasses.dataclass
class CalendarSyncReport:
    """What one run did, over every calendar it synced.

    ``outcome``: synced, partial (some calendars failed), error (all failed) or
    unavailable (no calendar access), or paused/disabled (not run: the user
    paused sync or the organisation turned it off); ``mode``: full, incremental or resync
    (after a 410), the most thorough any calendar needed; ``calendars``: one
    entry per calendar (``calendar_id``, ``summary``, ``outcome``, ``mode``, ``error``).
    """

    user_id: int
    outcome: str = "synced"
    mode: str = ""
    pages: int = 0
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    removed: int = 0
    unchanged: int = 0
    ignored: int = 0
    pushed: int = 0
    error: str = ""
    calendars: list = dataclasses.field(default_factory=list)
    failure = None  # the first GoogleApiError met (not a field: never serialised); how the API answers when every calendar failed

    def as_dict(self):
        return dataclasses.asdict(self)


def calendar_key(calendar_id):
    """What ``Meeting.google_calendar_id`` holds for a calendar: None for the primary one."""
    return None if calendar_id in (None, "", PRIMARY) else calendar_id


def _same_calendar(meeting, key):
    return meeting.google_calendar_id == key


def find_meeting_for_event(org_id, user_id, event):
    """Return the user's meeting that follows this event, or None."""
    meeting = Meeting.get_or_none((Meeting.org == org_id) & (Meeting.owner == user_id) & (Meeting.google_event_id == event["id"]))
    if meeting is not None:
        return meeting
    marked = crm_mark(event, org_id)
    if marked is None:
        return None
    # A CRM meeting whose insert reached Google but whose answer never came back.
    return Meeting.get_or_none((Meeting.id == marked) & (Meeting.org == org_id) & (Meeting.owner == user_id) & Meeting.google_event_id.is_null())


def _still_synced_by(user_id, key):
    """True when the user still syncs this calendar (their primary unless they chose otherwise)."""
    row = SyncedCalendar.get_or_none((SyncedCalendar.user == user_id) & (SyncedCalendar.calendar_id == (key or PRIMARY)))
    if row is not None:
        return row.selected
    return key is None and not SyncedCalendar.select().where(SyncedCalendar.user == user_id).exists()


def colleagues_meeting(org_id, user, key, event_id):
    """A colleague's meeting for this event, read from the same calendar through their access, or None.

    A shared calendar (``key``) is the same calendar for every member, and so
    is a colleague's primary one (their meetings from it have no calendar id);
    the user's own primary calendar (``key`` None) is the one colleagues who
    sync it record under the user's address.
    """
    if key is None:
        same_calendar = fn.LOWER(Meeting.google_calendar_id) == user.email.lower()
    else:
        owners_primary = User.select(User.id).where((User.org == org_id) & (User.email_normalized == (matching.try_normalize(key) or key.lower())))
        same_calendar = (Meeting.google_calendar_id == key) | (Meeting.google_calendar_id.is_null() & Meeting.owner.in_(owners_primary))
    query = Meeting.select().where((Meeting.org == org_id) & (Meeting.owner != user.id) & (Meeting.google_event_id == event_id) & same_calendar)
    return query.first()


def _followed_by_colleague(org, user, event, key, report):
    """True when a colleague's meeting follows this event (left to them); False after taking it over, or when there is none.

    Taken over: a meeting read from the user's own primary calendar, or from a
    shared one the colleague no longer syncs. A meeting booked in the CRM stays its booker's.
    """
    theirs = colleagues_meeting(org.id, user, key, event["id"])
    if theirs is None:
        return False
    if theirs.source != "calendar" or (key is not None and _still_synced_by(theirs.owner_id, theirs.google_calendar_id)):
        report.unchanged += 1
        return True
    Meeting.update(owner=user.id, google_calendar_id=key).where(Meeting.id == theirs.id).execute()
    return False


def apply_event(org, user, event, report, calendar_id=None):
    """Bring the CRM in line with one event of the user's calendar ``calendar_id`` (inside a transaction)."""
    key = calendar_key(calendar_id)
    meeting = find_meeting_for_event(org.id, user.id, event)
    if meeting is None and _followed_by_colleague(org, user, event, key, report):
        return
    meeting = meeting or find_meeting_for_event(org.id, user.id, event)
    if meeting is not None and meeting.google_event_id == event["id"] and not _same_calendar(meeting, key):
        report.unchanged += 1  # the same event on another of the user's calendars: followed there
        return
    if event.get("status") == "cancelled":
        if meeting is not None and meeting.status != "cancelled":
            Meeting.update(status="cancelled", google_etag=event.get("etag"), google_event_id=event["id"], updated_at=utcnow()).where(
                Meeting.id == meeting.id
            ).execute()
            report.cancelled += 1
        return
    if meeting is not None and meeting.google_event_id == event["id"] and meeting.google_etag == event.get("etag"):
        report.unchanged += 1  # our own push coming back, or nothing new
        return
    blueberry = event.get("colorId") == BLUEBERRY
    try:
        fields = meeting_fields(event)
    except ValueError:
        report.ignored += 1
        return
    people = event_attendees(event, owner_address=user.email)
    if meeting is None:
        if not blueberry:
            report.ignored += 1
            return
        meeting = Meeting.create(org=org.id, owner=user.id, source="calendar", google_calendar_id=key, updated_at=utcnow(), **fields)
        replace_attendees(meeting.id, org.id, people)
        report.created += 1
        return
    if meeting.source == "calendar" and not blueberry:
        meeting.delete_instance()  # recoloured: the user took it out of the CRM
        report.removed += 1
        return
    Meeting.update(updated_at=utcnow(), **fields).where(Meeting.id == meeting.id).execute()
    replace_attendees(meeting.id, org.id, people)
    report.updated += 1
