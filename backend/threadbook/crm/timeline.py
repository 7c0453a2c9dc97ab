"""A contact's or a lead's timeline: mail with its addresses, its notes and its meetings, newest first, one page at a time.

Mail links through the addresses, so mail logged before the record existed
shows too; of each mail the reader sees their best copy only, as much of it as
its visibility allows them (identity/access.py). An address the organisation
corrected away from the record (corrections.py) no longer brings mail or
meetings to it: what reached the record only through that address leaves its
timeline.
"""

from peewee import SQL, Value

from threadbook.crm import corrections, serializers
from threadbook.identity.access import best_copies
from threadbook.models import ContactAddress, Email, EmailParticipant, Meeting, MeetingAttendee, Note


def contact_timeline(user, contact, page, per_page):
    """Return (items, has_more) for one page of the contact's timeline, as ``user`` sees it."""
    ruled_out = corrections.ruled_out_addresses(user.org_id, "contact", contact.id)
    rows = ContactAddress.select(ContactAddress.email, ContactAddress.email_normalized).where(ContactAddress.contact == contact.id).tuples()
    addresses = [normalized for written, normalized in rows if not corrections.is_ruled_out(written, normalized, ruled_out)]
    return _page(user, addresses, Note.contact == contact.id, page, per_page)


def lead_timeline(user, lead, page, per_page):
    """Return (items, has_more) for one page of the lead's timeline (mail with its address, its notes, its meetings)."""
    ruled_out = corrections.ruled_out_addresses(user.org_id, "lead", lead.id)
    addresses = [] if corrections.is_ruled_out(lead.email, lead.email_normalized, ruled_out) else [lead.email_normalized]
    return _page(user, addresses, Note.lead == lead.id, page, per_page)


def _page(user, addresses, own_notes, page, per_page):
    rows = _timeline_page(user, addresses, own_notes, page, per_page)
    has_more = len(rows) > per_page
    return _present(user, rows[:per_page]), has_more


def _timeline_page(user, addresses, own_notes, page, per_page):
    """Return [(kind, id)] for one page of a record's timeline and one row beyond, newest first."""
    org_id = user.org_id
    parts = [Note.select(Value("note").alias("kind"), Note.id.alias("item_id"), Note.created_at.alias("at")).where((Note.org == org_id) & own_notes)]
    if addresses:
        mail = EmailParticipant.select(EmailParticipant.email).where((EmailParticipant.org == org_id) & EmailParticipant.address_normalized.in_(addresses))
        parts.append(
            Email.select(Value("email").alias("kind"), Email.id.alias("item_id"), Email.date.alias("at")).where(best_copies(user) & Email.id.in_(mail))
        )
        met = MeetingAttendee.select(MeetingAttendee.meeting).where((MeetingAttendee.org == org_id) & MeetingAttendee.address_normalized.in_(addresses))
        parts.append(
            Meeting.select(Value("meeting").alias("kind"), Meeting.id.alias("item_id"), Meeting.start.alias("at")).where(
                (Meeting.org == org_id) & Meeting.id.in_(met)
            )
        )
    union = parts[0]
    for part in parts[1:]:
        union = union.union_all(part)
    rows = union.order_by(SQL("at").desc(), SQL("kind"), SQL("item_id").desc()).offset((page - 1) * per_page).limit(per_page + 1)
    return [(kind, item_id) for kind, item_id, _ in rows.tuples()]


def _present(user, rows):
    """Serialise [(kind, id)] as timeline items, loading each kind in one query."""
    ids = {"email": [], "note": [], "meeting": []}
    for kind, item_id in rows:
        ids[kind].append(item_id)
    emails = {e.id: e for e in Email.select().where(Email.id.in_(ids["email"]))} if ids["email"] else {}
    notes = {n.id: n for n in Note.select().where(Note.id.in_(ids["note"]))} if ids["note"] else {}
    meetings, attendees = {}, {}
    if ids["meeting"]:
        meetings = {m.id: m for m in Meeting.select().where(Meeting.id.in_(ids["meeting"]))}
        for a in MeetingAttendee.select().where(MeetingAttendee.meeting.in_(ids["meeting"])).order_by(MeetingAttendee.id):
            attendees.setdefault(a.meeting_id, []).append(a)
    people = [n.author_id for n in notes.values()] + [i for e in emails.values() for i in (e.owner_id, e.logged_by_id)]
    users = serializers.load_user_summaries(people)
    items = []
    for kind, item_id in rows:
        if kind == "email":
            e = emails[item_id]
            items.append({"kind": "email", "at": serializers.iso(e.date), "email": serializers.email(e, user, users)})
        elif kind == "note":
            n = notes[item_id]
            items.append({"kind": "note", "at": serializers.iso(n.created_at), "note": serializers.note(n, users)})
        else:
            m = meetings[item_id]
            items.append({"kind": "meeting", "at": serializers.iso(m.start), "meeting": serializers.meeting(m, attendees.get(m.id, []))})
    return items
