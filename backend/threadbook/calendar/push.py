"""Push CRM meetings to the owner's Google Calendar: create, change, cancel.

Events Threadbook creates are coloured Blueberry and carry
``extendedProperties.private`` ``threadbookMeetingId``/``threadbookOrgId``
(see calendar/sync.py, which recognises them). Every push stores the etag
Google answers with, so the change coming back through sync is known and
skipped: nothing echoes. Changes are sent with ``If-Match: <stored etag>``;
a 412 means the event changed in Google since Threadbook last saw it, and
the caller refreshes the meeting from Google instead of overwriting it.

The database is never locked while Google is called: a meeting is written
first, pushed, then the event id and etag are written. A meeting whose push
failed (Google down, no calendar access) stays "pending" (no event id) and
the next calendar sync of its owner pushes it.
"""

import logging

from threadbook.calendar.sync import MEETING_MARK, ORG_MARK, CalendarSyncReport, apply_event
from threadbook.db import write_transaction
from threadbook.google.calendar import BLUEBERRY, rfc3339
from threadbook.google.errors import Gone, NotFound
from threadbook.models import Meeting, MeetingAttendee, Organization, utcnow

log = logging.getLogger(__name__)


def event_body(meeting, attendees):
    """The Google event for a meeting (events.insert body; a patch sends the same fields).

    A meeting booked in Threadbook is coloured Blueberry and marked as ours; an
    event that came from the calendar keeps its colour and its own properties.
    """
    body = {
        "summary": meeting.title,
        "description": meeting.description or "",
        "location": meeting.location or "",
        "start": {"dateTime": rfc3339(meeting.start)},
        "end": {"dateTime": rfc3339(meeting.end)},
        "attendees": [{"email": a.address, **({"displayName": a.name} if a.name else {})} for a in attendees],
    }
    if meeting.source == "crm":
        body["colorId"] = BLUEBERRY
        body["extendedProperties"] = {"private": {MEETING_MARK: str(meeting.id), ORG_MARK: str(meeting.org_id)}}
    return body


def attendees_of(meeting_id):
    return list(MeetingAttendee.select().where(MeetingAttendee.meeting == meeting_id).order_by(MeetingAttendee.id))


def record_event(meeting_id, event):
    """Remember the event a meeting now follows, and the etag that makes its sync echo harmless."""
    with write_transaction():
        Meeting.update(google_event_id=event["id"], google_etag=event.get("etag"), updated_at=utcnow()).where(Meeting.id == meeting_id).execute()


def push_new(meeting, calendar, send_updates="all"):
    """Create the meeting's event in Google; return the event. Raises GoogleApiError."""
    event = calendar.insert_event(event_body(meeting, attendees_of(meeting.id)), send_updates=send_updates)
    record_event(meeting.id, event)
    meeting.google_event_id, meeting.google_etag = event["id"], event.get("etag")
    return event


def push_change(meeting, attendees, calendar, send_updates="all"):
    """Send a meeting's new fields and attendees to its event, if unchanged in Google since; return the event.

    ``meeting`` and ``attendees`` (MeetingAttendee objects, saved or not) are
    the state to be; nothing is written here. Raises PreconditionFailed when
    the event changed in Google since ``meeting.google_etag`` (see refresh_from_google).
    """
    body = event_body(meeting, attendees)
    return calendar.patch_event(meeting.google_event_id, body, etag=meeting.google_etag, send_updates=send_updates)


def push_cancel(meeting, calendar, send_updates="all"):
    """Delete the meeting's event in Google; an event already gone is fine."""
    try:
        calendar.delete_event(meeting.google_event_id, send_updates=send_updates)
    except (Gone, NotFound):
        pass


def refresh_from_google(meeting, calendar):
    """Read the meeting's event again and apply it to the CRM (after a 412); return the meeting re-read."""
    event = calendar.get_event(meeting.google_event_id)
    org = Organization.get_by_id(meeting.org_id)
    with write_transaction():
        apply_event(org, meeting.owner, event, CalendarSyncReport(meeting.owner_id))
    return Meeting.get_or_none(Meeting.id == meeting.id)


def pending_meetings(user):
    """CRM meetings of the user still waiting for their Google event (upcoming, confirmed)."""
    return Meeting.select().where(
        (Meeting.owner == user.id)
        & (Meeting.source == "crm")
        & Meeting.google_event_id.is_null()
        & (Meeting.status == "confirmed")
        & (Meeting.end > utcnow())
    )


def push_pending(user, calendar):
    """Push every pending meeting of the user; return how many reached Google. Raises GoogleApiError."""
    pushed = 0
    for meeting in pending_meetings(user):
        push_new(meeting, calendar, send_updates="all")
        pushed += 1
    return pushed
