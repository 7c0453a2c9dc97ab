"""A meeting's attendees: who it invites, and its attendee rows.

People are tuples ``(name, address as written, normalised address, response
status)``, the shape ``events.event_attendees`` reads from Google and
``replace_attendees`` writes. ``invitees`` builds the list a booking or a
change asks for; a meeting has at most ``MAX_ATTENDEES`` of them.
"""

from threadbook.calendar.events import MAX_ATTENDEES
from threadbook.models import ContactAddress, MeetingAttendee


class TooManyAttendees(Exception):
    """The invite list is longer than a meeting may have."""


def attendees_of(meeting_id):
    """The meeting's attendee rows, in the order they were written."""
    return list(MeetingAttendee.select().where(MeetingAttendee.meeting == meeting_id).order_by(MeetingAttendee.id))


def people_of(meeting_id):
    """The meeting's attendees as people tuples (to add to them)."""
    return [(a.name, a.address, a.address_normalized, a.response_status) for a in attendees_of(meeting_id)]


def replace_attendees(meeting_id, org_id, people):
    """Make the meeting's attendee rows exactly ``people`` (from event_attendees or invitees)."""
    MeetingAttendee.delete().where(MeetingAttendee.meeting == meeting_id).execute()
    rows = [
        {"org": org_id, "meeting": meeting_id, "address": address, "address_normalized": normalized, "name": name, "response_status": status}
        for name, address, normalized, status in people
    ]
    if rows:
        MeetingAttendee.insert_many(rows).execute()


def invitees(listed, contact=None, lead=None, existing=()):
    """Return the people to invite: ``existing``, then ``listed``, then the contact (primary address) and the lead.

    An address appears once, as first given. Raises TooManyAttendees past ``MAX_ATTENDEES``.
    """
    people = {person[2]: person for person in existing}
    for person in listed:
        people.setdefault(person[2], person)
    if contact is not None:
        primary = ContactAddress.select().where(ContactAddress.contact == contact.id).order_by(ContactAddress.is_primary.desc(), ContactAddress.id).first()
        if primary is not None:
            people.setdefault(primary.email_normalized, (contact.name[:255], primary.email, primary.email_normalized, "needsAction"))
    if lead is not None:
        people.setdefault(lead.email_normalized, (lead.name[:255], lead.email, lead.email_normalized, "needsAction"))
    if len(people) > MAX_ATTENDEES:
        raise TooManyAttendees(f"A meeting has at most {MAX_ATTENDEES} attendees.")
    return list(people.values())
