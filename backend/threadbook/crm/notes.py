"""Note writes for the API: add a note to a contact, a lead or a Gmail thread; delete one (its author or an administrator)."""

from threadbook import audit
from threadbook.crm.errors import NotAllowed
from threadbook.crm.records import get_in_org
from threadbook.db import write_transaction
from threadbook.identity import access
from threadbook.models import Note


def create(user, body, contact_id=None, lead_id=None, thread_id=None):
    """Add the user's note to one contact or lead (ids of the organisation's records) or Gmail thread; return it."""
    if contact_id is not None:
        target = {"contact": contact_id}
    elif lead_id is not None:
        target = {"lead": lead_id}
    else:
        target = {"gmail_thread_id": thread_id}
    with write_transaction():
        return Note.create(org=user.org_id, author=user.id, body=body, **target)


def delete(user, note_id):
    """Delete a note of the user's organisation: its author or an administrator (NotAllowed otherwise)."""
    with write_transaction():
        note = get_in_org(Note, note_id, user.org_id, "note", lock=True)
        if not access.can_edit_note(user, note):
            raise NotAllowed("Only the note's author or an administrator can delete it.")
        _delete_note(note, user)


def _delete_note(note, by_user):
    """Delete a note; record who did it, whose note it was and where it was (never its text)."""
    note.delete_instance()
    audit.record(
        "note.deleted",
        org=note.org_id,
        user=by_user,
        note_id=note.id,
        author_id=note.author_id,
        contact_id=note.contact_id,
        lead_id=note.lead_id,
        thread_id=note.gmail_thread_id,
    )
