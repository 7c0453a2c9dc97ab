"""Write a batch of checked rows in one short write transaction, a few statements whatever its size.

Inside the transaction the batch's addresses are read again (another writer may
have added one since the check), the companies it needs are found or created
in bulk (by registrable domain, else by name), the contacts are inserted with
one multi-row INSERT ... RETURNING, and their addresses with one INSERT that
skips an address already taken (ON CONFLICT DO NOTHING / INSERT OR IGNORE).
A contact whose address was taken meanwhile (PostgreSQL, where the read does
not hold the table) is deleted again in the same transaction, so nothing is
half-written and nobody's address is ever shared.

Ids come back from RETURNING in an unspecified order; a multi-row INSERT
assigns them in the order of its rows (SQLite's rowid under the write lock,
PostgreSQL's sequence row by row), so sorted ids pair with the rows in order.
"""

from threadbook import matching
from threadbook.crm.import_rows import holders
from threadbook.crm.import_sql import insert_rows, select_in
from threadbook.db import write_transaction
from threadbook.models import Company, CompanyDomain, Contact, ContactAddress, utcnow


def write_batch(org_id, rows):
    """Write [import_rows.Row] as contacts; return ([rows written], [(row, holder) taken meanwhile])."""
    with write_transaction():
        held = holders(org_id, [r.normalized for r in rows])
        fresh = [r for r in rows if r.normalized not in held]
        raced = [(r, held[r.normalized]) for r in rows if r.normalized in held]
        if not fresh:
            return [], raced
        now = utcnow()
        companies = _companies(org_id, fresh, now)
        contact_ids = _insert_returning(
            Contact,
            ("org", "name", "name_lower", "title", "phone", "company", "owner", "created_at", "updated_at"),
            [(org_id, r.name, r.name.lower(), r.title, r.phone, companies.get(r.line), r.owner_id, now, now) for r in fresh],
        )
        addresses = [(org_id, cid, r.email, r.normalized, True) for r, cid in zip(fresh, contact_ids, strict=True)]
        kept = set(insert_rows(ContactAddress, ("org", "contact", "email", "email_normalized", "is_primary"), addresses, "contact", ignore_conflicts=True))
        lost = [cid for cid in contact_ids if cid not in kept]
        if lost:
            Contact.delete().where(Contact.id.in_(lost)).execute()
            taken = holders(org_id, [r.normalized for r, cid in zip(fresh, contact_ids, strict=True) if cid in lost])
            raced += [(r, taken.get(r.normalized, ("contact", "", r.email))) for r, cid in zip(fresh, contact_ids, strict=True) if cid in lost]
        return [r for r, cid in zip(fresh, contact_ids, strict=True) if cid in kept], raced


def _insert_returning(model, names, rows):
    """Insert rows with one statement; return their ids in the order of ``rows``."""
    ids = sorted(insert_rows(model, names, rows, "id"))
    if len(ids) != len(rows):
        raise RuntimeError(f"inserted {len(ids)} {model.__name__} rows of {len(rows)}")
    return ids


def _companies(org_id, rows, now):
    """Return {row line: company id} for rows with a company: by their address's registrable domain, else by the name given."""
    by_domain, by_name, key_of = {}, {}, {}
    for r in rows:
        domain = r.company_domain
        if domain:
            key_of[r.line] = ("domain", domain)
            if domain not in by_domain or (r.company and not by_domain[domain][0]):
                by_domain[domain] = (r.company, r.owner_id)
        elif r.company:
            key_of[r.line] = ("name", r.company.lower())
            by_name.setdefault(r.company.lower(), (r.company, r.owner_id))
    found = {}
    if by_domain:
        found.update(_by_domain(org_id, by_domain, now))
    if by_name:
        found.update(_by_name(org_id, by_name, now))
    return {line: found[key] for line, key in key_of.items() if key in found}


_DOMAINS = 'SELECT domain, company_id FROM "company_domain" WHERE org_id = {org} AND domain IN ({values})'
_NAMES = 'SELECT id, name_lower FROM "company" WHERE org_id = {org} AND name_lower IN ({values}) ORDER BY id'
_COMPANY = ("org", "name", "name_lower", "owner", "created_at", "updated_at")


def _existing_domains(org_id, domains):
    return {("domain", domain): company_id for domain, company_id in select_in(_DOMAINS, org_id, list(domains))}


def _by_domain(org_id, wanted, now):
    """Companies for {domain: (name or None, owner id)}, created (named, or named after the domain) when missing."""
    found = _existing_domains(org_id, wanted)
    missing = [d for d in wanted if ("domain", d) not in found]
    if not missing:
        return found
    names = [wanted[d][0] or matching.guess_company_name(d) for d in missing]
    ids = _insert_returning(Company, _COMPANY, [(org_id, name, name.lower(), wanted[d][1], now, now) for d, name in zip(missing, names, strict=True)])
    rows = [(org_id, cid, d) for d, cid in zip(missing, ids, strict=True)]
    kept = set(insert_rows(CompanyDomain, ("org", "company", "domain"), rows, "company", ignore_conflicts=True))
    lost = [cid for cid in ids if cid not in kept]
    if lost:  # another writer gave the domain a company meanwhile: use theirs
        Company.delete().where(Company.id.in_(lost)).execute()
    found.update(_existing_domains(org_id, missing))
    return found


def _by_name(org_id, wanted, now):
    """Companies for {name in lower case: (name, owner id)} without a domain: the oldest of that name, else a new one."""
    found = {}
    for company_id, name_lower in select_in(_NAMES, org_id, list(wanted)):
        found.setdefault(("name", name_lower), company_id)
    missing = [n for n in wanted if ("name", n) not in found]
    ids = _insert_returning(Company, _COMPANY, [(org_id, wanted[n][0], n, wanted[n][1], now, now) for n in missing])
    found.update({("name", n): cid for n, cid in zip(missing, ids, strict=True)})
    return found
