"""Resolve a thread's participants to what the CRM knows about them, in batches.

``lookup(user, participants, thread_id)`` answers the side panel: for each
address, in the order asked, whether it is the caller (``self``), a
colleague (a user of the same organisation), a contact, a lead or unknown;
why it matched (``match``, match_reasons.py); the record, its company (the
record's, else the one owning the address's registrable domain), open deals,
the latest notes and when mail with them was last logged (among mail the
caller may see); and the thread as the caller holds it: their own logged
copies, whether they keep it private, and the sharing level its new mail
would get.

The organisation's match corrections (corrections.py) rule records out: a
participant never matches a record corrected away from its address, and
falls through to the next rule (a lead, the company by domain, or nobody).

Every table is read once for all participants (lookup_queries.py), so the
cost does not grow with the organisation.
"""

import heapq
from collections import defaultdict

from threadbook import matching
from threadbook.crm import corrections, match_reasons, serializers
from threadbook.crm import lookup_queries as q
from threadbook.crm.lookup_queries import own_copies_in_thread as own_copies_in_thread  # mail.private_threads reads it here

MAX_PARTICIPANTS = 50
DEALS_PER_PARTICIPANT = 10


class Participant:
    """One requested participant and what was found for it."""

    __slots__ = ("raw", "name", "address", "normalized", "error", "kind", "record", "company", "domain", "ruled_out")

    def __init__(self, raw, name):
        self.raw, self.name = raw, name
        self.address = self.normalized = self.error = self.kind = self.record = self.company = self.domain = None
        self.ruled_out = frozenset()


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


def lookup(user, requested, thread_id=None, org=None):
    """Resolve ``requested`` [(email, name or None)] for ``user`` (of ``org``); return the response body."""
    org_id = user.org_id
    people = _parse(requested)
    pending = {p.normalized: p for p in people if p.error is None}
    if pending:
        ruled_out = corrections.excluded_for(org_id, [(p.address, p.normalized) for p in pending.values()])
        for normalized, records in ruled_out.items():
            pending[normalized].ruled_out = frozenset(records)

    # 1. Colleagues and the caller.
    if pending:
        for u in q.users(org_id, list(pending)):
            p = pending.pop(u.email_normalized)
            p.kind = "self" if u.id == user.id else "colleague"
            p.record = u

    # 2. Contacts, through any of their addresses, and all of their addresses (unless corrected away).
    contacts, addresses = {}, {}
    if pending:
        matched, every_address = q.contacts(org_id, list(pending))
        for normalized, contact in matched:
            p = pending[normalized]
            if ("contact", contact.id) in p.ruled_out:
                continue
            del pending[normalized]
            p.kind, p.record = "contact", contact
            contacts[contact.id] = contact
            addresses[contact.id] = every_address[contact.id]

    # 3. Leads not yet converted.
    leads = {}
    if pending:
        for lead in q.leads(org_id, list(pending)):
            p = pending[lead.email_normalized]
            if ("lead", lead.id) in p.ruled_out:
                continue
            del pending[lead.email_normalized]
            p.kind, p.record = "lead", lead
            leads[lead.id] = lead
    for p in pending.values():
        p.kind = "unknown"

    # 4. Companies: the contact's own, else by registrable domain (never free mail), unless corrected away.
    crm_people = [p for p in people if p.error is None and p.kind in ("contact", "lead", "unknown")]
    own_company = {p.record.company_id for p in crm_people if _own_company_id(p)}
    for p in crm_people:
        if not _own_company_id(p):
            p.domain = matching.company_domain(p.address)
    by_id, by_domain = q.companies(org_id, sorted(own_company), sorted({p.domain for p in crm_people if p.domain}))
    for p in crm_people:
        company = by_id.get(_own_company_id(p)) if _own_company_id(p) else by_domain.get(p.domain)
        p.company = None if company is not None and ("company", company.id) in p.ruled_out else company

    # 5. Open deals of the contacts and of the companies.
    company_ids = sorted({p.company.id for p in crm_people if p.company is not None})
    deals_by_contact, deals_by_company = defaultdict(list), defaultdict(list)
    if contacts or company_ids:
        for deal in q.open_deals(org_id, list(contacts), company_ids):
            if deal.contact_id in contacts:
                deals_by_contact[deal.contact_id].append(deal)
            if deal.company_id is not None:
                deals_by_company[deal.company_id].append(deal)

    # 6. Latest notes of each record.
    notes_by_contact, notes_by_lead = q.latest_notes(org_id, list(contacts), list(leads))

    # 7. When mail with them was last logged, over all of a contact's addresses.
    logged_addresses = {p.normalized for p in crm_people}
    for rows in addresses.values():
        logged_addresses.update(a.email_normalized for a in rows)
    last_logged = q.last_logged(user, sorted(logged_addresses)) if logged_addresses else {}

    thread = q.thread_state(user, thread_id, org)

    # 8. Owners and note authors, in one query.
    user_ids = {p.record.owner_id for p in crm_people if p.record is not None}
    user_ids.update(d.owner_id for deals in deals_by_contact.values() for d in deals)
    user_ids.update(d.owner_id for deals in deals_by_company.values() for d in deals)
    for notes in (*notes_by_contact.values(), *notes_by_lead.values(), thread["notes"]):
        user_ids.update(n.author_id for n in notes)
    users = q.user_summaries(user_ids)

    context = (addresses, deals_by_contact, deals_by_company, notes_by_contact, notes_by_lead, last_logged, users)
    thread["notes"] = [serializers.note(n, users) for n in thread["notes"]]
    return {"participants": [_present(p, *context) for p in people], "thread": thread}


