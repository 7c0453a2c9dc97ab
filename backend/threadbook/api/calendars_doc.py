"""The OpenAPI description of the calendars a user syncs (api/calendars.py serves them)."""

from threadbook.api.google_answers import token_header_doc
from threadbook.api.openapi import errors, json_response, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.calendar.choices import CALENDAR_LIST_READONLY, MAX_CHOSEN

_token_header = token_header_doc(
    f"A Google access token that may read your calendar list ({CALENDAR_LIST_READONLY}); without it, the connected mailbox's grant when it includes that scope."
)
_ts_or_null = {"type": ["string", "null"], "format": "date-time"}

OPENAPI_SCHEMAS = {
    "SyncedCalendar": {
        "type": "object",
        "required": ["id", "summary", "primary", "selected", "state", "listed", "last_synced_at", "last_error", "last_error_at"],
        "properties": {
            "id": {"type": "string", "description": 'Google\'s calendar id; "primary" for your own calendar.'},
            "summary": {"type": "string", "description": "The calendar's name in Google (your own name for it, if you gave one)."},
            "primary": {"type": "boolean"},
            "access_role": {"type": ["string", "null"], "enum": ["owner", "writer", "reader", None], "description": "What Google lets you do in it."},
            "color": {"type": ["string", "null"], "description": "Its colour in Google Calendar (#rrggbb), when listed."},
            "listed": {"type": ["boolean", "null"], "description": "Google's list still has it; null when the list could not be read."},
            "selected": {"type": "boolean", "description": "Its Blueberry events become meetings."},
            "state": {
                "enum": ["ok", "failing", "never_synced", "not_selected"],
                "description": "failing: its last sync failed and last_error says what to do.",
            },
            "last_synced_at": {**_ts_or_null, "description": "The last sync that worked."},
            "last_error": {"type": ["string", "null"], "description": "The last failure, in a sentence saying what to do (kept after a later success)."},
            "last_error_at": _ts_or_null,
        },
    },
    "CalendarChoices": {
        "type": "object",
        "required": ["calendars", "choosing"],
        "properties": {
            "calendars": {
                "type": "array",
                "items": ref("SyncedCalendar"),
                "description": "Google's list (primary first) and then calendars chosen earlier that it no longer has; only the stored ones when the list could not be read.",
            },
            "choosing": {
                "type": "object",
                "required": ["available", "error", "message", "scope"],
                "properties": {
                    "available": {"type": "boolean", "description": "Google's calendar list was read: calendars may be chosen."},
                    "error": {
                        "type": ["string", "null"],
                        "enum": ["google_scope_required", "google_token_required", "google_reauth_required", "google_unavailable", None],
                    },
                    "message": {"type": ["string", "null"], "description": "Why the list is not there, and what to allow."},
                    "scope": {"type": "string", "description": "The scope to ask Google for to choose calendars."},
                },
            },
        },
    },
}

OPENAPI_PATHS = {
    "/api/v1/calendars": {
        "get": {
            "summary": "Your Google calendars: which ones sync, and each one's last success and error",
            "description": "Always answers with the calendars Threadbook stores (your primary one at least) and their health; "
            "with Google's calendar list when your access may read it, else `choosing` says what to allow.",
            "tags": ["meetings"],
            "parameters": [_token_header],
            "responses": {"200": json_response("Your calendars.", ref("CalendarChoices")), **errors(400, 401)},
        }
    },
    "/api/v1/calendars/selection": {
        "put": {
            "summary": "Choose the calendars whose Blueberry events become meetings",
            "description": "Only calendars on your Google calendar list that you may read. A calendar no longer chosen keeps its meetings. "
            f"Needs your calendar list: 403 google_scope_required (with `scope`: {CALENDAR_LIST_READONLY}) without it.",
            "tags": ["meetings"],
            "parameters": [_token_header],
            "requestBody": body_schema(
                {
                    "type": "object",
                    "required": ["calendar_ids"],
                    "properties": {
                        "calendar_ids": {
                            "type": "array",
                            "maxItems": MAX_CHOSEN,
                            "items": {"type": "string", "minLength": 1, "maxLength": 255},
                            "description": 'Google\'s ids ("primary" for your own); an empty list syncs no calendar.',
                        }
                    },
                }
            ),
            "responses": {"200": json_response("Your calendars, as chosen.", ref("CalendarChoices")), **errors(400, 401, 403, 503)},
        }
    },
}
