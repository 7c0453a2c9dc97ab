"""Read meetings for the API: a filtered page of an organisation's meetings, and their JSON with the CRM records they involve.

A meeting involves a contact, a lead or a company through its attendees'
addresses; ``present_meetings`` names each attendee's record (colleague,
contact, lead, or unknown) with a fixed number of queries, whatever the
number of meetings.
"""

from threadbook.crm import serializers
from threadbook.models import Company, Contact, ContactAddress, Lead, Meeting, MeetingAttendee, User


def _addresses_of(record):
    """The normalised addresses of a contact, a lead, or a company's contacts."""
    if isinstance(record, Contact):
        return {a.email_normalized for a in ContactAddress.select(ContactAddress.email_normalized).where(ContactAddress.contact == record.id)}
    if isinstance(record, Lead):
        return {record.email_normalized}
    found = ContactAddress.select(ContactAddress.email_normalized).join(Contact).where(Contact.company == record.id)
    return {a.email_normalized for a in found}


def meetings_page(org_id, attended_by=(), since=None, until=None, status=None, offset=0, limit=50):
    """Return (meetings, has_more): newest first, ``limit`` of them from ``offset``.

    ``attended_by`` (contacts, leads, companies) keeps the meetings all of them
    attend; ``since``/``until`` keep those ending after / starting before.
    """
    query = Meeting.select().where(Meeting.org == org_id)
    addresses = None
    for record in attended_by:
        found = _addresses_of(record)
        addresses = found if addresses is None else addresses & found
    if addresses is not None:
        met = MeetingAttendee.select(MeetingAttendee.meeting).where(
            (MeetingAttendee.org == org_id) & MeetingAttendee.address_normalized.in_(sorted(addresses) or [""])
        )
        query = query.where(Meeting.id.in_(met))
    if since is not None:
        query = query.where(Meeting.end > since)
    if until is not None:
        query = query.where(Meeting.start < until)
    if status:
        query = query.where(Meeting.status == status)
    rows = list(query.order_by(Meeting.start.desc(), Meeting.id.desc()).offset(offset).limit(limit + 1))
    return rows[:limit], len(rows) > limit


def present_meetings(meetings):
    """Serialise meetings with each attendee's CRM record and the linked contacts, leads and companies (fixed query count)."""
    meetings = list(meetings)
    if not meetings:
        return []
    org_id = meetings[0].org_id
    attendees = {}
    for a in MeetingAttendee.select().where(MeetingAttendee.meeting.in_([m.id for m in meetings])).order_by(MeetingAttendee.id):
        attendees.setdefault(a.meeting_id, []).append(a)
    addresses = sorted({a.address_normalized for rows in attendees.values() for a in rows})
    contact_of, lead_of, colleague_of, company_of = {}, {}, {}, {}
    if addresses:
        for row in ContactAddress.select(ContactAddress.email_normalized, ContactAddress.contact).where(
            (ContactAddress.org == org_id) & ContactAddress.email_normalized.in_(addresses)
        ):
            contact_of[row.email_normalized] = row.contact_id
        for row in Lead.select(Lead.id, Lead.email_normalized).where(
            (Lead.org == org_id) & Lead.email_normalized.in_(addresses) & (Lead.status != "converted")
        ):
            lead_of[row.email_normalized] = row.id
        for row in User.select(User.id, User.email_normalized).where((User.org == org_id) & User.email_normalized.in_(addresses)):
            colleague_of[row.email_normalized] = row.id
        if contact_of:
            for contact in Contact.select(Contact.id, Contact.company).where(Contact.id.in_(list(set(contact_of.values())))):
                company_of[contact.id] = contact.company_id
    companies = {c.id for c in Company.select(Company.id).where(Company.id.in_([i for i in company_of.values() if i]))} if company_of else set()
    out = []
    for m in meetings:
        rows = attendees.get(m.id, [])
        item = serializers.meeting(m, rows)
        contact_ids, lead_ids = [], []
        for shown, row in zip(item["attendees"], rows, strict=True):
            address = row.address_normalized
            if address in colleague_of:
                shown.update(kind="colleague", record_id=colleague_of[address])
            elif address in contact_of:
                shown.update(kind="contact", record_id=contact_of[address])
                contact_ids.append(contact_of[address])
            elif address in lead_of:
                shown.update(kind="lead", record_id=lead_of[address])
                lead_ids.append(lead_of[address])
            else:
                shown.update(kind="unknown", record_id=None)
        item.update(
            google_event_id=m.google_event_id,
            contact_ids=sorted(set(contact_ids)),
            lead_ids=sorted(set(lead_ids)),
            company_ids=sorted({company_of[c] for c in contact_ids if company_of.get(c) in companies}),
            created_at=serializers.iso(m.created_at),
            updated_at=serializers.iso(m.updated_at),
        )
        out.append(item)
    return out


def present_meeting(meeting):
    return present_meetings([meeting])[0]
