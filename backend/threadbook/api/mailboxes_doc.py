"""OpenAPI paths and schemas of the mailbox sync routes (api/mailboxes.py)."""

from threadbook.api import openapi as doc

_STATUS = doc.ref("MailboxStatus")

OPENAPI_SCHEMAS = {
    "MailboxStatus": {
        "type": "object",
        "required": ["connected", "status", "messages_synced", "backfill_done", "needs_reconnect"],
        "properties": {
            "connected": {"type": "boolean"},
            "kind": {"type": ["string", "null"], "enum": ["oauth", "service_account", None]},
            "email": {"type": "string"},
            "status": {"type": "string", "enum": ["not_connected", "active", "syncing", "paused", "disabled", "needs_reconnect", "disconnected"]},
            "needs_reconnect": {"type": "boolean", "description": "Google refused the stored authorisation: connect again."},
            "sync_paused": {"type": "boolean"},
            "org_sync_enabled": {"type": "boolean"},
            "messages_synced": {"type": "integer", "description": "Messages sync has stored from this mailbox so far."},
            "backfill_done": {"type": "boolean", "description": "The first sync of the last backfill_days is complete."},
            "backfill_days": {"type": "integer"},
            "syncing": {"type": "boolean"},
            "last_synced_at": {"type": ["string", "null"], "format": "date-time"},
            "last_error": {"type": ["string", "null"]},
            "connected_at": {"type": ["string", "null"], "format": "date-time"},
            "last_reconciliation": {
                "oneOf": [doc.ref("MailboxReconciliation"), {"type": "null"}],
                "description": "The latest daily reconciliation (Gmail's ids of the last days against what sync stored); null before the first.",
            },
            "health": doc.ref("MailboxHealth"),
            "old_grant_revocation_pending": {
                "type": "boolean",
                "description": "A grant replaced by changing the mailbox could not be revoked at Google yet; it is retried hourly.",
            },
        },
    },
    "MailboxReconciliation": {
        "type": "object",
        "required": ["at", "days", "checked", "missing", "fetched", "stored", "outcome"],
        "properties": {
            "at": {"type": "string", "format": "date-time", "description": "When the run finished."},
            "days": {"type": "integer", "description": "How many days back Gmail's ids were listed (THREADBOOK_RECONCILE_DAYS)."},
            "checked": {"type": "integer", "description": "Message ids Gmail listed."},
            "missing": {"type": "integer", "description": "Of those, neither stored nor left out on purpose by sync before."},
            "fetched": {"type": "integer", "description": "Missing messages fetched (one deleted meanwhile is not)."},
            "stored": {"type": "integer", "description": "Fetched messages stored (the others were filtered as sync filters)."},
            "outcome": {"type": "string", "enum": ["reconciled", "error", "needs_reconnect"]},
            "error": {"type": ["string", "null"]},
        },
    },
    "MailboxHealth": {
        "type": "object",
        "description": "The mailbox's health in words a person can act on (sync/health.py).",
        "properties": {
            "state": {"type": "string"},
            "broken": {"type": "boolean", "description": "Needs reconnecting, or sync keeps failing."},
            "needs_reconnect": {"type": "boolean"},
            "message": {"type": ["string", "null"], "description": "e.g. 'Google revoked access on 3 March 2026: reconnect Gmail.'"},
            "action": {"type": ["string", "null"], "enum": ["reconnect", "connect", "ask_admin", "resume", "wait", None]},
            "last_success_at": {"type": ["string", "null"], "format": "date-time"},
            "last_error": {
                "type": ["object", "null"],
                "properties": {"message": {"type": "string"}, "detail": {"type": "string"}, "at": {"type": ["string", "null"], "format": "date-time"}},
            },
            "next_run_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "The next scheduled sync by the user's mail schedule; null when it is manual or the mailbox may not sync.",
            },
            "today": {
                "type": "object",
                "description": "Messages this UTC day: stored, filtered out (automated or blocked), failed (could not be labelled).",
                "properties": {"stored": {"type": "integer"}, "filtered": {"type": "integer"}, "failed": {"type": "integer"}},
            },
            "calendars": {"type": "array", "items": doc.ref("SyncedCalendar"), "description": "Each chosen calendar with its state, last sync and last error."},
            "push": {
                "type": "object",
                "description": "Gmail push (users.watch through Pub/Sub): off (not set up here), pending, watching, lapsed or error.",
                "required": ["state"],
                "properties": {
                    "state": {"type": "string", "enum": ["off", "pending", "watching", "lapsed", "error"]},
                    "expires_at": {"type": ["string", "null"], "format": "date-time"},
                    "last_push_at": {"type": ["string", "null"], "format": "date-time"},
                    "pushes": {"type": "integer"},
                    "error": {"type": ["string", "null"]},
                },
            },
        },
    },
    "ServiceAccount": {
        "type": "object",
        "properties": {
            "configured": {"type": "boolean"},
            "client_email": {"type": ["string", "null"]},
            "client_id": {"type": ["string", "null"], "description": "The id to allow for domain-wide delegation in the Admin console."},
        },
    },
}


