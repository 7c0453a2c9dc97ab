"""Resolve a thread's participants to what the CRM knows about them, in batches.

``lookup(user, participants, thread_id)`` answers the side panel: for each
address, in the order asked, whether it is the caller (``self``), a
colleague (a user of the same organisation), a contact, a lead or unknown;
the record, its company (the record's, else the one owning the address's
registrable domain), open deals, the latest notes and when mail with them was
last logged (among mail the caller may see); and whether the thread is logged.

Every table is read once for all participants (addresses go in ``IN (...)``
lists on indexed columns), so the cost barely grows with the organisation:
twenty participants among a million contacts take a dozen indexed queries.
"""

import heapq
from collections import defaultdict

from peewee import fn

from . import matching, serializers
from .models import Company, CompanyDomain, Contact, ContactAddress, Deal, Email, EmailParticipant, Lead, MailboxMessage, Note, User
from .records import newest_first
from .visibility import visible_emails

MAX_PARTICIPANTS = 50
NOTES_PER_RECORD = 3
NOTES_PER_THREAD = 5
DEALS_PER_PARTICIPANT = 10


class Participant:
    """One requested participant and what was found for it."""

    __slots__ = ("raw", "name", "address", "normalized", "error", "kind", "record", "company", "company_id")

    def __init__(self, raw, name):
        self.raw, self.name = raw, name
        self.address = self.normalized = self.error = self.kind = self.record = self.company = self.company_id = None


def _parse(requested):
    """Parse and de-duplicate the requested participants (order kept)."""
    parsed, seen = [], {}
    for index, (raw, name) in enumerate(requested):
        p = Participant(raw, name or "")
        try:
            p.name, p.address, p.normalized = matching.parse_participant(raw, name)
        except matching.InvalidAddress as exc:
            p.error = {"code": "invalid_address", "message": str(exc)}
        else:
            if p.normalized in seen:
                p.error = {
                    "code": "duplicate",
                    "message": f"Same address as participant {seen[p.normalized]} ({p.address}); shown once.",
                }
            else:
                seen[p.normalized] = index
        parsed.append(p)
    return parsed


def _latest_notes(org_id, column, ids, limit):
    """Return {record id: [Note]} with each record's ``limit`` newest notes (one windowed query)."""
    if not ids:
        return {}
    rank = fn.ROW_NUMBER().over(partition_by=[column], order_by=[Note.created_at.desc(), Note.id.desc()])
    inner = Note.select(Note, rank.alias("rank")).where((Note.org == org_id) & column.in_(list(ids)))
    query = Note.select(*[inner.c[f.column_name] for f in Note._meta.sorted_fields]).from_(inner).where(inner.c.rank <= limit)
    found = defaultdict(list)
    for note in query.objects(Note):
        found[getattr(note, column.name + "_id")].append(note)
    for notes in found.values():
        notes.sort(key=lambda n: (n.created_at, n.id), reverse=True)
    return found


def _last_logged(user, addresses):
    """Return {normalised address: latest date} over mail the user may see."""
    if not addresses:
        return {}
    rows = (
        EmailParticipant.select(EmailParticipant.address_normalized, fn.MAX(Email.date).alias("latest"))
        .join(Email, on=(EmailParticipant.email == Email.id))
        .where((EmailParticipant.org == user.org_id) & EmailParticipant.address_normalized.in_(list(addresses)) & visible_emails(user))
        .group_by(EmailParticipant.address_normalized)
        .tuples()
    )
    return {address: latest for address, latest in rows}