def _own_company_id(p):
    """The company id of a contact's own company, unless it was corrected away from the participant's address."""
    if p.kind != "contact" or not p.record.company_id or ("company", p.record.company_id) in p.ruled_out:
        return None
    return p.record.company_id


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
        "match": None,
    }
    if p.error is not None:
        item["error"] = p.error
        return item
    if p.kind in ("self", "colleague"):
        item["record"] = serializers.user(p.record)
        item["name"] = p.name or p.record.name
        item["match"] = _person_match(p, [(p.record.email, p.record.email_normalized, True)])
        return item
    deals, notes = [], []
    if p.kind == "contact":
        record = p.record
        own = addresses.get(record.id, [])
        item["record"] = serializers.contact(record, own, p.company, users)
        item["name"] = p.name or record.name
        deals = deals_by_contact.get(record.id, [])
        notes = notes_by_contact.get(record.id, [])
        dates = [last_logged.get(a.email_normalized) for a in own]
        item["match"] = _person_match(p, [(a.email, a.email_normalized, bool(a.is_primary)) for a in own])
    else:
        dates = [last_logged.get(p.normalized)]
        if p.kind == "lead":
            item["record"] = serializers.lead(p.record, users)
            item["name"] = p.name or p.record.name
            notes = notes_by_lead.get(p.record.id, [])
            item["match"] = _person_match(p, [(p.record.email, p.record.email_normalized, True)])
        elif p.company is not None and p.domain:
            item["match"] = match_reasons.domain_match(p.address, p.domain, p.company.name)
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


def _person_match(p, addresses):
    return match_reasons.person_match(p.address, p.normalized, p.kind, p.record.name, addresses)


def _deal_order(deal):
    """The SQL order: dated deals first, by date, then by id."""
    return (deal.close_date is None, deal.close_date or "", deal.id)


def prefill(p):
    """Suggest a lead for an unknown participant: name, address, company from the domain."""
    if p.company is not None:
        company_name = p.company.name
    else:
        domain = matching.company_domain(p.address)
        company_name = matching.guess_company_name(domain) if domain else None
    return {"name": p.name, "email": p.address, "company_name": company_name}
