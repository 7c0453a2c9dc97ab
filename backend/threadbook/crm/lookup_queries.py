"""The batch queries behind the participant lookup (participants.py), written by hand.

The panel calls the lookup on every thread it opens, so the queries are
written as SQL: building them with peewee cost ten times more than running
them (about 1 ms of Python per query against 30 µs in SQLite). Every table is
read once for all participants, with the addresses in an ``IN [?]`` list on
an indexed column (hot_sql.py: one text per statement, so PostgreSQL prepares
each once per connection). Rows come back as named tuples shaped like the
models, which the serializers take as they take model instances.
"""

from collections import defaultdict, namedtuple

from threadbook.crm import serializers
from threadbook.hot_sql import fetch, fetch_models
from threadbook.identity import access
from threadbook.identity.access import VISIBLE_SQL, visible_sql_params
from threadbook.models import Email, Organization

NOTES_PER_RECORD = 3
NOTES_PER_THREAD = 5

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


def users(org_id, addresses):
    """Return the members whose address (current, else former: identity/addresses.py) is among ``addresses``, one row per address."""
    sql = (
        'SELECT 0, id, id, name, email, role, email_normalized FROM "user" WHERE org_id = ? AND email_normalized IN [?] '
        'UNION ALL SELECT 1, a.id, u.id, u.name, u.email, u.role, a.email_normalized FROM user_address a JOIN "user" u ON u.id = a.user_id '
        "WHERE a.org_id = ? AND a.email_normalized IN [?]"
    )
    found = {}
    # A current address first; else the former one recorded first.
    for _former, _order, *columns in sorted(fetch(sql, [org_id, addresses, org_id, addresses])):
        row = UserRow._make(columns)
        found.setdefault(row.email_normalized, row)
    return list(found.values())


def contacts(org_id, addresses):
    """Return ([(normalised address, ContactRow)] for the addresses that belong to contacts, {contact id: [AddressRow]}).

    Each contact comes with all of its addresses, primary first, in the same statement.
    """
    sql = (
        "SELECT ca.email_normalized, c.id, c.name, c.title, c.phone, c.company_id, c.owner_id, c.created_at, c.updated_at, "
        "every.id, every.email, every.email_normalized, every.is_primary "
        "FROM contact_address ca JOIN contact c ON c.id = ca.contact_id JOIN contact_address every ON every.contact_id = c.id "
        "WHERE ca.org_id = ? AND ca.email_normalized IN [?]"
    )
    matched, every_address = {}, defaultdict(dict)
    for row in fetch(sql, [org_id, addresses]):
        contact = ContactRow._make(row[1:9])
        matched[row[0]] = contact
        address_id, email, normalized, is_primary = row[9:]
        every_address[contact.id][address_id] = AddressRow(contact.id, email, normalized, bool(is_primary))
    own = {contact_id: [rows[i] for i in sorted(rows, key=lambda i: (not rows[i].is_primary, i))] for contact_id, rows in every_address.items()}
    return list(matched.items()), own


def leads(org_id, addresses):
    sql = (
        "SELECT id, name, email, email_normalized, title, company_name, status, owner_id, converted_contact_id, "
        "converted_at, created_at, updated_at FROM lead WHERE org_id = ? AND email_normalized IN [?] "
        "AND status <> 'converted'"
    )
    return fetch(sql, [org_id, addresses], LeadRow)


def companies(org_id, company_ids, domains):
    """Return ({id: CompanyRow}, {domain: CompanyRow}) in one query."""
    if not company_ids and not domains:
        return {}, {}
    sql = (
        "SELECT NULL, id, name, industry FROM company WHERE org_id = ? AND id IN [?] UNION ALL "
        "SELECT cd.domain, c.id, c.name, c.industry FROM company_domain cd JOIN company c ON c.id = cd.company_id "
        "WHERE cd.org_id = ? AND cd.domain IN [?]"
    )
    by_id, by_domain = {}, {}
    for row in fetch(sql, [org_id, company_ids, org_id, domains]):
        company = CompanyRow._make(row[1:])
        by_id[company.id] = company
        if row[0] is not None:
            by_domain[row[0]] = company
    return by_id, by_domain


def open_deals(org_id, contact_ids, company_ids):
    sql = (
        "SELECT id, name, stage, status, amount, currency, close_date, company_id, contact_id, owner_id, created_at, updated_at "
        "FROM deal WHERE org_id = ? AND status = 'open' AND (contact_id IN [?] OR company_id IN [?]) "
        "ORDER BY CASE WHEN close_date IS NULL THEN 1 ELSE 0 END, close_date, id"
    )
    return fetch(sql, [org_id, contact_ids, company_ids], DealRow)


