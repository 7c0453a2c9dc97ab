"""The organisation's audit log for administrators: ``GET /api/v1/org/audit``, filtered and paged.

Newest first; page back with ``before_id`` (the previous page's
``next_before_id``). Filters, each optional and checked (400 naming the field):
``action`` (``member.role_changed``, or a family ``member.*``), ``user_id``
(who did it), ``since`` and ``until`` (a date ``2026-03-02``, read in UTC, or
a date-time with an offset; ``since`` is included, ``until`` is not, and an
``until`` date includes that whole day). identity/audit_log.py reads the log.
"""

import datetime
import re

from flask import Blueprint, g, request

from threadbook.api import openapi as doc
from threadbook.api.authentication import admin_required
from threadbook.api.params import query_int
from threadbook.crm.serializers import iso
from threadbook.errors import ApiError
from threadbook.identity.audit_log import AuditFilters, audit_page

bp = Blueprint("org_audit", __name__)

_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?")


@bp.get("/org/audit")
@admin_required
def list_audit():
    limit = query_int("limit", 50, minimum=1, maximum=200)
    before_id = query_int("before_id", None, minimum=1)
    rows, people, next_before_id = audit_page(g.org, limit, before_id, _filters())
    return {"entries": [_audit_json(r, people.get(r.user_id)) for r in rows], "next_before_id": next_before_id}


def _filters():
    args = request.args
    action = args.get("action") or None
    if action is not None and (len(action) > 64 or not _ACTION.fullmatch(action)):
        raise ApiError(400, "'action' must be an action such as member.role_changed, or a family such as member.*.", field="action")
    user_id = args.get("user_id") or None
    if user_id is not None:
        if not (user_id.isascii() and user_id.isdigit()) or int(user_id) < 1:
            raise ApiError(400, "'user_id' must be the id of a member.", field="user_id")
        user_id = int(user_id)
    since, until = _instant("since"), _instant("until", end_of_day=True)
    if since is not None and until is not None and until <= since:
        raise ApiError(400, "'until' must be after 'since'.", field="until")
    return AuditFilters(action=action, user_id=user_id, since=since, until=until)


def _instant(name, end_of_day=False):
    """Query parameter ``name`` as a naive UTC datetime: a date (its start, or the next day's for ``end_of_day``) or a date-time with an offset."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    wrong = ApiError(400, f"'{name}' must be a date like 2026-03-02 or a date and time like 2026-03-02T10:00:00Z.", field=name)
    try:
        if len(raw) == 10:
            day = datetime.date.fromisoformat(raw)
            start = datetime.datetime.combine(day, datetime.time())
            return start + datetime.timedelta(days=1) if end_of_day else start
        parsed = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError):
        raise wrong from None
    if parsed.tzinfo is None:
        raise ApiError(400, f"'{name}' needs a UTC offset (Z or +01:00): a bare time is ambiguous.", field=name)
    try:
        return parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    except OverflowError:
        raise wrong from None


def _audit_json(row, user):
    return {
        "id": row.id,
        "action": row.action,
        "detail": row.detail,
        "user": {"id": user.id, "email": user.email, "name": user.name} if user else None,
        "ip": row.ip,
        "created_at": iso(row.created_at),
    }


OPENAPI_PATHS = {
    "/api/v1/org/audit": {
        "get": {
            "summary": "The audit log, newest first, filtered",
            "description": "Administrators only (403 for members). Sign-ins, refused sign-ins, administrators' changes, "
            "reassigned and deleted records. Bad filters are 400 naming the field.",
            "tags": ["org"],
            "parameters": [
                doc.query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Entries per page (default 50)."),
                doc.query("before_id", {"type": "integer", "minimum": 1}, "Entries older than this id (next_before_id)."),
                doc.query("action", {"type": "string", "maxLength": 64}, "Only this action (member.role_changed), or a family (member.*)."),
                doc.query("user_id", {"type": "integer", "minimum": 1}, "Only entries by this member."),
                doc.query(
                    "since",
                    {"type": "string", "description": "2026-03-02 (UTC) or 2026-03-02T10:00:00+01:00"},
                    "Entries at or after this date or instant.",
                ),
                doc.query(
                    "until",
                    {"type": "string", "description": "2026-03-02 (UTC) or 2026-03-02T10:00:00+01:00"},
                    "Entries before this instant; a date includes that whole day.",
                ),
            ],
            "responses": {
                "200": doc.json_response(
                    "A page of entries.",
                    {
                        "type": "object",
                        "properties": {
                            "entries": {"type": "array", "items": doc.ref("AuditEntry")},
                            "next_before_id": {"type": ["integer", "null"]},
                        },
                    },
                ),
                **doc.errors(400, 403),
            },
        }
    },
}

OPENAPI_SCHEMAS = {
    "AuditEntry": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "action": {"type": "string", "description": "signin, signin.refused, org.updated, member.role_changed, ..."},
            "detail": {"type": "object"},
            "user": {"type": ["object", "null"]},
            "ip": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
        },
    }
}
