"""Turn records into the JSON shapes the API answers with.

Serializers never query: related rows (owners, addresses, companies) are
loaded in batches by the caller and passed in, so a list of fifty records
costs a handful of queries, not fifty. The shapes are documented as OpenAPI
schemas in ``SCHEMAS`` below; the API modules refer to them by name.
"""

import datetime
import decimal

from threadbook.identity import access
from threadbook.models import User


def iso(value):
    """Return an RFC 3339 timestamp (naive datetimes are UTC) or a date, or None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        # Raw SQLite rows hand dates back as stored text: "2026-01-02 12:00:00[.ffffff]" or "2026-01-02".
        return value if len(value) == 10 else value.replace(" ", "T", 1) + "Z"
    return str(value)


def load_user_summaries(user_ids):
    """Return {id: user summary} for the given ids (one query)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    rows = User.select(User.id, User.name, User.email).where(User.id.in_(ids)).tuples()
    return {uid: {"id": uid, "name": name, "email": email} for uid, name, email in rows}


def user(u):
    return {"id": u.id, "name": u.name, "email": u.email, "role": u.role}


def company_summary(c):
    if c is None:
        return None
    return {"id": c.id, "name": c.name, "industry": c.industry}


def company(c, domains, users=None):
    return {
        "id": c.id,
        "name": c.name,
        "industry": c.industry,
        "domains": sorted(domains),
        "owner": (users or {}).get(c.owner_id),
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    }


def contact(c, addresses, company=None, users=None):
    """``addresses`` are the contact's ContactAddress rows, primary first."""
    return {
        "id": c.id,
        "name": c.name,
        "title": c.title,
        "phone": c.phone,
        "emails": [{"email": a.email, "primary": bool(a.is_primary)} for a in addresses],
        "company": company_summary(company),
        "owner": (users or {}).get(c.owner_id),
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    }


def lead(lead_row, users=None):
    return {
        "id": lead_row.id,
        "name": lead_row.name,
        "email": lead_row.email,
        "title": lead_row.title,
        "company_name": lead_row.company_name,
        "status": lead_row.status,
        "owner": (users or {}).get(lead_row.owner_id),
        "converted_contact_id": lead_row.converted_contact_id,
        "converted_at": iso(lead_row.converted_at),
        "created_at": iso(lead_row.created_at),
        "updated_at": iso(lead_row.updated_at),
    }


def amount(value):
    """Money as a decimal string ("48000.00"), exact unlike a JSON number."""
    # str() first: raw SQLite rows give an int, a float or text for a DECIMAL column.
    return None if value is None else f"{decimal.Decimal(str(value)):.2f}"


def deal(d, users=None):
    return {
        "id": d.id,
        "name": d.name,
        "stage": d.stage,
        "status": d.status,
        "amount": amount(d.amount),
        "currency": d.currency,
        "close_date": iso(d.close_date),
        "company_id": d.company_id,
        "contact_id": d.contact_id,
        "owner": (users or {}).get(d.owner_id),
        "created_at": iso(d.created_at),
        "updated_at": iso(d.updated_at),
    }


def note(n, users=None):
    return {
        "id": n.id,
        "body": n.body,
        "author": (users or {}).get(n.author_id),
        "contact_id": n.contact_id,
        "lead_id": n.lead_id,
        "thread_id": n.gmail_thread_id,
        "created_at": iso(n.created_at),
    }


def email(e, viewer, users=None):
    """A logged email as ``viewer`` may see it: in full, or only who, when and the subject.

    ``users`` is {id: user summary} for its owner and who logged it (``load_user_summaries``; ``emails`` loads it).
    """
    content_visible = access.readable_in_full(viewer, e)
    users = users or {}
    return {
        "id": e.id,
        "subject": e.subject,
        "from": {"name": e.from_name, "email": e.from_email},
        "to": list(e.to or []),
        "cc": list(e.cc or []),
        "date": iso(e.date),
        "snippet": e.snippet if content_visible else None,
        "body": e.body if content_visible else None,
        "redacted": not content_visible,
        # No-copy mode left the content (and maybe the subject) in Gmail: GET /emails/<id>/content reads it live.
        "content_stored": e.content_stored,
        "subject_stored": e.subject_stored,
        "visibility": e.visibility,
        "can_change_visibility": access.can_change_visibility(viewer, e),
        "can_unlog": access.can_unlog(viewer, e),
        "owner_id": e.owner_id,
        "owner": users.get(e.owner_id),
        "logged_by_id": e.logged_by_id,
        "logged_by": users.get(e.logged_by_id),
        "deal_id": e.deal_id,
        "source": e.source,
        "gmail_thread_id": e.gmail_thread_id,
        # Meaningful in its owner's mailbox only: the panel unlogs the messages it just logged by it.
        "gmail_message_id": e.gmail_message_id if e.owner_id == viewer.id else None,
        "created_at": iso(e.created_at),
    }


def emails(rows, viewer):
    """Serialise several emails, loading their owners and loggers in one query."""
    rows = list(rows)
    users = load_user_summaries([e.owner_id for e in rows] + [e.logged_by_id for e in rows])
    return [email(e, viewer, users) for e in rows]


def deal_summary(d):
    """A deal as mail names it: id, name, stage, status (or None)."""
    if d is None:
        return None
    return {"id": d.id, "name": d.name, "stage": d.stage, "status": d.status}


def meeting(m, attendees):
    return {
        "id": m.id,
        "title": m.title,
        "description": m.description,
        "location": m.location,
        "start": iso(m.start),
        "end": iso(m.end),
        "status": m.status,
        "source": m.source,
        "owner_id": m.owner_id,
        "attendees": [{"email": a.address, "name": a.name, "response_status": a.response_status} for a in attendees],
    }


