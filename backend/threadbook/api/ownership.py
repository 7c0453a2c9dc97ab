"""Apply the record rule of identity/access.py to the API's writes: a 403 a person can act on, an audit entry for what passes.

Call these inside the write transaction, on a record loaded with
``get_in_org(..., lock=True)``, so the owner checked is the owner written.
"""

from flask import g

from threadbook.crm import store as crm
from threadbook.crm.records import get_in_org
from threadbook.db import write_transaction
from threadbook.errors import ApiError
from threadbook.identity import access

OWNER_ID_SCHEMA = {
    "type": ["integer", "null"],
    "description": "A user of your organisation; you by default. Changing it later is for the record's owner or an "
    "administrator; anyone may take an unowned record for themselves.",
}


def change_owner(record, fields):
    """Refuse (403) or audit the change of owner that ``fields["owner"]`` asks for; the same owner is no change."""
    if "owner" not in fields or fields["owner"] == record.owner_id:
        return
    new_owner_id = fields["owner"]
    if not access.can_reassign(g.user, record, new_owner_id):
        raise ApiError(403, _reassign_refusal(record))
    crm.audit_reassignment(record, new_owner_id, g.user)


def _reassign_refusal(record):
    what = crm.kind(record)
    if record.owner_id is None:
        return f"This {what} has no owner: you may take it for yourself; only an administrator can give it to someone else."
    return f"Only the {what}'s owner or an administrator can change its owner."


def delete_in_org(model, record_id, delete):
    """Delete the caller's organisation's record with ``delete(record, by_user)``: 404 if not there, 403 unless allowed."""
    with write_transaction():
        record = get_in_org(model, record_id, g.org.id, lock=True)
        if not access.can_delete(g.user, record):
            raise ApiError(403, f"Only the {crm.kind(record)}'s owner or an administrator can delete it.")
        delete(record, g.user)
    return "", 204
