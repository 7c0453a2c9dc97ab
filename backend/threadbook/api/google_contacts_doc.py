"""The OpenAPI description of copying CRM contacts to Google Contacts (api/google_contacts.py)."""

from threadbook.api.openapi import errors, json_body, json_response, path_id, ref
from threadbook.contacts_sync.choice import connect_scopes
from threadbook.models import CONTACTS_FILTERS

_ts_or_null = {"type": ["string", "null"], "format": "date-time"}
CONTACTS = connect_scopes()[0]
_TAGS = ["sync"]

OPENAPI_SCHEMAS = {
    "GoogleContactsConflict": {
        "type": "object",
        "required": ["id", "contact_id", "contact_name", "at", "google"],
        "properties": {
            "id": {"type": "integer", "description": "The conflict's id, to settle it."},
            "contact_id": {"type": "integer"},
            "contact_name": {"type": "string"},
            "at": _ts_or_null,
            "google": {
                "type": "object",
                "description": "What the contact holds in Google now (kept; the CRM's change was not written).",
                "properties": {
                    "name": {"type": "string"},
                    "emails": {"type": "array", "items": {"type": "string"}},
                    "phones": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
    "GoogleContactsChoice": {
        "type": "object",
        "required": ["enabled", "filter", "filter_value", "filters", "granted", "state", "counts", "conflicts"],
        "properties": {
            "enabled": {"type": "boolean", "description": "Your CRM contacts are copied to your Google Contacts."},
            "filter": {
                "enum": list(CONTACTS_FILTERS),
                "description": "mine: contacts you own; all: every contact you may see; company / owner: one company's or one colleague's.",
            },
            "filter_value": {"type": ["integer", "null"], "description": "The company's or the owner's id."},
            "filters": {"type": "array", "items": {"type": "string"}},
            "granted": {"type": "boolean", "description": f"Your Google connection includes {CONTACTS}."},
            "state": {
                "enum": ["off", "needs_scope", "not_connected", "paused", "disabled", "waiting", "error", "pending", "ok"],
                "description": "waiting: Google asked to slow down (retry_after); error: last_error says what went wrong.",
            },
            "group": {"type": ["string", "null"], "description": 'The resourceName of the "Threadbook" contact group.'},
            "last_run_at": _ts_or_null,
            "last_synced_at": {**_ts_or_null, "description": "The last run that finished."},
            "last_error": {"type": ["string", "null"]},
            "last_error_at": _ts_or_null,
            "retry_after": {"type": ["integer", "null"], "description": "Seconds until Google lets Threadbook write again."},
            "counts": {"type": "object", "properties": {"copied": {"type": "integer"}, "conflicts": {"type": "integer"}}},
            "conflicts": {"type": "array", "items": ref("GoogleContactsConflict")},
            "queued": {"type": "boolean"},
        },
    },
}

_CHOICE = json_response("Your choice and how copying goes.", ref("GoogleContactsChoice"))

OPENAPI_PATHS = {
    "/api/v1/me/google-contacts": {
        "get": {
            "summary": "Copying your CRM contacts to Google Contacts: the switch, the filter, state, counts, conflicts",
            "tags": _TAGS,
            "responses": {"200": _CHOICE, **errors(401)},
        },
        "put": {
            "summary": "Turn copying on or off, or choose which contacts are copied",
            "description": f"Turning it on needs a Google connection that includes {CONTACTS}: 403 needs_scope (with `scope`) without it; "
            "start the consent with POST /api/v1/me/google-contacts/connect/start.",
            "tags": _TAGS,
            "requestBody": json_body(
                {
                    "type": "object",
                    "properties": {
                        "enabled": {"type": "boolean"},
                        "filter": {"enum": list(CONTACTS_FILTERS)},
                        "filter_value": {"type": "integer", "minimum": 1, "description": "With filter company or owner: its id."},
                    },
                }
            ),
            "responses": {"200": _CHOICE, **errors(400, 401, 403)},
        },
    },
    "/api/v1/me/google-contacts/connect/start": {
        "post": {
            "summary": "Start Google's consent for your mailbox connection with Google Contacts added",
            "description": "Like POST /api/v1/mailbox/connect/start, asking for the contacts scope too; finish with POST /api/v1/mailbox/connect/finish.",
            "tags": _TAGS,
            "requestBody": json_body({"type": "object", "properties": {"redirect_uri": {"type": "string", "maxLength": 500}}}, required=False),
            "responses": {
                "200": json_response(
                    "Google's consent URL and the state to finish with.",
                    {
                        "type": "object",
                        "properties": {"authorization_url": {"type": "string"}, "state": {"type": "string"}, "redirect_uri": {"type": "string"}},
                    },
                ),
                **errors(400, 401, 503),
            },
        }
    },
    "/api/v1/me/google-contacts/sync": {
        "post": {
            "summary": "Copy your contacts now (Sync now)",
            "description": "409 not_enabled when copying is off (or paused, disabled), 403 needs_scope without the grant, 429 rate_limited with Retry-After while Google asks to wait.",
            "tags": _TAGS,
            "responses": {"202": json_response("Queued.", ref("GoogleContactsChoice")), **errors(401, 403, 409, 429)},
        }
    },
    "/api/v1/me/google-contacts/conflicts/{link_id}": {
        "post": {
            "summary": "Settle a conflict: keep Google's version, or write the CRM's over it",
            "tags": _TAGS,
            "parameters": [path_id("link_id", "The conflict's id.")],
            "requestBody": json_body({"type": "object", "required": ["keep"], "properties": {"keep": {"enum": ["google", "crm"]}}}),
            "responses": {"200": _CHOICE, **errors(400, 401, 404)},
        }
    },
}
