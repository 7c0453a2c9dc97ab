"""Resolve a thread's participants to what the CRM knows about them, in batches.

``lookup(user, participants, thread_id)`` answers the side panel: for each
address, in the order asked, whether it is the caller (``self``), a
colleague (a user of the same organisation), a contact, a lead or unknown;
the record, its company (the record's, else the one owning the address's
registrable domain), open deals, the latest notes and when mail with them was
last logged (among mail the caller may see); and the thread as the caller
holds it: their own logged copies, whether they keep it private, and the
sharing level its new mail would get.

Every table is read once for all participants, with the addresses in an
``IN (...)`` list on an indexed column, so the cost does not grow with the
organisation. The panel calls this on every thread it opens, so the queries
are written by hand: building them with peewee cost ten times more than
running them (about 1 ms of Python per query against 30 µs in SQLite).
Rows come back as named tuples shaped like the models, which the
serializers take as they take model instances.
"""

import heapq
from collections import defaultdict, namedtuple

from threadbook import matching
from threadbook.crm import serializers
from threadbook.db import database
from threadbook.identity import access
from threadbook.identity.access import VISIBLE_SQL, visible_sql_params
from threadbook.models import Email, Organization

MAX_PARTICIPANTS = 50
NOTES_PER_RECORD = 3
NOTES_PER_THREAD = 5
DEALS_PER_PARTICIPANT = 10

UserRow = namedtuple("UserRow", "id name email role email_normalized")
ContactRow = namedtuple("ContactRow", "id name title phone company_id owner_id created_at updated_at")
AddressRow = namedtuple("AddressRow", "contact_id email email_normalized is_primary")
LeadRow = namedtuple(
    "LeadRow",
    "id name email email_normalized title company_name status owner_id converted_contact_id converted_at created_at updated_at",
)
CompanyRow = namedtuple("CompanyRow", "id name industry")
DealRow = namedtuple("DealRow", "id name stage status amount currency close_date company_id contact_id owner_id created_at updated_at")
NoteRow = namedtuple("NoteRow", "id author_id body contact_id lead_id gmail_thread_id created_at")

_NOTE_COLUMNS = "id, author_id, body, contact_id, lead_id, gmail_thread_id, created_at"


def _marks(n):
    return ", ".join(["?"] * n)


def _rows(sql, params, shape=None):
    """Run hand-written SQL (``?`` placeholders) and return tuples, or ``shape`` tuples."""
    if database.param != "?":
        sql = sql.replace("?", database.param)
    rows = database.execute_sql(sql, params).fetchall()
    return [shape._make(row) for row in rows] if shape else rows


class Participant:
    """One requested participant and what was found for it."""

    __slots__ = ("raw", "name", "address", "normalized", "error", "kind", "record", "company")

    def __init__(self, raw, name):
        self.raw, self.name = raw, name
        self.address = self.normalized = self.error = self.kind = self.record = self.company = None


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


def _users(org_id, addresses):
    sql = f'SELECT id, name, email, role, email_normalized FROM "user" WHERE org_id = ? AND email_normalized IN ({_marks(len(addresses))})'
    return _rows(sql, [org_id, *addresses], UserRow)


def _contacts(org_id, addresses):
    """Return [(normalised address, ContactRow)] for the addresses that belong to contacts."""
    sql = (
        "SELECT ca.email_normalized, c.id, c.name, c.title, c.phone, c.company_id, c.owner_id, c.created_at, c.updated_at "
        "FROM contact_address ca JOIN contact c ON c.id = ca.contact_id "
        f"WHERE ca.org_id = ? AND ca.email_normalized IN ({_marks(len(addresses))})"
    )
    return [(row[0], ContactRow._make(row[1:])) for row in _rows(sql, [org_id, *addresses])]


def _addresses(contact_ids):
    sql = (
        "SELECT contact_id, email, email_normalized, is_primary FROM contact_address "
        f"WHERE contact_id IN ({_marks(len(contact_ids))}) ORDER BY is_primary DESC, id"
    )
    found = defaultdict(list)
    for row in _rows(sql, list(contact_ids), AddressRow):
        found[row.contact_id].append(row)
    return found


def _leads(org_id, addresses):
    sql = (
        "SELECT id, name, email, email_normalized, title, company_name, status, owner_id, converted_contact_id, "
        f"converted_at, created_at, updated_at FROM lead WHERE org_id = ? AND email_normalized IN ({_marks(len(addresses))}) "
        "AND status <> 'converted'"
    )
    return _rows(sql, [org_id, *addresses], LeadRow)


