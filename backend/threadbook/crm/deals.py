"""Deal writes for the API: create, update, delete, each in its own write transaction."""

from threadbook import audit
from threadbook.crm.ownership import change_owner, delete_in_org
from threadbook.crm.records import get_in_org
from threadbook.db import write_transaction
from threadbook.models import Contact, Deal, utcnow


def create(user, fields):
    """Create a deal of the user's organisation; return it.

    ``fields`` are Deal columns (company and contact as ids of the
    organisation's records); the owner is the creator unless given.
    """
    fields = dict(fields)
    fields.setdefault("owner", user.id)
    if "company" not in fields and fields.get("contact"):
        # A deal with a contact belongs to the contact's company unless told otherwise.
        fields["company"] = Contact.get_by_id(fields["contact"]).company_id
    with write_transaction():
        deal = Deal.create(org=user.org_id, **fields)
    return Deal.get_by_id(deal.id)


def update(user, deal_id, fields):
    """Change the given fields; changing the owner follows the record rules (ownership.py). Return the deal."""
    fields = dict(fields)
    with write_transaction():
        deal = get_in_org(Deal, deal_id, user.org_id, "deal", lock=True)
        change_owner(user, deal, fields)
        if fields:
            fields["updated_at"] = utcnow()
            Deal.update(**fields).where(Deal.id == deal.id).execute()
    return Deal.get_by_id(deal_id)


def delete(user, deal_id):
    """Delete a deal of the user's organisation, if it is theirs to delete (ownership.py)."""
    delete_in_org(user, Deal, deal_id, _delete_deal)


def _delete_deal(deal, by_user):
    """Delete a deal; record who did it."""
    deal.delete_instance()
    audit.record("deal.deleted", org=deal.org_id, user=by_user, deal_id=deal.id, name=deal.name)
