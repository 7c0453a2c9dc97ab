"""The OpenAPI description of meetings, busy times and calendar sync (api/meetings.py serves them)."""

from threadbook.api.google_answers import token_header_doc
from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.calendar.events import MAX_ATTENDEES, MAX_DESCRIPTION, MAX_LOCATION, MAX_TITLE

_token_header = token_header_doc(
    "A Google access token with calendar access (calendar.events, calendar.freebusy); without it the connected mailbox's credentials are used."
)
_ts = {"type": "string", "format": "date-time"}
_attendees_input = {
    "type": "array",
    "maxItems": MAX_ATTENDEES,
    "items": {
        "oneOf": [
            {"type": "string", "maxLength": 254},
            {"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}, "name": {"type": ["string", "null"]}}},
        ]
    },
    "description": "Addresses to invite (replaces the list on PATCH).",
}
_meeting_input = {
    "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
    "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
    "location": {"type": "string", "maxLength": MAX_LOCATION},
    "start": {**_ts, "description": "RFC 3339 with an offset, e.g. 2026-03-02T10:00:00+01:00."},
    "end": {**_ts, "description": "After start; at most 14 days later."},
    "attendees": _attendees_input,
    "contact_id": {"type": "integer", "description": "Invite this contact (their primary address)."},
    "lead_id": {"type": "integer", "description": "Invite this lead."},
    "allow_conflict": {"type": "boolean", "default": False, "description": "Book even when you are busy then."},
    "send_invitations": {"type": "boolean", "default": True, "description": "Let Google mail the attendees."},
}
_calendar_outcome = {
    "type": "object",
    "required": ["pushed", "reason"],
    "properties": {
        "pushed": {"type": "boolean", "description": "Google Calendar has the change."},
        "reason": {"type": ["string", "null"], "description": "Why not (yet)."},
    },
}
_busy_list = {"type": "array", "items": ref("BusyTime")}

OPENAPI_SCHEMAS = {
    "MeetingDetail": {
        "allOf": [
            ref("Meeting"),
            {
                "type": "object",
                "required": ["google_event_id", "contact_ids", "lead_ids", "company_ids", "created_at", "updated_at"],
                "properties": {
                    "attendees": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["email", "name", "response_status", "kind", "record_id"],
                            "properties": {
                                "email": {"type": "string"},
                                "name": {"type": "string"},
                                "response_status": {"type": "string"},
                                "kind": {"enum": ["contact", "lead", "colleague", "unknown"]},
                                "record_id": {"type": ["integer", "null"], "description": "The contact's, lead's or colleague's id."},
                            },
                        },
                    },
                    "status": {"enum": ["confirmed", "cancelled"]},
                    "source": {"enum": ["crm", "calendar"], "description": "Booked in Threadbook, or a Blueberry event from Google Calendar."},
                    "google_event_id": {"type": ["string", "null"], "description": "null while waiting to be pushed to Google."},
                    "contact_ids": {"type": "array", "items": {"type": "integer"}},
                    "lead_ids": {"type": "array", "items": {"type": "integer"}},
                    "company_ids": {"type": "array", "items": {"type": "integer"}, "description": "Companies of the contacts attending."},
                    "created_at": _ts,
                    "updated_at": _ts,
                },
            },
        ]
    },
    "BusyTime": {
        "type": "object",
        "required": ["start", "end", "source", "meeting_id", "title"],
        "properties": {
            "start": _ts,
            "end": _ts,
            "source": {"enum": ["threadbook", "google"]},
            "meeting_id": {"type": ["integer", "null"]},
            "title": {"type": ["string", "null"]},
        },
    },
    "MeetingCreate": {"type": "object", "required": ["title", "start", "end"], "properties": _meeting_input},
    "MeetingUpdate": {"type": "object", "properties": {k: v for k, v in _meeting_input.items()}},
    "CalendarSyncReport": {
        "type": "object",
        "required": [
            "user_id",
            "outcome",
            "mode",
            "pages",
            "created",
            "updated",
            "cancelled",
            "removed",
            "unchanged",
            "ignored",
            "pushed",
            "error",
            "calendars",
        ],
        "properties": {
            "user_id": {"type": "integer"},
            "outcome": {"enum": ["synced", "partial", "unavailable", "error"], "description": "partial: some calendars failed; error: all did."},
            "mode": {
                "enum": ["full", "incremental", "resync", ""],
                "description": "The most thorough any calendar needed; resync: Google answered 410 and a full sync ran; empty when no calendar is chosen.",
            },
            **{k: {"type": "integer"} for k in ("pages", "created", "updated", "cancelled", "removed", "unchanged", "ignored", "pushed")},
            "error": {"type": "string", "description": "The first calendar's failure, in words saying what to do."},
            "calendars": {
                "type": "array",
                "description": "One entry per chosen calendar (GET /api/v1/calendars keeps each one's last success and error).",
                "items": {
                    "type": "object",
                    "required": ["calendar_id", "summary", "outcome", "mode", "error"],
                    "properties": {
                        "calendar_id": {"type": "string"},
                        "summary": {"type": "string"},
                        "outcome": {"enum": ["synced", "error"]},
                        "mode": {"enum": ["full", "incremental", "resync", ""]},
                        "error": {"type": "string"},
                    },
                },
            },
        },
    },
}
_conflict_409 = json_response(
    "You are busy then (error meeting_conflict, with conflicts and google_checked); or, on PATCH, the event changed in Google (changed_in_google, with meeting).",
    {
        "allOf": [
            ref("Error"),
            {
                "type": "object",
                "properties": {"conflicts": _busy_list, "google_checked": {"type": "boolean"}, "meeting": {"oneOf": [ref("MeetingDetail"), {"type": "null"}]}},
            },
        ]
    },
)
_range_params = [
    {"name": "start", "in": "query", "required": True, "schema": _ts, "description": "RFC 3339 with an offset."},
    {"name": "end", "in": "query", "required": True, "schema": _ts, "description": "After start; at most 62 days later."},
]

