"""Notes on a contact, a lead or a Gmail thread: add, list, delete."""

from flask import Blueprint, g, jsonify, request

from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.pages import paginate
from threadbook.api.params import json_body, string
from threadbook.api.refs import record_ref
from threadbook.api.threads import THREAD_ID
from threadbook.crm import notes
from threadbook.crm.records import notes_on, present_note, present_notes
from threadbook.errors import ApiError
from threadbook.models import Contact, Lead

bp = Blueprint("notes", __name__)

MAX_BODY = 20000
TARGETS = ("contact_id", "lead_id", "thread_id")


def _one_target(values):
    given = [name for name in TARGETS if values.get(name) is not None]
    if len(given) != 1:
        raise ApiError(400, "Give exactly one of contact_id, lead_id or thread_id.", field="target")
    return given[0]


def _thread_id(value):
    if not isinstance(value, str) or not THREAD_ID.match(value):
        raise ApiError(400, "'thread_id' must be a Gmail thread id (hexadecimal).", field="thread_id")
    return value.lower()


@bp.post("/notes")
def create_note():
    body = json_body()
    text = string(body, "body", required=True, max_length=MAX_BODY)
    target = _one_target(body)
    if target == "contact_id":
        note = notes.create(g.user, text, contact_id=record_ref(body, "contact_id", Contact, "contact").id)
    elif target == "lead_id":
        note = notes.create(g.user, text, lead_id=record_ref(body, "lead_id", Lead, "lead").id)
    else:
        note = notes.create(g.user, text, thread_id=_thread_id(body["thread_id"]))
    return jsonify(present_note(note)), 201


@bp.get("/notes")
def list_notes():
    target = _one_target(request.args)
    value = request.args[target]
    if target == "thread_id":
        query_ = notes_on(g.org.id, thread_id=_thread_id(value))
    else:
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise ApiError(400, f"Query parameter '{target}' must be an id.", field=target)
        query_ = notes_on(g.org.id, **{target: int(value)})
    return jsonify(paginate(query_, present_notes))


@bp.delete("/notes/<int:id>")
def delete_note(id):
    notes.delete(g.user, id)
    return "", 204


_id = {"type": "integer", "minimum": 1}
_thread = {"type": "string", "pattern": "^[0-9a-fA-F]{1,32}$"}
OPENAPI_SCHEMAS = {
    "NoteCreate": {
        "type": "object",
        "required": ["body"],
        "properties": {
            "body": {"type": "string", "minLength": 1, "maxLength": MAX_BODY},
            "contact_id": _id,
            "lead_id": _id,
            "thread_id": _thread,
        },
        "oneOf": [{"required": ["contact_id"]}, {"required": ["lead_id"]}, {"required": ["thread_id"]}],
        "description": "Exactly one of contact_id, lead_id, thread_id.",
    }
}

OPENAPI_PATHS = {
    "/api/v1/notes": {
        "post": {
            "summary": "Add a note to a contact, a lead or a thread",
            "tags": ["notes"],
            "requestBody": body_schema(ref("NoteCreate")),
            "responses": {"201": json_response("The new note.", ref("Note")), **errors(400, 401, 404, 415)},
        },
        "get": {
            "summary": "The notes of a contact, a lead or a thread, newest first",
            "tags": ["notes"],
            "parameters": [
                query("contact_id", _id, "A contact's notes."),
                query("lead_id", _id, "A lead's notes."),
                query("thread_id", _thread, "A thread's notes."),
                *PAGE_PARAMS,
            ],
            "responses": {"200": json_response("A page of notes.", page_of(ref("Note"))), **errors(400, 401, 404)},
        },
    },
    "/api/v1/notes/{id}": {
        "delete": {
            "summary": "Delete a note (its author or an administrator)",
            "description": "Recorded in the audit log.",
            "tags": ["notes"],
            "parameters": [path_id()],
            "responses": {"204": {"description": "Deleted."}, **errors(401, 403, 404)},
        }
    },
}
