"""Read meeting requests: times with their offsets, invite lists, and the body of a booking or a change.

Every problem answers 400 naming the field, in the order the fields are read.
"""

import datetime

from threadbook.api.params import boolean, string
from threadbook.api.refs import record_ref
from threadbook.calendar.attendees import TooManyAttendees, invitees, people_of
from threadbook.calendar.events import MAX_ATTENDEES, MAX_DESCRIPTION, MAX_LOCATION, MAX_TITLE
from threadbook.calendar.meetings import MeetingChanges, NewMeeting
from threadbook.crm import serializers
from threadbook.errors import ApiError
from threadbook.matching import InvalidAddress, parse_participant
from threadbook.models import Contact, Lead

MAX_DURATION = datetime.timedelta(days=14)
MAX_BUSY_WINDOW = datetime.timedelta(days=62)


def parse_time(value, name):
    """Return a naive UTC datetime from an RFC 3339 string with an offset, or raise 400."""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"'{name}' must be a date and time like 2026-03-02T10:00:00Z.", field=name)
    try:
        parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"'{name}' must be a date and time like 2026-03-02T10:00:00Z.", field=name) from None
    if parsed.tzinfo is None:
        raise ApiError(400, f"'{name}' needs a UTC offset (Z or +01:00): a bare time is ambiguous.", field=name)
    try:
        return parsed.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before the first representable UTC time
        raise ApiError(400, f"'{name}' is out of range: use a date between the years 1 and 9999 in UTC.", field=name) from None


def time_range(start_raw, end_raw, start_name="start", end_name="end", longest=MAX_DURATION):
    start, end = parse_time(start_raw, start_name), parse_time(end_raw, end_name)
    if end <= start:
        raise ApiError(400, f"'{end_name}' must be after '{start_name}'.", field=end_name)
    if end - start > longest:
        raise ApiError(400, f"From '{start_name}' to '{end_name}' may be at most {longest.days} days.", field=end_name)
    return start, end


def _listed_attendees(body):
    """The people of ``attendees``: addresses, or {"email", "name"} objects."""
    raw = body.get("attendees")
    if raw is None:
        raw = []
    if not isinstance(raw, list) or len(raw) > MAX_ATTENDEES:
        raise ApiError(400, f"'attendees' must be a list of at most {MAX_ATTENDEES} addresses.", field="attendees")
    people = []
    for item in raw:
        if isinstance(item, str):
            address, name = item, None
        elif isinstance(item, dict) and isinstance(item.get("email"), str) and isinstance(item.get("name", ""), (str, type(None))):
            address, name = item["email"], item.get("name")
        else:
            raise ApiError(400, 'Each attendee must be an address or {"email", "name"}.', field="attendees")
        try:
            display, written, normalized = parse_participant(address, name)
        except InvalidAddress as exc:
            raise ApiError(400, str(exc), field="attendees") from exc
        people.append((display[:255], written, normalized, "needsAction"))
    return people


def attendee_list(body, existing=()):
    """Return the people to invite: ``existing`` people, then ``attendees``, ``contact_id`` and ``lead_id``."""
    listed = _listed_attendees(body)
    contact = record_ref(body, "contact_id", Contact, "contact")
    lead = record_ref(body, "lead_id", Lead, "lead")
    try:
        return invitees(listed, contact, lead, existing)
    except TooManyAttendees as exc:
        raise ApiError(400, str(exc), field="attendees") from exc


def _send_updates(body):
    return "all" if boolean(body, "send_invitations", default=True) else "none"


def new_meeting(body):
    """The NewMeeting a POST body asks for."""
    title = string(body, "title", required=True, max_length=MAX_TITLE)
    description = string(body, "description", max_length=MAX_DESCRIPTION, strip=False) or ""
    location = string(body, "location", max_length=MAX_LOCATION) or ""
    start, end = time_range(body.get("start"), body.get("end"))
    people = attendee_list(body)
    allow_conflict = boolean(body, "allow_conflict", default=False)
    return NewMeeting(title, description, location, start, end, people, allow_conflict, _send_updates(body))


def meeting_changes(body, meeting):
    """The MeetingChanges a PATCH body asks of ``meeting`` (a start or an end alone moves against the other's current value)."""
    fields = {}
    if "title" in body:
        fields["title"] = string(body, "title", required=True, max_length=MAX_TITLE)
    if "description" in body:
        fields["description"] = string(body, "description", max_length=MAX_DESCRIPTION, strip=False) or ""
    if "location" in body:
        fields["location"] = string(body, "location", max_length=MAX_LOCATION) or ""
    if "start" in body or "end" in body:
        start_raw = body["start"] if "start" in body else serializers.iso(meeting.start)
        end_raw = body["end"] if "end" in body else serializers.iso(meeting.end)
        fields["start"], fields["end"] = time_range(start_raw, end_raw)
    people = None
    if "attendees" in body:
        people = attendee_list(body)  # replaces the list (contact_id and lead_id add to it)
    elif body.get("contact_id") is not None or body.get("lead_id") is not None:
        people = attendee_list(body, people_of(meeting.id))
    allow_conflict = boolean(body, "allow_conflict", default=False)
    return MeetingChanges(fields, people, allow_conflict, _send_updates(body))
