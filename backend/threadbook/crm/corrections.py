"""Match corrections: "this address is not that contact, lead or company", said once for the whole organisation.

A member who sees a wrong match in the panel records a correction; from then
on, for everyone in the organisation, the lookup (participants.py) no longer
matches that address to that record and falls through to what else matches
(a lead, the company by domain, or nobody), and the record's timeline
(timeline.py) no longer shows mail or meetings that reached it only through
that address. An address is the same when it is the same as written (letter
case aside) or has the same normalised key (matching.py), so Gmail's dots and
+tags do not get around a correction.

Its creator or an administrator removes a correction; both writes are audited
(``match.corrected``, ``match.correction_removed``). A correction goes with
its record when the record is deleted.
"""

from collections import defaultdict

from threadbook import audit, hot_sql
from threadbook.crm import serializers
from threadbook.crm.errors import NotAllowed
from threadbook.crm.records import get_in_org
from threadbook.db import write_transaction
from threadbook.identity import access
from threadbook.models import Company, Contact, Lead, MatchCorrection

MODELS = {"contact": Contact, "lead": Lead, "company": Company}


def _record_of(correction):
    return {"contact": correction.contact_id, "lead": correction.lead_id, "company": correction.company_id}[correction.kind]


def create(user, address, normalized, kind, record):
    """Record that ``address`` (as written, with its normalised key) is not ``record`` (a ``kind``); return (correction, created).

    The same correction said twice is one: the existing one comes back.
    """
    lower = address.strip().lower()
    with write_transaction():
        existing = (
            MatchCorrection.select()
            .where(
                (MatchCorrection.org == user.org_id)
                & (MatchCorrection.address_normalized == normalized)
                & (MatchCorrection.kind == kind)
                & (getattr(MatchCorrection, kind) == record.id)
            )
            .first()
        )
        if existing is not None:
            return existing, False
        correction = MatchCorrection.create(
            org=user.org_id,
            address=address.strip(),
            address_lower=lower,
            address_normalized=normalized,
            kind=kind,
            created_by=user.id,
            **{kind: record.id},
        )
        audit.record("match.corrected", org=user.org_id, user=user.id, correction_id=correction.id, address=correction.address, kind=kind, record_id=record.id)
    return correction, True


def remove(user, correction_id):
    """Remove a correction of the user's organisation: its creator or an administrator (NotAllowed otherwise)."""
    with write_transaction():
        correction = get_in_org(MatchCorrection, correction_id, user.org_id, "match correction", lock=True)
        if not access.can_remove_correction(user, correction):
            raise NotAllowed("Only the person who made this correction or an administrator can remove it.")
        correction.delete_instance()
        audit.record(
            "match.correction_removed",
            org=user.org_id,
            user=user.id,
            correction_id=correction.id,
            address=correction.address,
            kind=correction.kind,
            record_id=_record_of(correction),
            created_by_id=correction.created_by_id,
        )


def listed(org_id):
    """The organisation's corrections, newest first (a query the API pages through)."""
    return MatchCorrection.select().where(MatchCorrection.org == org_id).order_by(MatchCorrection.id.desc())


def present(corrections):
    """Serialise corrections with their record's name and their creator, in a fixed number of queries."""
    ids = defaultdict(set)
    for c in corrections:
        ids[c.kind].add(_record_of(c))
    names = {}
    for kind, record_ids in ids.items():
        model = MODELS[kind]
        for record_id, name in model.select(model.id, model.name).where(model.id.in_(record_ids)).tuples():
            names[kind, record_id] = name
    users = serializers.load_user_summaries(c.created_by_id for c in corrections)
    return [
        {
            "id": c.id,
            "address": c.address,
            "kind": c.kind,
            "record": {"id": _record_of(c), "name": names.get((c.kind, _record_of(c)), "")},
            "created_by": users.get(c.created_by_id),
            "created_at": serializers.iso(c.created_at),
        }
        for c in corrections
    ]


def excluded_for(org_id, addresses):
    """For [(as written, normalised)] participants: {normalised: {(kind, record id)}} the organisation ruled out."""
    if not addresses:
        return {}
    keys = sorted({normalized for _, normalized in addresses})
    lowers = sorted({written.strip().lower() for written, _ in addresses})
    # By hand like the lookup's other queries (lookup_queries.py): the panel asks on every thread.
    sql = (
        "SELECT address_lower, address_normalized, kind, contact_id, lead_id, company_id FROM match_correction "
        "WHERE org_id = ? AND (address_normalized IN [?] OR address_lower IN [?])"
    )
    rows = hot_sql.fetch(sql, [org_id, keys, lowers])
    by_key, by_lower = defaultdict(set), defaultdict(set)
    for lower, normalized, kind, contact_id, lead_id, company_id in rows:
        ruled_out = (kind, {"contact": contact_id, "lead": lead_id, "company": company_id}[kind])
        by_key[normalized].add(ruled_out)
        by_lower[lower].add(ruled_out)
    found = {}
    for written, normalized in addresses:
        ruled_out = by_key.get(normalized, set()) | by_lower.get(written.strip().lower(), set())
        if ruled_out:
            found[normalized] = ruled_out
    return found


def ruled_out_addresses(org_id, kind, record_id):
    """(normalised keys, lower-cased spellings) of the addresses corrected away from one record."""
    rows = (
        MatchCorrection.select(MatchCorrection.address_normalized, MatchCorrection.address_lower)
        .where((MatchCorrection.org == org_id) & (MatchCorrection.kind == kind) & (getattr(MatchCorrection, kind) == record_id))
        .tuples()
    )
    keys, lowers = set(), set()
    for normalized, lower in rows:
        keys.add(normalized)
        lowers.add(lower)
    return keys, lowers


def is_ruled_out(written, normalized, ruled_out):
    """Whether an address of a record is among ``ruled_out`` (from ruled_out_addresses)."""
    keys, lowers = ruled_out
    return normalized in keys or written.strip().lower() in lowers
