"""New-mail notifications and the toolbar's alerts.

``GET /api/v1/notifications?cursor=&limit=`` lists the caller's notifications
newest first (``next_cursor`` pages on); ``POST /api/v1/notifications/read``
``{"ids": [...]}`` or ``{"all": true}`` marks them read; ``GET /api/v1/me/alerts``
is what the extension's service worker polls: whether the caller's sync is
broken or needs reconnecting, and how many notifications are unread. Who is
told what: mail/notifications.py.
"""

from flask import Blueprint, g, request

from threadbook.api import openapi as doc
from threadbook.api.params import boolean, json_body, query_int
from threadbook.crm.serializers import iso
from threadbook.errors import ApiError
from threadbook.mail import notifications
from threadbook.sync import mailboxes

bp = Blueprint("notifications", __name__)


def notification_json(row):
    return {
        "id": row.id,
        "kind": row.kind,
        "record": {"kind": row.record_kind, "id": row.record_id, "name": row.record_name},
        "email_id": row.email_id,
        "from_email": row.from_email,
        "subject": row.subject,
        "gmail_thread_id": row.gmail_thread_id,
        "created_at": iso(row.created_at),
        "read": row.read_at is not None,
    }


@bp.get("/notifications")
def list_notifications():
    raw = request.args.get("cursor") or None
    if raw is not None and not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise ApiError(400, "'cursor' must be the next_cursor of an earlier page.", field="cursor")
    limit = query_int("limit", 20, minimum=1, maximum=notifications.MAX_PAGE)
    rows, next_cursor = notifications.page(g.user, int(raw) if raw else None, limit)
    return {"items": [notification_json(r) for r in rows], "next_cursor": next_cursor, "unread": notifications.unread_count(g.user)}


@bp.post("/notifications/read")
def mark_read():
    body = json_body()
    everything = boolean(body, "all", default=False)
    ids = body.get("ids")
    if everything:
        changed = notifications.mark_read(g.user)
    elif isinstance(ids, list) and ids and len(ids) <= 500 and all(type(i) is int and 0 < i < 2**31 for i in ids):
        changed = notifications.mark_read(g.user, ids)
    else:
        raise ApiError(400, "Send 'ids' (a list of 1 to 500 notification ids) or 'all': true.", field="ids")
    return {"marked": changed, "unread": notifications.unread_count(g.user)}


@bp.get("/me/alerts")
def alerts():
    return mailboxes.alerts(g.user, g.org)


_NOTIFICATION = {
    "type": "object",
    "required": ["id", "kind", "record", "subject", "created_at", "read"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["new_mail"]},
        "record": {
            "type": "object",
            "properties": {"kind": {"type": "string", "enum": ["contact", "lead"]}, "id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "email_id": {"type": "integer"},
        "from_email": {"type": "string"},
        "subject": {"type": "string"},
        "gmail_thread_id": {"type": ["string", "null"], "description": "Open in Gmail: https://mail.google.com/mail/u/0/#all/<id>."},
        "created_at": {"type": "string", "format": "date-time"},
        "read": {"type": "boolean"},
    },
}
_SYNC_ALERT = {
    "type": "object",
    "properties": {
        "state": {"type": "string"},
        "broken": {"type": "boolean", "description": "Sync needs the user (reconnect) or keeps failing."},
        "needs_reconnect": {"type": "boolean"},
        "message": {"type": ["string", "null"], "description": "What happened and what to do, in words."},
        "action": {"type": ["string", "null"], "enum": ["reconnect", "connect", "ask_admin", "resume", "wait", None]},
    },
}

OPENAPI_SCHEMAS = {"Notification": _NOTIFICATION, "SyncAlert": _SYNC_ALERT}

OPENAPI_PATHS = {
    "/api/v1/notifications": {
        "get": {
            "summary": "Your new-mail notifications, newest first (a contact or lead you own wrote)",
            "tags": ["notifications"],
            "parameters": [
                doc.query("cursor", {"type": "string"}, "The next_cursor of the previous page."),
                doc.query("limit", {"type": "integer", "minimum": 1, "maximum": notifications.MAX_PAGE}, "Page size (default 20)."),
            ],
            "responses": {
                "200": doc.json_response(
                    "A page.",
                    {
                        "type": "object",
                        "required": ["items", "next_cursor", "unread"],
                        "properties": {
                            "items": {"type": "array", "items": doc.ref("Notification")},
                            "next_cursor": {"type": ["string", "null"]},
                            "unread": {"type": "integer"},
                        },
                    },
                ),
                **doc.errors(400, 401),
            },
        }
    },
    "/api/v1/notifications/read": {
        "post": {
            "summary": "Mark notifications read: some by id, or all",
            "tags": ["notifications"],
            "requestBody": doc.json_body(
                {"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 500}, "all": {"type": "boolean"}}}
            ),
            "responses": {
                "200": doc.json_response(
                    "How many changed, and how many are left unread.",
                    {"type": "object", "properties": {"marked": {"type": "integer"}, "unread": {"type": "integer"}}},
                ),
                **doc.errors(400, 401, 415),
            },
        }
    },
    "/api/v1/me/alerts": {
        "get": {
            "summary": "What the toolbar badge shows: is your sync broken or in need of reconnecting; unread notifications",
            "tags": ["notifications"],
            "responses": {
                "200": doc.json_response(
                    "Alerts.",
                    {
                        "type": "object",
                        "properties": {
                            "sync": doc.ref("SyncAlert"),
                            "notifications_enabled": {"type": "boolean"},
                            "unread_notifications": {"type": "integer"},
                        },
                    },
                ),
                **doc.errors(401),
            },
        }
    },
}
