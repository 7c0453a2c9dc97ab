"""The "Put my CRM tasks in Google Tasks" switch: its state, turning it on/off, granting the tasks scope, "Sync now".

The rules are tasks_sync/'s (docs/google-tasks.md). Turning it on without a
grant answers 403 ``needs_scope``; the panel then runs the grant
(``connect/start``, Google's consent, ``connect/finish``).
"""

from flask import Blueprint, g, jsonify

from threadbook.api.openapi import errors, json_response, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.params import boolean, consent_answer, json_body, string
from threadbook.errors import ApiError, error_response
from threadbook.tasks_sync import connect, link
from threadbook.tasks_sync.refusals import TasksRefused
from threadbook.tasks_sync.sync import request_sync

bp = Blueprint("google_tasks", __name__)


@bp.errorhandler(TasksRefused)
def refused(refusal):
    extra = {"field": refusal.field} if refusal.field else {}
    return error_response(refusal.status, refusal.code, refusal.message, **extra)


@bp.get("/me/google-tasks")
def google_tasks_state():
    return jsonify(link.state(g.user, g.org))


@bp.put("/me/google-tasks")
def switch_google_tasks():
    enabled = boolean(json_body(), "enabled")
    if enabled is None:
        raise ApiError(400, "'enabled' (true or false) is required.", field="enabled")
    if enabled:
        link.enable(g.user)
        request_sync(g.user)
    else:
        link.disable(g.user)
    return jsonify(link.state(g.user, g.org))


@bp.post("/me/google-tasks/connect/start")
def start_google_tasks_grant():
    body = json_body()
    return jsonify(connect.start(g.user, g.org, string(body, "redirect_uri", max_length=500)))


@bp.post("/me/google-tasks/connect/finish")
def finish_google_tasks_grant():
    code, state, redirect_uri = consent_answer()
    connect.finish(g.user, g.org, code, state, redirect_uri)
    request_sync(g.user)
    return jsonify(link.state(g.user, g.org))


@bp.post("/me/google-tasks/sync")
def sync_google_tasks_now():
    current = link.link_of(g.user)
    if current is None or not current.enabled:
        raise ApiError(409, "Google Tasks is off for you: turn it on first.", code="google_tasks_off")
    request_sync(g.user)
    return jsonify(link.state(g.user, g.org)), 202


_ts = {"type": ["string", "null"], "format": "date-time"}
OPENAPI_SCHEMAS = {
    "GoogleTasksState": {
        "type": "object",
        "required": ["enabled", "status", "granted", "last_run_at", "last_success_at", "last_error", "due"],
        "properties": {
            "enabled": {"type": "boolean", "description": "Put my CRM tasks in Google Tasks."},
            "status": {"type": "string", "enum": ["off", "active", "needs_scope", "needs_reconnect"]},
            "granted": {"type": "boolean", "description": "Threadbook holds a grant with the tasks scope."},
            "list_id": {"type": ["string", "null"], "description": "Google's id of the Threadbook task list."},
            "last_run_at": _ts,
            "last_success_at": _ts,
            "last_error": {"type": ["string", "null"], "description": "What went wrong last, in words to act on."},
            "retry_after": {**_ts, "description": "Google rate-limited us: no call before this."},
            "due": {"type": "boolean", "description": "A periodic sync would run now."},
        },
    },
    "GoogleTasksSwitch": {"type": "object", "required": ["enabled"], "properties": {"enabled": {"type": "boolean"}}},
    "GoogleTasksGrantStart": {"type": "object", "properties": {"redirect_uri": {"type": "string", "maxLength": 500}}},
    "GoogleTasksGrantFinish": {
        "type": "object",
        "required": ["code", "state", "redirect_uri"],
        "properties": {"code": {"type": "string"}, "state": {"type": "string"}, "redirect_uri": {"type": "string"}},
    },
}
_state = json_response("The switch and how sync last went.", ref("GoogleTasksState"))
OPENAPI_PATHS = {
    "/api/v1/me/google-tasks": {
        "get": {"summary": "Your Google Tasks switch and its health", "tags": ["google tasks"], "responses": {"200": _state, **errors(401)}},
        "put": {
            "summary": "Turn 'Put my CRM tasks in Google Tasks' on or off",
            "description": "On without a grant of the tasks scope answers 403 needs_scope: grant it with connect/start and connect/finish.",
            "tags": ["google tasks"],
            "requestBody": body_schema(ref("GoogleTasksSwitch")),
            "responses": {"200": _state, **errors(400, 401, 403, 415)},
        },
    },
    "/api/v1/me/google-tasks/connect/start": {
        "post": {
            "summary": "Start granting Google Tasks (the tasks scope only, incremental)",
            "tags": ["google tasks"],
            "requestBody": body_schema(ref("GoogleTasksGrantStart"), required=False),
            "responses": {
                "200": json_response("Google's consent URL and the state to send back.", {"type": "object"}),
                **errors(400, 401, 503),
            },
        }
    },
    "/api/v1/me/google-tasks/connect/finish": {
        "post": {
            "summary": "Finish granting Google Tasks; the switch turns on and a sync is queued",
            "tags": ["google tasks"],
            "requestBody": body_schema(ref("GoogleTasksGrantFinish")),
            "responses": {"200": _state, **errors(400, 401, 403, 422, 503)},
        }
    },
    "/api/v1/me/google-tasks/sync": {
        "post": {
            "summary": "Sync now",
            "tags": ["google tasks"],
            "responses": {"202": json_response("Queued.", ref("GoogleTasksState")), **errors(401, 409)},
        }
    },
}