def _op(summary, responses, body=None, admin=False):
    operation = {"summary": summary, "tags": ["sync"], "responses": responses}
    if body is not None:
        operation["requestBody"] = doc.json_body(body)
    if admin:
        operation["description"] = "Administrators only (403 for members)."
    return operation


OPENAPI_PATHS = {
    "/api/v1/mailbox": {
        "get": _op(
            "The caller's mailbox sync: status, progress, whether it needs reconnecting", {"200": doc.json_response("Status.", _STATUS), **doc.errors(401)}
        ),
        "delete": _op(
            "Disconnect the caller's mailbox: revoke and delete its credentials; logged mail stays",
            {"200": doc.json_response("Now disconnected.", _STATUS), **doc.errors(401, 404)},
        ),
    },
    "/api/v1/mailbox/connect/start": {
        "post": _op(
            "Start connecting the caller's mailbox (OAuth code with PKCE, offline access)",
            {
                "200": doc.json_response(
                    "Open authorization_url; Google redirects to redirect_uri with code and state.",
                    {
                        "type": "object",
                        "required": ["authorization_url", "state"],
                        "properties": {"authorization_url": {"type": "string"}, "state": {"type": "string"}, "redirect_uri": {"type": "string"}},
                    },
                ),
                **doc.errors(400, 401, 503),
            },
            body={"type": "object", "properties": {"redirect_uri": {"type": "string", "description": "Default: https://<extension id>.chromiumapp.org/"}}},
        )
    },
    "/api/v1/mailbox/connect/finish": {
        "post": _op(
            "Finish connecting: exchange the code, check it is the caller's mailbox, store the refresh token encrypted",
            {"200": doc.json_response("Connected; the first sync is queued.", _STATUS), **doc.errors(400, 401, 502, 503)},
            body={
                "type": "object",
                "required": ["code", "state", "redirect_uri"],
                "properties": {"code": {"type": "string"}, "state": {"type": "string"}, "redirect_uri": {"type": "string"}},
            },
        )
    },
    "/api/v1/mailbox/sync": {
        "post": _op(
            "Sync the caller's mailbox now",
            {
                "202": doc.json_response("Queued.", {"type": "object", "properties": {"queued": {"type": "boolean"}, "mailbox": _STATUS}}),
                **doc.errors(401, 404, 409, 503),
            },
        )
    },
    "/api/v1/mailbox/pause": {"post": _op("Pause the caller's sync", {"200": doc.json_response("Paused.", _STATUS), **doc.errors(401)})},
    "/api/v1/mailbox/resume": {"post": _op("Resume the caller's sync", {"200": doc.json_response("Resumed.", _STATUS), **doc.errors(401)})},
    "/api/v1/org/mailboxes": {
        "get": _op(
            "Every member's mailbox sync status",
            {
                "200": doc.json_response(
                    "Statuses.",
                    {
                        "type": "object",
                        "properties": {
                            "service_account": doc.ref("ServiceAccount"),
                            "mailboxes": {"type": "array", "items": {"allOf": [_STATUS, {"type": "object", "properties": {"user_id": {"type": "integer"}}}]}},
                        },
                    },
                ),
                **doc.errors(401, 403),
            },
            admin=True,
        ),
        "delete": _op(
            "Disconnect the organisation: every mailbox and the service account; logged mail stays",
            {"200": doc.json_response("Done.", {"type": "object", "properties": {"disconnected": {"type": "integer"}}}), **doc.errors(401, 403)},
            admin=True,
        ),
    },
    "/api/v1/org/service-account": {
        "get": _op(
            "Whether a service account is set (never the key)",
            {"200": doc.json_response("State.", doc.ref("ServiceAccount")), **doc.errors(401, 403)},
            admin=True,
        ),
        "put": _op(
            "Set the Workspace service account (domain-wide delegation) that syncs every member's mailbox",
            {"200": doc.json_response("Set; syncs are queued.", doc.ref("ServiceAccount")), **doc.errors(400, 401, 403, 502)},
            body={"type": "object", "required": ["key"], "properties": {"key": {"type": ["object", "string"], "description": "The JSON key file."}}},
            admin=True,
        ),
        "delete": _op("Remove the service account; its mailboxes stop syncing", {"204": {"description": "Removed."}, **doc.errors(401, 403)}, admin=True),
    },
}
