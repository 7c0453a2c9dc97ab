"""OpenAPI paths and schemas of the caller's sync schedules and "Sync now" (api/sync_schedule.py)."""

from threadbook.api import openapi as doc
from threadbook.models import CALENDAR_DIRECTIONS, SCHEDULE_CHOICES, SYNC_KINDS

_CHOICE = {"type": ["string", "null"], "enum": [*SCHEDULE_CHOICES, None]}
_DIRECTION = {"type": ["string", "null"], "enum": [*CALENDAR_DIRECTIONS, None]}

OPENAPI_SCHEMAS = {
    "SyncSchedules": {
        "type": "object",
        "required": ["schedules", "calendar_direction", "locked"],
        "properties": {
            "locked": {"type": "boolean", "description": "The organisation's administrators set these for everyone: own choices are refused (409)."},
            "schedules": {
                "type": "object",
                "description": "Per kind of sync (mail, calendar, contacts, tasks).",
                "properties": {
                    kind: {
                        "type": "object",
                        "properties": {
                            "schedule": {
                                "type": "string",
                                "enum": list(SCHEDULE_CHOICES),
                                "description": "What it syncs by: the choice, else the organisation's.",
                            },
                            "choice": {**_CHOICE, "description": "The caller's own choice; null follows the organisation's default."},
                            "org_default": {"type": "string", "enum": list(SCHEDULE_CHOICES)},
                            "last_run_at": {"type": ["string", "null"], "format": "date-time", "description": "When the last run ended."},
                            "sync_queued": {"type": "boolean", "description": "A 'Sync now' is waiting for its run."},
                        },
                    }
                    for kind in SYNC_KINDS
                },
            },
            "calendar_direction": {
                "type": "object",
                "properties": {
                    "direction": {"type": "string", "enum": list(CALENDAR_DIRECTIONS)},
                    "choice": _DIRECTION,
                    "org_default": {"type": "string", "enum": list(CALENDAR_DIRECTIONS)},
                },
            },
        },
    }
}

_SETTINGS_BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **{f"{kind}_schedule": {**_CHOICE, "description": f"How often {kind} sync runs by itself; null follows the organisation."} for kind in SYNC_KINDS},
        "calendar_direction": {
            **_DIRECTION,
            "description": "two_way: meetings booked in Threadbook go to Google Calendar; one_way: Google Calendar into the CRM only; null follows the organisation.",
        },
    },
}

OPENAPI_PATHS = {
    "/api/v1/me/sync-schedule": {
        "get": {
            "summary": "The caller's sync schedules and calendar direction",
            "tags": ["sync"],
            "responses": {"200": doc.json_response("Schedules.", doc.ref("SyncSchedules")), **doc.errors(401)},
        },
        "put": {
            "summary": "Choose the caller's own sync schedules or calendar direction",
            "description": "Only the fields sent change; null follows the organisation's default. A bad value is a 400 naming the field and the values allowed; "
            "409 schedules_locked when the organisation's administrators set them for everyone.",
            "tags": ["sync"],
            "requestBody": doc.json_body(_SETTINGS_BODY),
            "responses": {"200": doc.json_response("Schedules.", doc.ref("SyncSchedules")), **doc.errors(400, 401, 409)},
        },
    },
    "/api/v1/me/sync": {
        "post": {
            "summary": "Sync now: queue a run of one kind of sync for the caller, whatever its schedule (manual too)",
            "description": "A second request while one waits queues nothing (already_queued). 409 when sync is paused, turned off by the organisation, "
            "not connected, or the kind is not available on this server; 404 when no mailbox is connected (mail).",
            "tags": ["sync"],
            "requestBody": doc.json_body(
                {"type": "object", "required": ["kind"], "additionalProperties": False, "properties": {"kind": {"type": "string", "enum": list(SYNC_KINDS)}}}
            ),
            "responses": {
                "202": doc.json_response(
                    "Queued.",
                    {
                        "type": "object",
                        "properties": {"kind": {"type": "string"}, "queued": {"type": "boolean"}, "already_queued": {"type": "boolean"}},
                    },
                ),
                **doc.errors(400, 401, 404, 409),
            },
        }
    },
}
