"""Check the rows of a contact list before anything is written: each is a contact to add or a reject with its reason.

A row is refused as *invalid* (no address, not an address, a value too long,
an owner who is not a member) or as a *duplicate* (of an earlier line of the
file, of a contact or lead of the organisation, or a colleague's address),
always with a reason a person understands: ``same mailbox as line 9 (Gmail
ignores dots)``. Addresses compare by their normalised form (matching.py),
so an internationalised domain and its punycode are one domain. Rows are
checked a batch at a time, with one query per kind of holder for the batch.
"""

from dataclasses import dataclass

from threadbook import matching
from threadbook.crm.import_sql import select_in
from threadbook.models import User

# Kinds of reject: (code, category, label for summaries).
REASONS = {
    "no_address": ("invalid", "no email address"),
    "bad_address": ("invalid", "not a valid email address"),
    "too_long": ("invalid", "a value is too long"),
    "not_a_member": ("invalid", "owner is not a member"),
    "same_as_earlier_line": ("duplicate", "same address as an earlier line"),
    "contact": ("duplicate", "already a contact"),
    "lead": ("duplicate", "already a lead"),
    "colleague": ("duplicate", "a colleague's address"),
}
MAX_LENGTHS = {"name": 200, "title": 200, "company": 200, "phone": 50}


@dataclass
class Row:
    """A row that passed the checks: what to write."""

    line: int
    email: str  # as written
    normalized: str
    name: str
    title: str | None
    phone: str | None
    company: str | None
    owner_id: int | None
    company_domain: str | None = None  # the registrable domain that names the company; None for free mail


@dataclass
class Reject:
    line: int
    code: str  # a key of REASONS
    reason: str  # the sentence for this row
    cells: list

    @property
    def category(self):
        return REASONS[self.code][0]


class RowChecker:
    """Check batches of rows of one file against each other and against the organisation."""

    def __init__(self, org_id, default_owner_id=None):
        self.org_id = org_id
        self.default_owner_id = default_owner_id
        self.seen = {}  # normalised address -> (line, as written) of the first row with it
        members = User.select(User.id, User.email, User.email_normalized, User.name).where(User.org == org_id)
        self.members = {m.email_normalized: m for m in members}
        if default_owner_id not in {m.id for m in self.members.values()}:
            self.default_owner_id = None  # left the organisation since the import was asked for

    def check(self, batch):
        """Return ([Row], [Reject]) for [(line, values, cells)]; reads, never writes."""
        candidates, rejects = [], []
        for line, values, cells in batch:
            row_or_reject = self._check_row(line, values, cells)
            (candidates if isinstance(row_or_reject, Row) else rejects).append(row_or_reject)
        cells_of = {line: cells for line, _, cells in batch}
        held = holders(self.org_id, [r.normalized for r in candidates])
        good = []
        for row in candidates:
            holder = held.get(row.normalized)
            if holder is None:
                row.company_domain = matching.company_domain(row.email)
                good.append(row)
            else:
                rejects.append(Reject(row.line, holder[0], holder_reason(holder, row.email), cells_of[row.line]))
        rejects.sort(key=lambda r: r.line)
        return good, rejects

    def _check_row(self, line, values, cells):
        written = values.get("email", "")
        if not written:
            return Reject(line, "no_address", "no email address", cells)
        normalized, display_name = matching.try_normalize(written), ""
        if normalized is None and "<" in written:  # "Ada Lovelace <ada@acme.example>", as mail clients export
            display_name, written = matching.parse_mailbox(written)
            normalized = matching.try_normalize(written)
        if normalized is None:
            return Reject(line, "bad_address", f"not a valid email address: '{values['email'][:100]}'", cells)
        name = values.get("name") or " ".join(v for v in (values.get("first_name"), values.get("last_name")) if v) or display_name
        fields = {"name": name, "title": values.get("title"), "company": values.get("company"), "phone": values.get("phone")}
        for field_name, limit in MAX_LENGTHS.items():
            if len(fields[field_name] or "") > limit:
                return Reject(line, "too_long", f"{field_name} is longer than {limit} characters", cells)
        owner_id = self.default_owner_id
        owner = values.get("owner")
        if owner:
            member = self.members.get(matching.try_normalize(owner) or "")
            if member is None:
                return Reject(line, "not_a_member", f"owner '{owner[:100]}' is not a member of this organisation", cells)
            owner_id = member.id
        colleague = self.members.get(normalized)
        if colleague is not None:
            return Reject(line, "colleague", f"a colleague's address ({colleague.name or colleague.email} is a member of this organisation)", cells)
        earlier = self.seen.get(normalized)
        if earlier is not None:
            return Reject(line, "same_as_earlier_line", same_as(earlier[1], written, f"line {earlier[0]}"), cells)
        self.seen[normalized] = (line, written)
        return Row(line, written, normalized, fields["name"], fields["title"] or None, fields["phone"] or None, fields["company"] or None, owner_id)