def _thread_state(user, thread_id):
    """Return the thread section: whether it is logged, its email ids, its notes."""
    if not thread_id:
        return {"logged": False, "email_ids": [], "notes": []}
    mine = MailboxMessage.select(MailboxMessage.email).where(
        (MailboxMessage.user == user.id) & (MailboxMessage.gmail_thread_id == thread_id)
    )
    shared = Email.select(Email.id).where((Email.gmail_thread_id == thread_id) & visible_emails(user))
    ids = sorted({row[0] for row in mine.union(shared).tuples()})
    notes = list(
        Note.select()
        .where((Note.org == user.org_id) & (Note.gmail_thread_id == thread_id))
        .order_by(newest_first(Note.created_at), Note.id.desc())
        .limit(NOTES_PER_THREAD)
    )
    return {"logged": bool(ids), "email_ids": ids, "notes": notes}


def lookup(user, requested, thread_id=None):
    """Resolve ``requested`` [(email, name or None)] for ``user``; return the response body."""
    org_id = user.org_id
    people = _parse(requested)
    pending = {p.normalized: p for p in people if p.error is None}

    # 1. Colleagues and the caller.
    if pending:
        users = User.select(User.id, User.name, User.email, User.role, User.email_normalized).where(
            (User.org == org_id) & User.email_normalized.in_(list(pending))
        )
        for u in users:
            p = pending.pop(u.email_normalized)
            p.kind = "self" if u.id == user.id else "colleague"
            p.record = u

    # 2. Contacts, through any of their addresses.
    contact_of = {}
    if pending:
        rows = (
            ContactAddress.select(ContactAddress.email_normalized, Contact)
            .join(Contact)
            .where((ContactAddress.org == org_id) & ContactAddress.email_normalized.in_(list(pending)))
        )
        for row in rows:
            p = pending.pop(row.email_normalized)
            p.kind, p.record = "contact", row.contact
            contact_of[row.contact.id] = row.contact
    addresses = defaultdict(list)
    if contact_of:
        for row in (
            ContactAddress.select()
            .where(ContactAddress.contact.in_(list(contact_of)))
            .order_by(ContactAddress.is_primary.desc(), ContactAddress.id)
        ):
            addresses[row.contact_id].append(row)

    # 3. Leads not yet converted.
    lead_ids = []
    if pending:
        for lead in Lead.select().where(
            (Lead.org == org_id) & Lead.email_normalized.in_(list(pending)) & (Lead.status != "converted")
        ):
            p = pending.pop(lead.email_normalized)
            p.kind, p.record = "lead", lead
            lead_ids.append(lead.id)
    for p in pending.values():
        p.kind = "unknown"

    # 4. Companies: the contact's own, else by registrable domain (never free mail).
    crm_people = [p for p in people if p.error is None and p.kind in ("contact", "lead", "unknown")]
    by_id = {p.record.company_id for p in crm_people if p.kind == "contact" and p.record.company_id}
    domain_of = {}
    for p in crm_people:
        if not (p.kind == "contact" and p.record.company_id):
            domain = matching.company_domain(p.address)
            if domain:
                domain_of[p.normalized] = domain
    companies, company_by_domain = {}, {}
    if by_id:
        companies.update((c.id, c) for c in Company.select().where((Company.org == org_id) & Company.id.in_(list(by_id))))
    if domain_of:
        rows = (
            CompanyDomain.select(CompanyDomain.domain, Company)
            .join(Company)
            .where((CompanyDomain.org == org_id) & CompanyDomain.domain.in_(list(set(domain_of.values()))))
        )
        for row in rows:
            company_by_domain[row.domain] = row.company
            companies[row.company.id] = row.company
    for p in crm_people:
        if p.kind == "contact" and p.record.company_id:
            p.company = companies.get(p.record.company_id)
        else:
            p.company = company_by_domain.get(domain_of.get(p.normalized))

    # 5. Open deals of the contacts and of the companies.
    company_ids = {p.company.id for p in crm_people if p.company is not None}
    deals_by_contact, deals_by_company = defaultdict(list), defaultdict(list)
    if contact_of or company_ids:
        condition = None
        if contact_of:
            condition = Deal.contact.in_(list(contact_of))
        if company_ids:
            by_company = Deal.company.in_(list(company_ids))
            condition = by_company if condition is None else (condition | by_company)
        for deal in (
            Deal.select()
            .where((Deal.org == org_id) & (Deal.status == "open") & condition)
            .order_by(Deal.close_date.is_null(), Deal.close_date, Deal.id)
        ):
            if deal.contact_id in contact_of:
                deals_by_contact[deal.contact_id].append(deal)
            if deal.company_id in company_ids:
                deals_by_company[deal.company_id].append(deal)

    # 6. Latest notes of each record.
    notes_by_contact = _latest_notes(org_id, Note.contact, list(contact_of), NOTES_PER_RECORD)
    notes_by_lead = _latest_notes(org_id, Note.lead, lead_ids, NOTES_PER_RECORD)

    # 7. When mail with them was last logged, over all of a contact's addresses.
    logged_addresses = {p.normalized for p in crm_people}
    for rows in addresses.values():
        logged_addresses.update(a.email_normalized for a in rows)
    last_logged = _last_logged(user, logged_addresses)

    thread = _thread_state(user, thread_id)

    # 8. Owners and note authors, in one query.
    user_ids = {p.record.owner_id for p in crm_people if p.record is not None}
    for notes in (*notes_by_contact.values(), *notes_by_lead.values(), thread["notes"]):
        user_ids.update(n.author_id for n in notes)
    users = serializers.load_user_summaries(user_ids)

    out = []
    for p in people:
        out.append(_present(p, addresses, deals_by_contact, deals_by_company, notes_by_contact, notes_by_lead, last_logged, users))
    thread["notes"] = [serializers.note(n, users) for n in thread["notes"]]
    return {"participants": out, "thread": thread}


