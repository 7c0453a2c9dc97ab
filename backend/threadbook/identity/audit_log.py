"""Read the organisation's audit log: newest first, narrowed by filters, paged back by id.

The log's one writer is ``threadbook.audit``; this module only reads it, for
the administrators' ``GET /api/v1/org/audit``. Only the organisation's own
entries are ever read: a filter naming another organisation's person finds nothing.
"""

from dataclasses import dataclass

from peewee import fn

from threadbook.models import AuditLog, User


@dataclass(frozen=True)
class AuditFilters:
    """What to keep: ``action`` (exact, or a family such as ``member.*``), its author, a time range (naive UTC, ``until`` excluded)."""

    action: str | None = None
    user_id: int | None = None
    since: object = None
    until: object = None


def audit_page(org, limit, before_id=None, filters=AuditFilters()):
    """Return (entries newest first, {user id: User} of their authors, the id to page back from or None)."""
    query = AuditLog.select().where(AuditLog.org == org.id)
    if before_id is not None:
        query = query.where(AuditLog.id < before_id)
    if filters.action is not None:
        if filters.action.endswith(".*"):
            family = filters.action[:-1]  # "member." (compared as text: LIKE would read "_" as a wildcard)
            query = query.where(fn.SUBSTR(AuditLog.action, 1, len(family)) == family)
        else:
            query = query.where(AuditLog.action == filters.action)
    if filters.user_id is not None:
        query = query.where(AuditLog.user == filters.user_id)
    if filters.since is not None:
        query = query.where(AuditLog.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditLog.created_at < filters.until)
    rows = list(query.order_by(AuditLog.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    people = {u.id: u for u in User.select(User.id, User.email, User.name).where(User.id.in_({r.user_id for r in rows if r.user_id}))}
    return rows, people, rows[-1].id if more else None