def _companies(org_id, company_ids, domains):
    """Return ({id: CompanyRow}, {domain: CompanyRow}) in one query."""
    parts, params = [], []
    if company_ids:
        parts.append(f"SELECT NULL, id, name, industry FROM company WHERE org_id = ? AND id IN ({_marks(len(company_ids))})")
        params += [org_id, *company_ids]
    if domains:
        parts.append(
            "SELECT cd.domain, c.id, c.name, c.industry FROM company_domain cd JOIN company c ON c.id = cd.company_id "
            f"WHERE cd.org_id = ? AND cd.domain IN ({_marks(len(domains))})"
        )
        params += [org_id, *domains]
    by_id, by_domain = {}, {}
    if parts:
        for row in _rows(" UNION ALL ".join(parts), params):
            company = CompanyRow._make(row[1:])
            by_id[company.id] = company
            if row[0] is not None:
                by_domain[row[0]] = company
    return by_id, by_domain


def _open_deals(org_id, contact_ids, company_ids):
    conditions, params = [], [org_id]
    if contact_ids:
        conditions.append(f"contact_id IN ({_marks(len(contact_ids))})")
        params += contact_ids
    if company_ids:
        conditions.append(f"company_id IN ({_marks(len(company_ids))})")
        params += company_ids
    sql = (
        "SELECT id, name, stage, status, amount, currency, close_date, company_id, contact_id, owner_id, created_at, updated_at "
        f"FROM deal WHERE org_id = ? AND status = 'open' AND ({' OR '.join(conditions)}) "
        "ORDER BY CASE WHEN close_date IS NULL THEN 1 ELSE 0 END, close_date, id"
    )
    return _rows(sql, params, DealRow)


def _latest_notes(org_id, contact_ids, lead_ids):
    """Return ({contact id: [NoteRow]}, {lead id: [NoteRow]}), each record's newest few, in one query."""
    parts, params = [], []
    for column, ids in (("contact_id", contact_ids), ("lead_id", lead_ids)):
        if ids:
            parts.append(
                f"SELECT '{column}', {_NOTE_COLUMNS} FROM (SELECT {_NOTE_COLUMNS}, ROW_NUMBER() OVER "
                f"(PARTITION BY {column} ORDER BY created_at DESC, id DESC) AS position FROM note "
                f"WHERE org_id = ? AND {column} IN ({_marks(len(ids))})) ranked_{column} WHERE position <= ?"
            )
            params += [org_id, *ids, NOTES_PER_RECORD]
    by_contact, by_lead = defaultdict(list), defaultdict(list)
    if parts:
        rows = _rows(" UNION ALL ".join(parts), params)
        for row in sorted(rows, key=lambda r: (r[7], r[1]), reverse=True):  # newest first
            note = NoteRow._make(row[1:])
            if row[0] == "contact_id":
                by_contact[note.contact_id].append(note)
            else:
                by_lead[note.lead_id].append(note)
    return by_contact, by_lead


def _last_logged(user, addresses):
    """Return {normalised address: latest date} over mail the user may see."""
    sql = (
        "SELECT ep.address_normalized, MAX(e.date) FROM email_participant ep JOIN email e ON e.id = ep.email_id "
        f"WHERE ep.org_id = ? AND ep.address_normalized IN ({_marks(len(addresses))}) AND e.org_id = ? AND {VISIBLE_SQL} "
        "GROUP BY ep.address_normalized"
    )
    return dict(_rows(sql, [user.org_id, *addresses, user.org_id, *visible_sql_params(user)]))


def own_copies_in_thread(user, thread_id):
    """Ids of the user's own logged copies in their Gmail thread (placed there by a mailbox, or stored with its id)."""
    sql = (
        "SELECT email_id FROM mailbox_message WHERE user_id = ? AND gmail_thread_id = ? "
        "UNION SELECT id FROM email WHERE org_id = ? AND owner_id = ? AND gmail_thread_id = ?"
    )
    return sorted(row[0] for row in _rows(sql, [user.id, thread_id, user.org_id, user.id, thread_id]))


def _thread_state(user, thread_id, org):
    """Return the thread section: the caller's logged copies in it, its sharing, its latest notes.

    Gmail thread ids are per mailbox, so only the caller's own copies belong
    to the thread they are looking at; a colleague's mail is never found
    through a thread id (or a Message-ID) the caller supplies.
    """
    if not thread_id:
        return {"logged": False, "email_ids": [], "emails": [], "private": False, "visibility": None, "notes": []}
    ids = own_copies_in_thread(user, thread_id)
    emails = list(Email.select().where(Email.id.in_(ids)).order_by(Email.date, Email.id)) if ids else []
    private = bool(access.private_threads(user.id, [thread_id]))
    if org is None:
        org = Organization.get_by_id(user.org_id)
    # COALESCE keeps SQLite off the created_at index (see records.newest_first).
    notes = _rows(
        f"SELECT {_NOTE_COLUMNS} FROM note WHERE org_id = ? AND gmail_thread_id = ? ORDER BY COALESCE(created_at, created_at) DESC, id DESC LIMIT ?",
        [user.org_id, thread_id, NOTES_PER_THREAD],
        NoteRow,
    )
    return {
        "logged": bool(ids),
        "email_ids": ids,
        "emails": serializers.emails(emails, user),
        "private": private,
        "visibility": access.PRIVATE if private else access.default_level(org, user),
        "notes": notes,
    }