def _present(p, addresses, deals_by_contact, deals_by_company, notes_by_contact, notes_by_lead, last_logged, users):
    item = {
        "email": p.address or p.raw,
        "name": p.name,
        "kind": p.kind,
        "record": None,
        "company": serializers.company_summary(p.company),
        "deals": [],
        "notes": [],
        "last_logged_at": None,
    }
    if p.error is not None:
        item["error"] = p.error
        return item
    if p.kind in ("self", "colleague"):
        item["record"] = serializers.user(p.record)
        item["name"] = p.name or p.record.name
        return item
    deals = []
    if p.kind == "contact":
        record = p.record
        item["record"] = serializers.contact(record, addresses[record.id], p.company if record.company_id else None, users)
        item["name"] = p.name or record.name
        deals = deals_by_contact.get(record.id, [])
        notes = notes_by_contact.get(record.id, [])
        dates = [last_logged.get(a.email_normalized) for a in addresses[record.id]]
    else:
        notes, dates = [], [last_logged.get(p.normalized)]
        if p.kind == "lead":
            item["record"] = serializers.lead(p.record, users)
            item["name"] = p.name or p.record.name
            notes = notes_by_lead.get(p.record.id, [])
    if p.company is not None:
        seen = {d.id for d in deals}
        extra = [d for d in deals_by_company.get(p.company.id, []) if d.id not in seen]
        if extra:
            deals = list(heapq.merge(deals, extra, key=_deal_order))
    item["deals"] = [serializers.deal(d, users) for d in deals[:DEALS_PER_PARTICIPANT]]
    item["notes"] = [serializers.note(n, users) for n in notes]
    dates = [d for d in dates if d is not None]
    item["last_logged_at"] = serializers.iso(max(dates)) if dates else None
    if p.kind == "unknown":
        item["prefill"] = prefill(p)
    return item


def _deal_order(deal):
    return (deal.close_date is None, deal.close_date or 0, deal.id)


def prefill(p):
    """Suggest a lead for an unknown participant: name, address, company from the domain."""
    if p.company is not None:
        company_name = p.company.name
    else:
        domain = matching.company_domain(p.address)
        company_name = matching.guess_company_name(domain) if domain else None
    return {"name": p.name, "email": p.address, "company_name": company_name}
