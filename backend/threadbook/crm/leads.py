"""Lead writes for the API: create (an address nobody in the organisation holds), update, convert into a contact, delete.

Each function runs in its own write transaction. A converted lead is history:
it is no longer edited, and its address belongs to the contact it became.
"""

from peewee import IntegrityError

from threadbook import audit, matching
from threadbook.crm import store
from threadbook.crm.addresses import address_conflict, held_by
from threadbook.crm.errors import RecordConflict
from threadbook.crm.ownership import change_owner, delete_in_org
from threadbook.crm.records import address_owner, get_in_org, present_contact
from threadbook.db import write_transaction
from threadbook.models import LEAD_STATUSES, Contact, Deal, Lead, Note, utcnow

# A lead becomes "converted" only by being converted.
EDITABLE_STATUSES = tuple(s for s in LEAD_STATUSES if s != "converted")


def create(user, address, fields):
    """Create a lead of the user's organisation with ``address`` (as written, normalised); return it.

    ``fields`` may have name, title, company_name (guessed from the domain when
    absent), status and owner (a user id or None; the creator when absent).
    """
    written, normalized = address
    fields = _with_name_lower(fields)
    fields.setdefault("owner", user.id)
    if "company_name" not in fields:
        domain = matching.company_domain(written)
        fields["company_name"] = matching.guess_company_name(domain) if domain else None
    try:
        with write_transaction():
            holder = address_owner(user.org_id, normalized)
            if holder is not None:
                raise held_by(holder)
            return Lead.create(org=user.org_id, email=written, email_normalized=normalized, **fields)
    except IntegrityError as err:
        raise address_conflict(user.org_id, normalized) from err


def update(user, lead_id, fields, address=None):
    """Change the given fields and, when given, the address (as written, normalised); return the lead."""
    fields = _with_name_lower(fields)
    try:
        with write_transaction():
            lead = get_in_org(Lead, lead_id, user.org_id, "lead", lock=True)
            change_owner(user, lead, fields)
            if lead.status == "converted" and (fields or address):
                raise _converted(lead, "This lead was converted into a contact; edit the contact instead.")
            if address and address[1] != lead.email_normalized:
                holder = address_owner(user.org_id, address[1])
                if holder is not None:
                    raise held_by(holder)
                fields.update(email=address[0], email_normalized=address[1])
            elif address:
                fields["email"] = address[0]
            if fields:
                fields["updated_at"] = utcnow()
                Lead.update(**fields).where(Lead.id == lead.id).execute()
    except IntegrityError as err:
        raise address_conflict(user.org_id, address[1] if address else lead.email_normalized) from err
    return Lead.get_by_id(lead_id)


def convert(user, lead_id, company_name=None, deal=None):
    """Turn a lead into a contact; return (contact, lead, deal). Its notes move to the contact, its mail links by address anyway.

    ``company_name`` names the contact's company (found by name or created; "" for none; None: the lead's
    company, as for a new contact); ``deal`` (Deal columns), when given, is a first deal with the contact, yours.
    """
    try:
        with write_transaction():
            lead = get_in_org(Lead, lead_id, user.org_id, "lead", lock=True)
            if lead.status == "converted":
                raise _converted(lead, "This lead was already converted into a contact.")
            # Mark it converted first: an unconverted lead holds the address, which create_contact refuses.
            Lead.update(status="converted", converted_at=utcnow(), updated_at=utcnow()).where(Lead.id == lead.id).execute()
            if company_name is None:
                company = store.find_or_create_company(user.org_id, lead.email, lead.company_name)
            else:
                company = store.company_named(user.org_id, company_name, lead.email) if company_name else None
            contact = store.create_contact(
                user.org_id,
                lead.name,
                [lead.email],
                title=lead.title,
                company=company,
                # Whoever converts a colleague's lead does not take it: the contact stays the lead's
                # owner's. An unowned lead becomes the converter's contact, as anyone may claim it.
                owner=lead.owner_id or user.id,
            )
            Lead.update(converted_contact=contact.id).where(Lead.id == lead.id).execute()
            # The notes follow the person; they stay linked to the lead as well, for its history.
            Note.update(contact=contact.id).where((Note.org == user.org_id) & (Note.lead == lead.id)).execute()
            first_deal = Deal.create(org=user.org_id, owner=user.id, **deal, contact=contact.id, company=company) if deal else None
    except store.AddressTaken as taken:
        raise address_conflict(user.org_id, matching.normalize_address(lead.email)) from taken
    except IntegrityError as err:
        raise RecordConflict("The lead was converted meanwhile; reload it.") from err
    return contact, Lead.get_by_id(lead_id), first_deal and Deal.get_by_id(first_deal.id)


def delete(user, lead_id):
    """Delete a lead of the user's organisation, if it is theirs to delete (ownership.py)."""
    delete_in_org(user, Lead, lead_id, _delete_lead)


def _delete_lead(lead, by_user):
    """Delete a lead and its notes (those it passed to a contact stay with the contact); record who did it."""
    Note.update(lead=None).where((Note.lead == lead.id) & Note.contact.is_null(False)).execute()
    lead.delete_instance()
    audit.record("lead.deleted", org=lead.org_id, user=by_user, lead_id=lead.id, name=lead.name, email=lead.email)


def _with_name_lower(fields):
    fields = dict(fields)
    if "name" in fields:
        fields["name_lower"] = fields["name"].lower()
    return fields


def _converted(lead, message):
    """The conflict pointing at the contact a lead became."""
    contact = Contact.get_or_none(Contact.id == lead.converted_contact_id) if lead.converted_contact_id else None
    existing = {"kind": "contact", "record": present_contact(contact)} if contact else None
    return RecordConflict(message, existing=existing)
