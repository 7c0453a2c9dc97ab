"""Read CRM records for the API: by id within an organisation, searches and lists, and in batches with what they show.

``get_in_org`` answers 404 for an id of another organisation (never 403); the
``*_matching`` and ``notes_on`` functions return ordered queries the API pages
through; the ``present_*`` functions turn a list of rows into JSON with a fixed
number of queries (addresses, companies, owners), whatever the length of the list.
"""

from collections import defaultdict

from peewee import fn

from threadbook.crm import serializers
from threadbook.crm import store as crm
from threadbook.db import is_postgres
from threadbook.errors import not_found
from threadbook.models import Company, CompanyDomain, Contact, ContactAddress, Deal, Lead, Note, User


def newest_first(field):
    """Order by ``field`` descending without letting SQLite walk ``field``'s own index.

    Most notes have no thread or lead, so once ANALYZE has run SQLite rates the
    (org, thread) index as useless and scans the whole created_at index for
    ``ORDER BY created_at DESC LIMIT n`` (0.3 s at 500,000 notes instead of
    0.1 ms). Sorting by an expression makes it use the WHERE's index instead.
    """
    return fn.COALESCE(field, field).desc()


def get_in_org(model, record_id, org_id, what=None, lock=False):
    """Return the record of ``org_id`` with this id, or raise 404.

    ``lock`` (inside a write transaction) holds the row until the transaction
    ends, so a check of its owner still holds when it is written. PostgreSQL
    needs FOR UPDATE; SQLite's write transaction already holds the database.
    """
    if not 0 < record_id < 2**63:
        raise not_found(what or model.__name__.lower())  # beyond any database integer
    query = model.select().where((model.id == record_id) & (model.org == org_id))
    if lock and is_postgres():
        query = query.for_update()
    record = query.first()
    if record is None:
        raise not_found(what or model.__name__.lower())
    return record


def contacts_matching(org_id, term=None):
    """The organisation's contacts by name, those whose name or any address contains ``term`` when given."""
    query = Contact.select().where(Contact.org == org_id)
    if term:
        by_address = ContactAddress.select(ContactAddress.contact).where(
            (ContactAddress.org == org_id) & (ContactAddress.email_normalized.contains(term) | ContactAddress.email.contains(term))
        )
        query = query.where(Contact.name_lower.contains(term) | Contact.id.in_(by_address))
    return query.order_by(Contact.name_lower, Contact.id)


def leads_matching(org_id, term=None, status=None):
    """The organisation's leads, newest first; by part of a name or address, and by status, when given."""
    query = Lead.select().where(Lead.org == org_id)
    if term:
        query = query.where(Lead.name_lower.contains(term) | Lead.email_normalized.contains(term) | Lead.email.contains(term))
    if status:
        query = query.where(Lead.status == status)
    return query.order_by(Lead.id.desc())


def companies_matching(org_id, term=None):
    """The organisation's companies by name, those whose name or any domain contains ``term`` when given."""
    query = Company.select().where(Company.org == org_id)
    if term:
        by_domain = CompanyDomain.select(CompanyDomain.company).where((CompanyDomain.org == org_id) & CompanyDomain.domain.contains(term))
        query = query.where(Company.name_lower.contains(term) | Company.id.in_(by_domain))
    return query.order_by(Company.name_lower, Company.id)


def deals_matching(org_id, status=None, contact_id=None, company_id=None):
    """The organisation's deals, newest first; only those in ``status``, of the contact or of the company, when given."""
    query = Deal.select().where(Deal.org == org_id)
    if status:
        query = query.where(Deal.status == status)
    for column, value in ((Deal.contact, contact_id), (Deal.company, company_id)):
        if value is not None:
            query = query.where(column == value)
    return query.order_by(Deal.id.desc())


def notes_on(org_id, contact_id=None, lead_id=None, thread_id=None):
    """The notes of one contact, lead (404 when not in the organisation) or Gmail thread, newest first."""
    query = Note.select().where(Note.org == org_id)
    if thread_id is not None:
        query = query.where(Note.gmail_thread_id == thread_id)
    elif contact_id is not None:
        query = query.where(Note.contact == get_in_org(Contact, contact_id, org_id, "contact").id)
    else:
        query = query.where(Note.lead == get_in_org(Lead, lead_id, org_id, "lead").id)
    return query.order_by(newest_first(Note.created_at), Note.id.desc())


def addresses_by_contact(contact_ids):
    """Return {contact id: [ContactAddress]} with the primary address first."""
    found = defaultdict(list)
    if contact_ids:
        rows = ContactAddress.select().where(ContactAddress.contact.in_(list(contact_ids))).order_by(ContactAddress.is_primary.desc(), ContactAddress.id)
        for row in rows:
            found[row.contact_id].append(row)
    return found


def companies_by_id(company_ids):
    ids = [i for i in set(company_ids) if i is not None]
    if not ids:
        return {}
    return {c.id: c for c in Company.select().where(Company.id.in_(ids))}


def domains_by_company(company_ids):
    found = defaultdict(list)
    if company_ids:
        for row in CompanyDomain.select().where(CompanyDomain.company.in_(list(company_ids))):
            found[row.company_id].append(row.domain)
    return found


def present_contacts(contacts):
    contacts = list(contacts)
    addresses = addresses_by_contact([c.id for c in contacts])
    companies = companies_by_id(c.company_id for c in contacts)
    users = serializers.load_user_summaries(c.owner_id for c in contacts)
    return [serializers.contact(c, addresses[c.id], companies.get(c.company_id), users) for c in contacts]


def present_contact(contact):
    return present_contacts([contact])[0]


def present_leads(leads):
    leads = list(leads)
    users = serializers.load_user_summaries(lead.owner_id for lead in leads)
    return [serializers.lead(lead, users) for lead in leads]


def present_lead(lead):
    return present_leads([lead])[0]


def present_companies(companies):
    companies = list(companies)
    domains = domains_by_company([c.id for c in companies])
    users = serializers.load_user_summaries(c.owner_id for c in companies)
    return [serializers.company(c, domains[c.id], users) for c in companies]


def present_company(company):
    return present_companies([company])[0]


def present_deals(deals):
    deals = list(deals)
    users = serializers.load_user_summaries(d.owner_id for d in deals)
    return [serializers.deal(d, users) for d in deals]


def present_deal(deal):
    return present_deals([deal])[0]


def present_notes(notes):
    notes = list(notes)
    users = serializers.load_user_summaries(n.author_id for n in notes)
    return [serializers.note(n, users) for n in notes]


def present_note(note):
    return present_notes([note])[0]


def present_record(record):
    """Serialise a Contact or a Lead, with its kind: ``{"kind", "record"}``."""
    if isinstance(record, Contact):
        return {"kind": "contact", "record": present_contact(record)}
    if isinstance(record, Lead):
        return {"kind": "lead", "record": present_lead(record)}
    raise TypeError(f"not a contact or lead: {record!r}")


def address_owner(org_id, normalized):
    """Return ``{"kind", "record"}`` for whoever holds the address in the organisation, or None.

    A colleague (a user of the organisation), a contact, or a lead not yet
    converted; used to answer 409 with the existing record.
    """
    colleague = User.get_or_none((User.org == org_id) & (User.email_normalized == normalized))
    if colleague is not None:
        return {"kind": "colleague", "record": serializers.user(colleague)}
    record = crm.find_record_by_address(org_id, normalized)
    return present_record(record) if record is not None else None
