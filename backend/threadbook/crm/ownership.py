"""The record rules of identity/access.py applied to CRM writes: who may reassign or delete a record, and the audit of what passes.

Call ``change_owner`` inside the write transaction, on a record loaded with
``get_in_org(..., lock=True)``, so the owner checked is the owner written;
``delete_in_org`` opens that transaction itself.
"""

from threadbook import audit
from threadbook.crm.errors import NotAllowed
from threadbook.crm.records import get_in_org
from threadbook.db import write_transaction
from threadbook.identity import access


def kind(record):
    """Name a record's kind as the API and the audit log do: contact, lead, company, deal, note, meeting."""
    return type(record).__name__.lower()


def audit_reassignment(record, new_owner_id, by_user):
    """Record that ``by_user`` gives ``record`` to ``new_owner_id`` (None: to nobody); call before the update."""
    name = kind(record)
    audit.record(
        f"{name}.reassigned",
        org=record.org_id,
        user=by_user,
        **{f"{name}_id": record.id},
        from_owner_id=record.owner_id,
        to_owner_id=new_owner_id,
    )


def change_owner(user, record, fields):
    """Refuse (NotAllowed) or audit the change of owner that ``fields["owner"]`` asks for; the same owner is no change."""
    if "owner" not in fields or fields["owner"] == record.owner_id:
        return
    new_owner_id = fields["owner"]
    if not access.can_reassign(user, record, new_owner_id):
        raise NotAllowed(_reassign_refusal(record))
    audit_reassignment(record, new_owner_id, user)


def _reassign_refusal(record):
    what = kind(record)
    if record.owner_id is None:
        return f"This {what} has no owner: you may take it for yourself; only an administrator can give it to someone else."
    return f"Only the {what}'s owner or an administrator can change its owner."


def delete_in_org(user, model, record_id, delete):
    """Delete the user's organisation's record with ``delete(record, by_user)``: 404 if not there, NotAllowed unless theirs to delete."""
    with write_transaction():
        record = get_in_org(model, record_id, user.org_id, lock=True)
        if not access.can_delete(user, record):
            raise NotAllowed(f"Only the {kind(record)}'s owner or an administrator can delete it.")
        delete(record, user)
