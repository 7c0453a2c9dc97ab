"""OpenAPI paths and schemas of the IMAP account routes (api/imap_accounts.py)."""

from threadbook.api import openapi as doc

_ACCOUNT = doc.ref("ImapAccount")
_FIELDS = {
    "host": {"type": "string", "maxLength": 253, "description": "The IMAP server, e.g. imap.fastmail.com or outlook.office365.com."},
    "port": {"type": "integer", "minimum": 1, "maximum": 65535, "description": "993 for tls, 143 for starttls."},
    "tls": {
        "type": "string",
        "enum": ["tls", "starttls", "none"],
        "description": "tls: implicit TLS; starttls; none: only to a loopback host, or where the server's operator allows plain IMAP.",
    },
    "username": {"type": "string", "maxLength": 254},
    "password": {"type": "string", "maxLength": 1000, "description": "An app password; stored encrypted, never returned."},
}

OPENAPI_SCHEMAS = {
    "ImapAccount": {
        "type": "object",
        "required": ["id", "host", "port", "tls", "username", "status", "needs_reconnect", "messages_synced"],
        "properties": {
            "id": {"type": "integer"},
            "user_id": {"type": "integer"},
            "user_email": {"type": "string", "description": "Administrators' list only."},
            "host": {"type": "string"},
            "port": {"type": "integer"},
            "tls": {"type": "string", "enum": ["tls", "starttls", "none"]},
            "username": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["active", "needs_reconnect", "error"],
                "description": "error: the last run failed; sync retries with back-off.",
            },
            "needs_reconnect": {"type": "boolean", "description": "The server refused the stored login: enter the password again (PATCH)."},
            "sync_paused": {"type": "boolean"},
            "messages_synced": {"type": "integer"},
            "syncing": {"type": "boolean"},
            "last_synced_at": {"type": ["string", "null"], "format": "date-time"},
            "last_error": {"type": ["string", "null"]},
            "last_error_at": {"type": ["string", "null"], "format": "date-time"},
            "folders": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "role": {"type": "string", "enum": ["inbox", "sent"]},
                        "name": {"type": "string"},
                        "last_synced_at": {"type": ["string", "null"], "format": "date-time"},
                    },
                },
            },
            "created_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
}


def _op(summary, responses, body=None, params=None, admin=False):
    operation = {"summary": summary, "tags": ["imap"], "responses": responses}
    if body is not None:
        operation["requestBody"] = doc.json_body(body)
    if params:
        operation["parameters"] = params
    if admin:
        operation["description"] = "Administrators only (403 for members)."
    return operation


_ID = [doc.path_id("id", "The IMAP account's id.")]
_LIST = {"type": "object", "properties": {"accounts": {"type": "array", "items": _ACCOUNT}}}

OPENAPI_PATHS = {
    "/api/v1/me/imap-accounts": {
        "get": _op("The caller's IMAP accounts and their sync state", {"200": doc.json_response("Accounts.", _LIST), **doc.errors(401)}),
        "post": _op(
            "Connect an IMAP account: the login is tried first, then saved (password encrypted) and the first sync queued",
            {"201": doc.json_response("Connected.", _ACCOUNT), **doc.errors(400, 401, 409)},
            body={"type": "object", "required": list(_FIELDS), "properties": _FIELDS},
        ),
    },
    "/api/v1/me/imap-accounts/{id}": {
        "get": _op("One of the caller's IMAP accounts", {"200": doc.json_response("The account.", _ACCOUNT), **doc.errors(401, 404)}, params=_ID),
        "patch": _op(
            "Change the server, login or password; verified by logging in before it is saved",
            {"200": doc.json_response("Changed; a sync is queued.", _ACCOUNT), **doc.errors(400, 401, 404, 409)},
            body={"type": "object", "properties": _FIELDS},
            params=_ID,
        ),
        "delete": _op("Remove the account and its password; logged mail stays", {"204": {"description": "Removed."}, **doc.errors(401, 404)}, params=_ID),
    },
    "/api/v1/me/imap-accounts/{id}/sync": {
        "post": _op(
            "Sync the account now",
            {
                "202": doc.json_response("Queued.", {"type": "object", "properties": {"queued": {"type": "boolean"}, "account": _ACCOUNT}}),
                **doc.errors(401, 404, 409),
            },
            params=_ID,
        )
    },
    "/api/v1/org/imap-accounts": {
        "get": _op(
            "Every member's IMAP accounts (state only, never a secret)", {"200": doc.json_response("Accounts.", _LIST), **doc.errors(401, 403)}, admin=True
        ),
    },
}