OPENAPI_PATHS = {
    "/api/v1/meetings": {
        "get": {
            "summary": "List meetings, newest first, optionally those of a contact, lead or company",
            "tags": ["meetings"],
            "parameters": [
                query("contact_id", {"type": "integer"}, "Meetings the contact attends (any of their addresses)."),
                query("lead_id", {"type": "integer"}, "Meetings the lead attends."),
                query("company_id", {"type": "integer"}, "Meetings the company's contacts attend."),
                query("from", _ts, "Meetings ending after this time."),
                query("to", _ts, "Meetings starting before this time."),
                query("status", {"enum": ["confirmed", "cancelled"]}, "Only meetings in this state."),
                *PAGE_PARAMS,
            ],
            "responses": {"200": json_response("A page of meetings.", page_of(ref("MeetingDetail"))), **errors(400, 401, 404)},
        },
        "post": {
            "summary": "Book a meeting and put it in your Google Calendar (Blueberry)",
            "description": "Answers 409 meeting_conflict when you are busy then, unless allow_conflict is true. "
            "Without calendar access the meeting is booked in Threadbook and pushed at your next calendar sync.",
            "tags": ["meetings"],
            "parameters": [_token_header],
            "requestBody": body_schema(ref("MeetingCreate")),
            "responses": {
                "201": json_response(
                    "The meeting.",
                    {
                        "type": "object",
                        "required": ["meeting", "calendar", "conflicts", "google_checked"],
                        "properties": {
                            "meeting": ref("MeetingDetail"),
                            "calendar": _calendar_outcome,
                            "conflicts": {**_busy_list, "description": "Booked over these (allow_conflict)."},
                            "google_checked": {"type": "boolean", "description": "Google's busy times were checked too."},
                        },
                    },
                ),
                "409": _conflict_409,
                **errors(400, 401, 403, 404, 415, 422, 503),
            },
        },
    },
    "/api/v1/meetings/{id}": {
        "get": {
            "summary": "Read a meeting",
            "tags": ["meetings"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The meeting.", ref("MeetingDetail")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Change your meeting (and its Google event, unless it changed there meanwhile)",
            "tags": ["meetings"],
            "parameters": [path_id(), _token_header],
            "requestBody": body_schema(ref("MeetingUpdate")),
            "responses": {
                "200": json_response(
                    "The changed meeting.",
                    {
                        "type": "object",
                        "required": ["meeting", "calendar"],
                        "properties": {"meeting": ref("MeetingDetail"), "calendar": _calendar_outcome, "conflicts": _busy_list},
                    },
                ),
                "409": _conflict_409,
                **errors(400, 401, 403, 404, 415, 422, 503),
            },
        },
        "delete": {
            "summary": "Cancel your meeting (and delete its Google event)",
            "tags": ["meetings"],
            "parameters": [
                path_id(),
                _token_header,
                query("send_invitations", {"enum": ["true", "false"]}, "false: Google does not mail the attendees."),
            ],
            "responses": {
                "200": json_response(
                    "The cancelled meeting.",
                    {"type": "object", "required": ["meeting", "calendar"], "properties": {"meeting": ref("MeetingDetail"), "calendar": _calendar_outcome}},
                ),
                **errors(400, 401, 403, 404, 422, 503),
            },
        },
    },
    "/api/v1/meetings/conflicts": {
        "post": {
            "summary": "What a meeting at this time would clash with",
            "tags": ["meetings"],
            "parameters": [_token_header],
            "requestBody": body_schema(
                {
                    "type": "object",
                    "required": ["start", "end"],
                    "properties": {
                        "start": _ts,
                        "end": _ts,
                        "meeting_id": {"type": "integer", "description": "The meeting being moved: its own time does not count."},
                    },
                }
            ),
            "responses": {
                "200": json_response(
                    "Busy times in the range (empty: free).",
                    {
                        "type": "object",
                        "required": ["conflicts", "google_checked", "reason"],
                        "properties": {"conflicts": _busy_list, "google_checked": {"type": "boolean"}, "reason": {"type": ["string", "null"]}},
                    },
                ),
                **errors(400, 401, 403, 404, 415, 422, 503),
            },
        }
    },
    "/api/v1/calendar/busy": {
        "get": {
            "summary": "Your busy times: Threadbook meetings and Google Calendar's freebusy",
            "tags": ["meetings"],
            "parameters": [*_range_params, _token_header],
            "responses": {
                "200": json_response(
                    "Busy times.",
                    {
                        "type": "object",
                        "required": ["busy", "google_checked", "reason"],
                        "properties": {"busy": _busy_list, "google_checked": {"type": "boolean"}, "reason": {"type": ["string", "null"]}},
                    },
                ),
                **errors(400, 401, 403, 503),
            },
        }
    },
    "/api/v1/calendar/sync": {
        "post": {
            "summary": "Sync your chosen Google calendars now (Blueberry events in, pending meetings out)",
            "tags": ["meetings"],
            "parameters": [_token_header],
            "description": "Every chosen calendar in turn; one that fails does not stop the others (outcome partial, 200). When all fail, "
            "the answer is Google's failure's (401 reconnect, 403 scope, 404 calendar gone, 422 refused, 503 try again) with the report.",
            "responses": {"200": json_response("What the sync did.", ref("CalendarSyncReport")), **errors(400, 401, 403, 404, 422, 503)},
        }
    },
}