# OpenAPI 3.1 (JSON Schema 2020-12) descriptions of the shapes above.
_str = {"type": "string"}
_nstr = {"type": ["string", "null"]}
_nint = {"type": ["integer", "null"]}
_ts = {"type": "string", "format": "date-time"}
_nts = {"type": ["string", "null"], "format": "date-time"}
_person = {
    "type": "object",
    "required": ["name", "email"],
    "properties": {"name": _str, "email": _str},
}
_user_summary = {
    "type": ["object", "null"],
    "required": ["id", "name", "email"],
    "properties": {"id": {"type": "integer"}, "name": _str, "email": _str},
}


def _obj(properties, required=None):
    return {"type": "object", "required": required or list(properties), "properties": properties}


SCHEMAS = {
    "UserSummary": _user_summary,
    "User": _obj({"id": {"type": "integer"}, "name": _str, "email": _str, "role": {"enum": ["admin", "member"]}}),
    "CompanySummary": _obj({"id": {"type": "integer"}, "name": _str, "industry": _nstr}),
    "Company": _obj(
        {
            "id": {"type": "integer"},
            "name": _str,
            "industry": _nstr,
            "domains": {"type": "array", "items": _str},
            "owner": {"$ref": "#/components/schemas/UserSummary"},
            "created_at": _ts,
            "updated_at": _ts,
        }
    ),
    "Contact": _obj(
        {
            "id": {"type": "integer"},
            "name": _str,
            "title": _nstr,
            "phone": _nstr,
            "emails": {
                "type": "array",
                "items": _obj({"email": _str, "primary": {"type": "boolean"}}),
            },
            "company": {"oneOf": [{"$ref": "#/components/schemas/CompanySummary"}, {"type": "null"}]},
            "owner": {"$ref": "#/components/schemas/UserSummary"},
            "created_at": _ts,
            "updated_at": _ts,
        }
    ),
    "Lead": _obj(
        {
            "id": {"type": "integer"},
            "name": _str,
            "email": _str,
            "title": _nstr,
            "company_name": _nstr,
            "status": {"enum": ["new", "contacted", "qualified", "converted", "disqualified"]},
            "owner": {"$ref": "#/components/schemas/UserSummary"},
            "converted_contact_id": _nint,
            "converted_at": _nts,
            "created_at": _ts,
            "updated_at": _ts,
        }
    ),
    "Deal": _obj(
        {
            "id": {"type": "integer"},
            "name": _str,
            "stage": _str,
            "status": {"enum": ["open", "won", "lost"]},
            "amount": {"type": ["string", "null"], "pattern": r"^-?\d+\.\d{2}$"},
            "currency": _str,
            "close_date": {"type": ["string", "null"], "format": "date"},
            "company_id": _nint,
            "contact_id": _nint,
            "owner": {"$ref": "#/components/schemas/UserSummary"},
            "created_at": _ts,
            "updated_at": _ts,
        }
    ),
    "DealSummary": _obj({"id": {"type": "integer"}, "name": _str, "stage": _str, "status": {"enum": ["open", "won", "lost"]}}),
    "Note": _obj(
        {
            "id": {"type": "integer"},
            "body": _str,
            "author": {"$ref": "#/components/schemas/UserSummary"},
            "contact_id": _nint,
            "lead_id": _nint,
            "thread_id": _nstr,
            "created_at": _ts,
        }
    ),
    "Email": _obj(
        {
            "id": {"type": "integer"},
            "subject": _str,
            "from": _person,
            "to": {"type": "array", "items": _person},
            "cc": {"type": "array", "items": _person},
            "date": _ts,
            "snippet": {"type": ["string", "null"], "description": "null when you may see only who, when and the subject"},
            "body": {"type": ["string", "null"], "description": "null when redacted or when the organisation stores no bodies"},
            "redacted": {"type": "boolean"},
            "content_stored": {
                "type": "boolean",
                "description": "false when no-copy mode kept no body or snippet: read them live with GET /api/v1/emails/{id}/content",
            },
            "subject_stored": {"type": "boolean", "description": "false when no-copy mode kept no subject (subject is then empty)"},
            "visibility": {
                "enum": ["private", "team_metadata", "team_full"],
                "description": "Who sees this copy: its owner only, the team as who/when/subject, or the team in full.",
            },
            "can_change_visibility": {"type": "boolean", "description": "Whether you may change its visibility (its owner, or an admin)."},
            "can_unlog": {"type": "boolean", "description": "Whether you may unlog it (its owner, or an admin)."},
            "owner_id": {"type": ["integer", "null"], "description": "Whose copy this is: the mailbox, dropbox or sent mail it came from."},
            "owner": {"$ref": "#/components/schemas/UserSummary"},
            "logged_by_id": _nint,
            "logged_by": {"$ref": "#/components/schemas/UserSummary", "description": "Who logged it; null when it came by itself (mail sync)."},
            "deal_id": {"type": ["integer", "null"], "description": "The deal it was logged to, if any."},
            "source": {"enum": ["manual", "sync", "dropbox", "sent"]},
            "gmail_thread_id": _nstr,
            "gmail_message_id": {
                "type": ["string", "null"],
                "description": "Its Gmail message id in your mailbox (what message_ids name when logging or unlogging a thread); null for others' copies.",
            },
            "created_at": _ts,
        }
    ),
    "Meeting": _obj(
        {
            "id": {"type": "integer"},
            "title": _str,
            "description": _str,
            "location": _str,
            "start": _ts,
            "end": _ts,
            "status": _str,
            "source": _str,
            "owner_id": _nint,
            "attendees": {
                "type": "array",
                "items": _obj({"email": _str, "name": _str, "response_status": _str}),
            },
        }
    ),
}