def latest_notes(org_id, contact_ids, lead_ids):
    """Return ({contact id: [NoteRow]}, {lead id: [NoteRow]}), each record's newest few, in one query."""
    by_contact, by_lead = defaultdict(list), defaultdict(list)
    if not contact_ids and not lead_ids:
        return by_contact, by_lead
    rows = fetch(_LATEST_NOTES_SQL, [org_id, contact_ids, NOTES_PER_RECORD, org_id, lead_ids, NOTES_PER_RECORD])
    for row in sorted(rows, key=lambda r: (r[7], r[1]), reverse=True):  # newest first
        note = NoteRow._make(row[1:])
        if row[0] == "contact_id":
            by_contact[note.contact_id].append(note)
        else:
            by_lead[note.lead_id].append(note)
    return by_contact, by_lead


_LATEST_NOTES_SQL = " UNION ALL ".join(
    f"SELECT '{column}', {_NOTE_COLUMNS} FROM (SELECT {_NOTE_COLUMNS}, ROW_NUMBER() OVER "
    f"(PARTITION BY {column} ORDER BY created_at DESC, id DESC) AS position FROM note "
    f"WHERE org_id = ? AND {column} IN [?]) ranked_{column} WHERE position <= ?"
    for column in ("contact_id", "lead_id")
)


def last_logged(user, addresses):
    """Return {normalised address: latest date} over mail the user may see."""
    sql = (
        "SELECT ep.address_normalized, MAX(e.date) FROM email_participant ep JOIN email e ON e.id = ep.email_id "
        f"WHERE ep.org_id = ? AND ep.address_normalized IN [?] AND e.org_id = ? AND {VISIBLE_SQL} "
        "GROUP BY ep.address_normalized"
    )
    return dict(fetch(sql, [user.org_id, addresses, user.org_id, *visible_sql_params(user)]))


def own_copies_in_thread(user, thread_id):
    """Ids of the user's own logged copies in their Gmail thread (placed there by a mailbox, or stored with its id)."""
    sql = (
        "SELECT email_id FROM mailbox_message WHERE user_id = ? AND gmail_thread_id = ? "
        "UNION SELECT id FROM email WHERE org_id = ? AND owner_id = ? AND gmail_thread_id = ?"
    )
    return sorted(row[0] for row in fetch(sql, [user.id, thread_id, user.org_id, user.id, thread_id]))


def _copies_and_privacy(user, thread_id):
    """(ids of the user's own copies in the thread, whether they keep it private), in one statement."""
    sql = (
        "SELECT 1, email_id FROM mailbox_message WHERE user_id = ? AND gmail_thread_id = ? "
        "UNION SELECT 1, id FROM email WHERE org_id = ? AND owner_id = ? AND gmail_thread_id = ? "
        "UNION SELECT 0, 0 FROM private_thread WHERE user_id = ? AND gmail_thread_id = ?"
    )
    rows = fetch(sql, [user.id, thread_id, user.org_id, user.id, thread_id, user.id, thread_id])
    return sorted(email_id for is_copy, email_id in rows if is_copy), any(not is_copy for is_copy, _ in rows)


_THREAD_EMAILS_SQL = "SELECT {} FROM email WHERE id IN [?] ORDER BY date, id".format(", ".join(f'"{column}"' for column in Email._meta.columns))


def thread_state(user, thread_id, org):
    """Return the thread section: the caller's logged copies in it, its sharing, its latest notes.

    Gmail thread ids are per mailbox, so only the caller's own copies belong
    to the thread they are looking at; a colleague's mail is never found
    through a thread id (or a Message-ID) the caller supplies.
    """
    if not thread_id:
        return {"logged": False, "email_ids": [], "emails": [], "private": False, "visibility": None, "notes": []}
    ids, private = _copies_and_privacy(user, thread_id)
    emails = fetch_models(Email, _THREAD_EMAILS_SQL, [ids]) if ids else []
    people = user_summaries([e.owner_id for e in emails] + [e.logged_by_id for e in emails])
    if org is None:
        org = Organization.get_by_id(user.org_id)
    # COALESCE keeps SQLite off the created_at index (see records.newest_first).
    notes = fetch(
        f"SELECT {_NOTE_COLUMNS} FROM note WHERE org_id = ? AND gmail_thread_id = ? ORDER BY COALESCE(created_at, created_at) DESC, id DESC LIMIT ?",
        [user.org_id, thread_id, NOTES_PER_THREAD],
        NoteRow,
    )
    return {
        "logged": bool(ids),
        "email_ids": ids,
        "emails": [serializers.email(e, user, people) for e in emails],
        "private": private,
        "visibility": access.PRIVATE if private else access.default_level(org, user),
        "notes": notes,
    }


def user_summaries(user_ids):
    ids = sorted(i for i in user_ids if i is not None)
    if not ids:
        return {}
    rows = fetch('SELECT id, name, email FROM "user" WHERE id IN [?]', [ids])
    return {uid: {"id": uid, "name": name, "email": email} for uid, name, email in rows}
