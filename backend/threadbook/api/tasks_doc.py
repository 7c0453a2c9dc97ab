"""The OpenAPI description of CRM tasks (api/tasks.py serves them)."""

from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.crm.tasks_json import TASK_SCHEMA

_id = {"type": ["integer", "null"], "minimum": 1}
_input = {
    "title": {"type": "string", "minLength": 1, "maxLength": 500},
    "notes": {"type": ["string", "null"], "maxLength": 8000},
    "due_date": {"type": ["string", "null"], "format": "date", "description": "The day it is due, e.g. 2026-01-31."},
    "due_time": {"type": ["string", "null"], "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "description": "HH:MM; needs due_date."},
    "contact_id": {**_id, "description": "Link the task to this contact (of your organisation); null unlinks."},
    "lead_id": {**_id, "description": "Link the task to this lead; null unlinks."},
    "deal_id": {**_id, "description": "Link the task to this deal; null unlinks."},
    "owner_id": {"type": "integer", "minimum": 1, "description": "Whose task it is (default: you). Giving it away is a reassignment."},
    "done": {"type": "boolean", "description": "Completed (sets done_at)."},
}
_filters = [
    query("mine", {"type": "string", "enum": ["true", "false"]}, "Only the tasks you own."),
    query("owner_id", {"type": "integer", "minimum": 1}, "Only this person's tasks."),
    query("status", {"type": "string", "enum": ["open", "done", "all"]}, "Open (default), done, or all."),
    query("due_before", {"type": "string", "format": "date"}, "Only tasks due before this day."),
]
_links = [query(name, {"type": "integer", "minimum": 1}, f"Only tasks linked to this {name[:-3]}.") for name in ("contact_id", "lead_id", "deal_id")]
_page = json_response("A page of tasks: open first, soonest due first.", page_of(ref("Task")))

OPENAPI_SCHEMAS = {
    "Task": TASK_SCHEMA,
    "TaskCreate": {"type": "object", "required": ["title"], "properties": _input},
    "TaskChange": {"type": "object", "properties": _input},
}


def _record_tasks(kind):
    return {
        "get": {
            "summary": f"The tasks linked to a {kind}",
            "tags": ["tasks"],
            "parameters": [path_id(), *_filters, *PAGE_PARAMS],
            "responses": {"200": _page, **errors(400, 401, 404)},
        }
    }


OPENAPI_PATHS = {
    "/api/v1/tasks": {
        "get": {
            "summary": "The tasks you may see",
            "description": "Tasks linked to a contact, lead or deal are seen by the whole organisation; unlinked ones by their owner and creator (and administrators).",
            "tags": ["tasks"],
            "parameters": [*_filters, *_links, *PAGE_PARAMS],
            "responses": {"200": _page, **errors(400, 401)},
        },
        "post": {
            "summary": "Create a task",
            "tags": ["tasks"],
            "requestBody": body_schema(ref("TaskCreate")),
            "responses": {"201": json_response("The new task.", ref("Task")), **errors(400, 401, 404, 415)},
        },
    },
    "/api/v1/tasks/{id}": {
        "get": {
            "summary": "One task",
            "tags": ["tasks"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The task.", ref("Task")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Change or complete a task (its owner or an administrator)",
            "description": "Changes reach the owner's Google Tasks when they put their tasks there.",
            "tags": ["tasks"],
            "parameters": [path_id()],
            "requestBody": body_schema(ref("TaskChange")),
            "responses": {"200": json_response("The task.", ref("Task")), **errors(400, 401, 403, 404, 415)},
        },
        "delete": {
            "summary": "Delete a task (its owner or an administrator)",
            "description": "Recorded in the audit log; its copy in Google Tasks is deleted too.",
            "tags": ["tasks"],
            "parameters": [path_id()],
            "responses": {"204": {"description": "Deleted."}, **errors(401, 403, 404)},
        },
    },
    "/api/v1/contacts/{id}/tasks": _record_tasks("contact"),
    "/api/v1/leads/{id}/tasks": _record_tasks("lead"),
    "/api/v1/deals/{id}/tasks": _record_tasks("deal"),
}