def _user_summaries(user_ids):
    ids = sorted(i for i in user_ids if i is not None)
    if not ids:
        return {}
    rows = _rows(f'SELECT id, name, email FROM "user" WHERE id IN ({_marks(len(ids))})', ids)
    return {uid: {"id": uid, "name": name, "email": email} for uid, name, email in rows}


def lookup(user, requested, thread_id=None, org=None):
    """Resolve ``requested`` [(email, name or None)] for ``user`` (of ``org``); return the response body."""
    org_id = user.org_id
    people = _parse(requested)
    pending = {p.normalized: p for p in people if p.error is None}

    # 1. Colleagues and the caller.
    if pending:
        for u in _users(org_id, list(pending)):
            p = pending.pop(u.email_normalized)
            p.kind = "self" if u.id == user.id else "colleague"
            p.record = u

    # 2. Contacts, through any of their addresses, and all of their addresses.
    contacts = {}
    if pending:
        for normalized, contact in _contacts(org_id, list(pending)):
            p = pending.pop(normalized)
            p.kind, p.record = "contact", contact
            contacts[contact.id] = contact
    addresses = _addresses(list(contacts)) if contacts else {}

    # 3. Leads not yet converted.
    leads = {}
    if pending:
        for lead in _leads(org_id, list(pending)):
            p = pending.pop(lead.email_normalized)
            p.kind, p.record = "lead", lead
            leads[lead.id] = lead
    for p in pending.values():
        p.kind = "unknown"

    # 4. Companies: the contact's own, else by registrable domain (never free mail).
    crm_people = [p for p in people if p.error is None and p.kind in ("contact", "lead", "unknown")]
    own_company = {p.record.company_id for p in crm_people if p.kind == "contact" and p.record.company_id}
    domain_of = {}
    for p in crm_people:
        if not (p.kind == "contact" and p.record.company_id):
            domain = matching.company_domain(p.address)
            if domain:
                domain_of[p.normalized] = domain
    by_id, by_domain = _companies(org_id, sorted(own_company), sorted(set(domain_of.values())))
    for p in crm_people:
        if p.kind == "contact" and p.record.company_id:
            p.company = by_id.get(p.record.company_id)
        else:
            p.company = by_domain.get(domain_of.get(p.normalized))

    # 5. Open deals of the contacts and of the companies.
    company_ids = sorted({p.company.id for p in crm_people if p.company is not None})
    deals_by_contact, deals_by_company = defaultdict(list), defaultdict(list)
    if contacts or company_ids:
        for deal in _open_deals(org_id, list(contacts), company_ids):
            if deal.contact_id in contacts:
                deals_by_contact[deal.contact_id].append(deal)
            if deal.company_id is not None:
                deals_by_company[deal.company_id].append(deal)

    # 6. Latest notes of each record.
    notes_by_contact, notes_by_lead = _latest_notes(org_id, list(contacts), list(leads))

    # 7. When mail with them was last logged, over all of a contact's addresses.
    logged_addresses = {p.normalized for p in crm_people}
    for rows in addresses.values():
        logged_addresses.update(a.email_normalized for a in rows)
    last_logged = _last_logged(user, sorted(logged_addresses)) if logged_addresses else {}

    thread = _thread_state(user, thread_id, org)

    # 8. Owners and note authors, in one query.
    user_ids = {p.record.owner_id for p in crm_people if p.record is not None}
    user_ids.update(d.owner_id for deals in deals_by_contact.values() for d in deals)
    user_ids.update(d.owner_id for deals in deals_by_company.values() for d in deals)
    for notes in (*notes_by_contact.values(), *notes_by_lead.values(), thread["notes"]):
        user_ids.update(n.author_id for n in notes)
    users = _user_summaries(user_ids)

    context = (addresses, deals_by_contact, deals_by_company, notes_by_contact, notes_by_lead, last_logged, users)
    thread["notes"] = [serializers.note(n, users) for n in thread["notes"]]
    return {"participants": [_present(p, *context) for p in people], "thread": thread}


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
    deals, notes = [], []
    if p.kind == "contact":
        record = p.record
        own = addresses.get(record.id, [])
        item["record"] = serializers.contact(record, own, p.company, users)
        item["name"] = p.name or record.name
        deals = deals_by_contact.get(record.id, [])
        notes = notes_by_contact.get(record.id, [])
        dates = [last_logged.get(a.email_normalized) for a in own]
    else:
        dates = [last_logged.get(p.normalized)]
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
