"""Push CRM meetings to the owner's Google Calendar: create, change, cancel.

Events Threadbook creates are coloured Blueberry and carry
``extendedProperties.private`` ``threadbookMeetingId``/``threadbookOrgId``
(calendar/events.py builds them; calendar/sync.py recognises them). Every
push stores the etag Google answers with, so the change coming back through
sync is known and skipped: nothing echoes. Changes are sent with ``If-Match: <stored etag>``;
a 412 means the event changed in Google since Threadbook last saw it, and
the caller refreshes the meeting from Google instead of overwriting it
(calendar/meetings.py).

The database is never locked while Google is called: a meeting is written
first, pushed, then the event id and etag are written. A meeting whose push
failed (Google down, no calendar access) stays "pending" (no event id) and
the next calendar sync of its owner pushes it.
"""

import logging

from threadbook.calendar.attendees import attendees_of
from threadbook.calendar.events import event_body
from threadbook.db import write_transaction
from threadbook.google.errors import Gone, NotFound
from threadbook.models import Meeting, utcnow

log = logging.getLogger(__name__)


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
    the event changed in Google since ``meeting.google_etag`` (see meetings.refresh_from_google).
    """
    body = event_body(meeting, attendees)
    return calendar.patch_event(meeting.google_event_id, body, etag=meeting.google_etag, send_updates=send_updates)


def push_cancel(meeting, calendar, send_updates="all"):
    """Delete the meeting's event in Google; an event already gone is fine."""
    try:
        calendar.delete_event(meeting.google_event_id, send_updates=send_updates)
    except (Gone, NotFound):
        pass


def pending_meetings(user):
    """CRM meetings of the user still waiting for their Google event (upcoming, confirmed)."""
    return Meeting.select().where(
        (Meeting.owner == user.id) & (Meeting.source == "crm") & Meeting.google_event_id.is_null() & (Meeting.status == "confirmed") & (Meeting.end > utcnow())
    )


def push_pending(user, calendar):
    """Push every pending meeting of the user; return how many reached Google. Raises GoogleApiError."""
    pushed = 0
    for meeting in pending_meetings(user):
        push_new(meeting, calendar, send_updates="all")
        pushed += 1
    return pushed
