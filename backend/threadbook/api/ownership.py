"""The owner_id field of contacts, leads, companies and deals: its schema and how a body's value is read.

Whether a change of owner is allowed is the record rule of identity/access.py,
applied by crm/ownership.py.
"""

from threadbook.api.refs import owner_ref

OWNER_ID_SCHEMA = {
    "type": ["integer", "null"],
    "description": "A user of your organisation; you by default. Changing it later is for the record's owner or an "
    "administrator; anyone may take an unowned record for themselves.",
}


def owner_id(body, name="owner_id"):
    """Return the id of the user body[name] names in the caller's organisation (404 otherwise), None when null or absent."""
    owner = owner_ref(body, name)
    return owner.id if owner else None
