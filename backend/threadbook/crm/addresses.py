"""An address belongs to one person of an organisation: the 409 a contact or lead meets when a colleague, contact or lead holds it."""

from threadbook.crm.errors import RecordConflict
from threadbook.crm.records import address_owner


def held_by(holder):
    """The conflict naming ``holder`` (``{"kind", "record"}`` from ``address_owner``, or None)."""
    kind = holder["kind"] if holder else "record"
    return RecordConflict(f"This address already belongs to a {kind} in your organisation.", existing=holder)


def address_conflict(org_id, normalized):
    """The conflict naming whoever holds the normalised address now."""
    return held_by(address_owner(org_id, normalized))


def refuse_taken(org_id, addresses, own_contact_id=None):
    """Raise RecordConflict for the first of [(as written, normalised)] another contact, lead or colleague holds."""
    for _, normalized in addresses:
        holder = address_owner(org_id, normalized)
        if holder is None:
            continue
        if holder["kind"] == "contact" and holder["record"]["id"] == own_contact_id:
            continue
        raise held_by(holder)
