"""What a Google Calendar event and a CRM meeting share: the marks, the limits, and the conversion both ways.

A meeting booked in Threadbook is pushed as an event coloured Blueberry that
carries ``extendedProperties.private`` ``threadbookMeetingId``/``threadbookOrgId``
(``event_body``), so sync recognises it whatever its colour (``crm_mark``).
An event read from Google becomes a meeting's columns (``meeting_fields``) and
its attendee list (``event_attendees``). Pure functions: no database, no Google.
"""

import datetime

from threadbook import matching
from threadbook.google.calendar import BLUEBERRY, parse_rfc3339, rfc3339

MEETING_MARK = "threadbookMeetingId"
ORG_MARK = "threadbookOrgId"
MAX_TITLE = 255
MAX_LOCATION = 255
MAX_DESCRIPTION = 8000
MAX_ATTENDEES = 200
GOOGLE_CALENDARS = ".calendar.google.com"  # group, resource and holiday calendars' ids look like addresses at this domain


# -- meeting → event ------------------------------------------------------------
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


# -- event → meeting ------------------------------------------------------------
def event_times(event):
    """Return (start, end) of an event as naive UTC datetimes (all-day events span whole UTC days)."""
    out = []
    for name in ("start", "end"):
        when = event.get(name) or {}
        if when.get("dateTime"):
            out.append(parse_rfc3339(when["dateTime"]))
        elif when.get("date"):
            out.append(datetime.datetime.combine(datetime.date.fromisoformat(when["date"]), datetime.time()))
        else:
            raise ValueError(f"event {event.get('id')} has no {name}")
    return tuple(out)


def event_attendees(event, owner_address=None):
    """Return [(name, address as written, normalised, response status)] of the other people: attendees and organiser.

    Left out: rooms, the calendar the event was read from (``self``), the
    meeting's owner (``owner_address``: on a shared calendar they are an
    attendee like any other) and Google's own calendars (a team calendar's
    ``…@group.calendar.google.com`` is nobody's address).
    """
    people = []
    seen = {matching.try_normalize(owner_address)} if owner_address else set()
    entries = list(event.get("attendees") or [])
    organizer = event.get("organizer") or {}
    if organizer.get("email"):
        entries.append({**organizer, "responseStatus": "accepted"})
    for entry in entries:
        if entry.get("resource") or entry.get("self"):
            continue  # rooms, and the calendar's own user (the meeting's owner)
        address = (entry.get("email") or "").strip()
        normalized = matching.try_normalize(address)
        if normalized is None or normalized in seen or normalized.endswith(GOOGLE_CALENDARS):
            continue
        seen.add(normalized)
        people.append(((entry.get("displayName") or "")[:255], address[:254], normalized, entry.get("responseStatus") or "needsAction"))
    return people[:MAX_ATTENDEES]


def crm_mark(event, org_id):
    """Return the CRM meeting id an event was created for (its private extended property), or None."""
    private = (event.get("extendedProperties") or {}).get("private") or {}
    if private.get(ORG_MARK) != str(org_id):
        return None
    try:
        return int(private.get(MEETING_MARK))
    except (TypeError, ValueError):
        return None


def meeting_fields(event):
    """The Meeting columns an event sets; raises ValueError for an event without times."""
    start, end = event_times(event)
    return {
        "title": (event.get("summary") or "")[:MAX_TITLE],
        "description": (event.get("description") or "")[:MAX_DESCRIPTION],
        "location": (event.get("location") or "")[:MAX_LOCATION],
        "start": start,
        "end": end,
        "status": "confirmed",  # confirmed or tentative in Google
        "google_event_id": event["id"],
        "google_etag": event.get("etag"),
        "google_series_id": event.get("recurringEventId"),
    }
