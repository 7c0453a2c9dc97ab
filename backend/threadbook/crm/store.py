"""Write paths for CRM records shared by the API, the importer and the seeder.

Each function writes one whole record (a contact with its addresses and its
company) and must be called inside a transaction; see ``db.write_transaction``.
Deletions and reassignments write their audit entry here; who may make them
is decided by identity/access.py, before these are called.
"""

from threadbook import audit, matching
from threadbook.models import Company, CompanyDomain, Contact, ContactAddress, Lead, Note, utcnow


class AddressTaken(Exception):
    """The address already belongs to a contact or lead of this organisation."""

    def __init__(self, record):
        super().__init__("address already in use")
        self.record = record


def find_record_by_address(org_id, normalized):
    """Return the Contact or Lead that owns a normalised address, or None."""
    address = (
        ContactAddress.select(ContactAddress, Contact)
        .join(Contact)
        .where((ContactAddress.org == org_id) & (ContactAddress.email_normalized == normalized))
        .first()
    )
    if address:
        return address.contact
    return Lead.get_or_none((Lead.org == org_id) & (Lead.email_normalized == normalized) & (Lead.status != "converted"))


def company_for_domain(org_id, domain):
    """Return the company that owns a registrable domain, or None."""
    row = (
        CompanyDomain.select(CompanyDomain, Company)
        .join(Company)
        .where((CompanyDomain.org == org_id) & (CompanyDomain.domain == domain))
        .first()
    )
    return row.company if row else None


def create_company(org_id, name, domains=(), owner=None, industry=None):
    company = Company.create(org=org_id, name=name, name_lower=name.lower(), owner=owner, industry=industry)
    for domain in domains:
        CompanyDomain.create(org=org_id, company=company, domain=domain.lower())
    return company


def find_or_create_company(org_id, address, name=None):
    """Return the company for an address's domain, creating it when named or guessable."""
    domain = matching.company_domain(address)
    if domain:
        existing = company_for_domain(org_id, domain)
        if existing:
            return existing
        return create_company(org_id, name or matching.guess_company_name(domain), [domain])
    if name:
        existing = Company.get_or_none((Company.org == org_id) & (Company.name_lower == name.lower()))
        return existing or create_company(org_id, name)
    return None


def create_contact(org_id, name, emails, title=None, phone=None, company=None, owner=None):
    """Create a contact with its addresses; raise AddressTaken if one is in use."""
    normalized = [(e, matching.normalize_address(e)) for e in emails]
    for _, norm in normalized:
        existing = find_record_by_address(org_id, norm)
        if existing is not None:
            raise AddressTaken(existing)
    contact = Contact.create(
        org=org_id,
        name=name or "",
        name_lower=(name or "").lower(),
        title=title,
        phone=phone,
        company=company,
        owner=owner,
        updated_at=utcnow(),
    )
    for index, (original, norm) in enumerate(normalized):
        ContactAddress.create(org=org_id, contact=contact, email=original, email_normalized=norm, is_primary=index == 0)
    return contact


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


def delete_contact(contact, by_user):
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


def delete_lead(lead, by_user):
    """Delete a lead and its notes (those it passed to a contact stay with the contact); record who did it."""
    Note.update(lead=None).where((Note.lead == lead.id) & Note.contact.is_null(False)).execute()
    lead.delete_instance()
    audit.record("lead.deleted", org=lead.org_id, user=by_user, lead_id=lead.id, name=lead.name, email=lead.email)


def delete_company(company, by_user):
    """Delete a company and its domains; its contacts and deals stay, without a company. Record who did it."""
    domains = [d.domain for d in CompanyDomain.select(CompanyDomain.domain).where(CompanyDomain.company == company.id)]
    company.delete_instance()  # domains cascade; contacts and deals are set null
    audit.record("company.deleted", org=company.org_id, user=by_user, company_id=company.id, name=company.name, domains=domains)


def delete_deal(deal, by_user):
    """Delete a deal; record who did it."""
    deal.delete_instance()
    audit.record("deal.deleted", org=deal.org_id, user=by_user, deal_id=deal.id, name=deal.name)


def delete_note(note, by_user):
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
