"""Contact writes for the API: create with addresses and a company, update (addresses replace the list), delete.

Each function runs in its own write transaction. An address another contact,
lead or colleague holds is refused with RecordConflict; changing the owner
and deleting follow the record rules (ownership.py).
"""

from peewee import IntegrityError

from threadbook import audit
from threadbook.crm import store
from threadbook.crm.addresses import address_conflict, refuse_taken
from threadbook.crm.errors import RecordConflict
from threadbook.crm.ownership import change_owner, delete_in_org
from threadbook.crm.records import get_in_org
from threadbook.db import write_transaction
from threadbook.models import Company, Contact, ContactAddress, Note, utcnow


def create(user, addresses, fields, company_id=None, company_name=None, without_company=False):
    """Create a contact of the user's organisation; return it.

    ``addresses`` is [(as written, normalised)], the primary first; ``fields``
    has name and may have title, phone and owner (a user id; the creator by
    default). The company is ``company_id``'s, else the one named (found or
    created), else none if ``without_company``, else the primary address's
    domain's (created when guessable).
    """
    org_id = user.org_id
    try:
        with write_transaction():
            refuse_taken(org_id, addresses)
            if company_id is not None:
                company = get_in_org(Company, company_id, org_id, "company")
            elif without_company:
                company = None
            else:
                company = store.find_or_create_company(org_id, addresses[0][0], company_name)
            return store.create_contact(
                org_id,
                fields.get("name") or "",
                [written for written, _ in addresses],
                title=fields.get("title"),
                phone=fields.get("phone"),
                company=company,
                owner=fields.get("owner", user.id),
            )
    except (store.AddressTaken, IntegrityError) as err:
        raise address_conflict(org_id, addresses[0][1]) from err


def update(user, contact_id, fields, addresses=None):
    """Change the given fields (name, title, phone, owner, company: ids) and, when given, replace the addresses; return the contact.

    ``fields["company_name"]`` names the company instead of an id: found by name or created ("" for none).
    """
    fields = dict(fields)
    company_name = fields.pop("company_name", None)
    if "name" in fields:
        fields["name_lower"] = fields["name"].lower()
    try:
        with write_transaction():
            contact = get_in_org(Contact, contact_id, user.org_id, "contact", lock=True)
            change_owner(user, contact, fields)
            if company_name is not None:
                fields["company"] = store.company_named(user.org_id, company_name).id if company_name else None
            if addresses is not None:
                refuse_taken(user.org_id, addresses, own_contact_id=contact.id)
                ContactAddress.delete().where(ContactAddress.contact == contact.id).execute()
                for index, (written, normalized) in enumerate(addresses):
                    ContactAddress.create(org=user.org_id, contact=contact.id, email=written, email_normalized=normalized, is_primary=index == 0)
            if fields or addresses is not None:
                fields["updated_at"] = utcnow()
                Contact.update(**fields).where(Contact.id == contact.id).execute()
    except IntegrityError as err:
        raise RecordConflict("One of these addresses was taken meanwhile; reload and try again.") from err
    return Contact.get_by_id(contact_id)


def delete(user, contact_id):
    """Delete a contact of the user's organisation, if it is theirs to delete (ownership.py)."""
    delete_in_org(user, Contact, contact_id, _delete_contact)


def _delete_contact(contact, by_user):
    """Delete a contact, its addresses and its notes; record who did it.

    Logged mail stays: it belongs to the organisation and to every mailbox it
    came from, linked by address, so it shows again if the address ever
    becomes a contact or lead. Deals keep their company and lose the person;
    a lead converted into this contact keeps its own history.
    """
    addresses = [a.email for a in ContactAddress.select(ContactAddress.email).where(ContactAddress.contact == contact.id)]
    # Notes of a converted lead are linked to both; they stay with the lead.
    Note.update(contact=None).where((Note.contact == contact.id) & Note.lead.is_null(False)).execute()
    contact.delete_instance()  # addresses and notes cascade; deals and leads are set null
    audit.record("contact.deleted", org=contact.org_id, user=by_user, contact_id=contact.id, name=contact.name, emails=addresses)
