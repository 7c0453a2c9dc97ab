"""The building blocks of CRM writes, shared by the CRM services, the importer, the dropbox and the seeder.

Each function writes one whole record (a contact with its addresses and its
company) and must be called inside a transaction; see ``db.write_transaction``.
The services of the API (contacts.py, leads.py, companies.py, deals.py,
notes.py) add the record rules, the audit and the transaction around them.
"""

from threadbook import matching
from threadbook.models import Company, CompanyDomain, Contact, ContactAddress, Lead, utcnow


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
    row = CompanyDomain.select(CompanyDomain, Company).join(Company).where((CompanyDomain.org == org_id) & (CompanyDomain.domain == domain)).first()
    return row.company if row else None


def create_company(org_id, name, domains=(), owner=None, industry=None):
    company = Company.create(org=org_id, name=name, name_lower=name.lower(), owner=owner, industry=industry)
    for domain in domains:
        CompanyDomain.create(org=org_id, company=company, domain=domain.lower())
    return company


def company_named(org_id, name, address=None):
    """Return the company called ``name`` (any case), else a new one; it takes the address's domain when no company holds it."""
    existing = Company.get_or_none((Company.org == org_id) & (Company.name_lower == name.lower()))
    if existing:
        return existing
    domain = matching.company_domain(address) if address else None
    return create_company(org_id, name, [domain] if domain and not company_for_domain(org_id, domain) else [])


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