_LEADS = "SELECT email_normalized, email, name FROM \"lead\" WHERE org_id = {org} AND status <> 'converted' AND email_normalized IN ({values})"
_CONTACTS = (
    'SELECT a.email_normalized, a.email, c.name FROM "contact_address" a JOIN "contact" c ON c.id = a.contact_id '
    "WHERE a.org_id = {org} AND a.email_normalized IN ({values})"
)


def holders(org_id, normalized):
    """Return {normalised address: (kind, name, address as written)} for those a contact or an open lead of the organisation holds."""
    found = {}
    for kind, sql in (("lead", _LEADS), ("contact", _CONTACTS)):
        for key, email, name in select_in(sql, org_id, list(normalized)):
            found[key] = (kind, name, email)
    return found


def holder_reason(holder, written):
    """``already a contact (Ada Lovelace)``, saying why when the record's address is written differently."""
    kind, name, held = holder
    who = f"already a {kind} ({name})" if name else f"already a {kind}"
    return who if held == written else f"{who}: {same_as(held, written, held)}"


def same_as(earlier, written, where):
    """Say why two addresses with one normalised form are one: ``same mailbox as line 9 (Gmail ignores dots)``."""
    if earlier == written:
        return f"same address as {where}"
    reasons, mailbox = [], False
    local_a, _, domain_a = earlier.rpartition("@")
    local_b, _, domain_b = written.rpartition("@")
    ascii_a, ascii_b = matching.domain_of(earlier), matching.domain_of(written)
    if ascii_a != ascii_b:
        reasons.append("googlemail.com is gmail.com")
    elif domain_a.lower().rstrip(".") != domain_b.lower().rstrip("."):
        reasons.append("one domain, written in Unicode and in punycode" if domain_a.isascii() != domain_b.isascii() else "one domain, written differently")
    if ascii_a in matching.GMAIL_DOMAINS:
        (base_a, _, tag_a), (base_b, _, tag_b) = local_a.partition("+"), local_b.partition("+")
        if tag_a.lower() != tag_b.lower():
            reasons.append("Gmail ignores +tags")
        if base_a.lower() != base_b.lower() and "." in base_a + base_b:
            reasons.append("Gmail ignores dots")
        mailbox = bool(reasons) and reasons[-1].startswith("Gmail")
        local_a, local_b = base_a.replace(".", ""), base_b.replace(".", "")
    if local_a != local_b and local_a.lower() != local_b.lower():
        reasons.append("the same characters, composed differently")
    elif local_a != local_b or (domain_a != domain_b and domain_a.lower() == domain_b.lower()):
        reasons.append("upper and lower case are one")
    kind = "same mailbox" if mailbox else "same address"
    return f"{kind} as {where} ({'; '.join(reasons)})" if reasons else f"{kind} as {where}"
