"""``POST /api/v1/lookup``: who a thread's participants are in the CRM (see crm/participants.py)."""

from flask import Blueprint, g, jsonify

from threadbook.api.openapi import errors, json_response, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.params import json_body, string
from threadbook.api.threads import THREAD_ID
from threadbook.crm.match_reasons import RULES
from threadbook.crm.participants import MAX_PARTICIPANTS, lookup
from threadbook.errors import ApiError
from threadbook.mail import filtered

bp = Blueprint("lookup", __name__)


def _requested(body):
    participants = body.get("participants")
    if not isinstance(participants, list):
        raise ApiError(400, '\'participants\' must be a list of {"email", "name"?} objects.', field="participants")
    if len(participants) > MAX_PARTICIPANTS:
        raise ApiError(400, f"Ask about at most {MAX_PARTICIPANTS} participants at once.", field="participants")
    requested = []
    for index, item in enumerate(participants):
        if not isinstance(item, dict):
            raise ApiError(400, f"participants[{index}] must be an object with 'email'.", field="participants")
        email = item.get("email")
        if not isinstance(email, str) or len(email) > 1000:
            raise ApiError(400, f"participants[{index}].email must be a string of at most 1000 characters.", field="participants")
        # Not checked further here: a malformed address is that participant's error, not the call's.
        requested.append((email, string(item, "name", max_length=300)))
    return requested


@bp.post("/lookup")
def lookup_participants():
    body = json_body()
    requested = _requested(body)
    thread_id = string(body, "thread_id", max_length=64)
    if thread_id is not None and not THREAD_ID.match(thread_id):
        raise ApiError(400, "'thread_id' must be a Gmail thread id (hexadecimal, as in data-legacy-thread-id).", field="thread_id")
    answer = lookup(g.user, requested, thread_id or None, g.org)
    answer["thread"]["filtered"] = filtered.thread_state(g.user, thread_id, answer["thread"]["logged"])
    return jsonify(answer)


_nullable_ts = {"type": ["string", "null"], "format": "date-time"}
OPENAPI_SCHEMAS = {
    "MatchReason": {
        "type": "object",
        "required": ["rule", "matched", "explanation"],
        "properties": {
            "rule": {
                "enum": list(RULES),
                "description": "address: the record's primary address; alias: another address of the contact; plus_tag / "
                "gmail_dots: the same Gmail mailbox once a +tag / dots are ignored; case: the same address written in another "
                "form (Unicode, the domain's encoding); domain: no person has it, the company owns its domain.",
            },
            "matched": {"type": "string", "description": "The record's address as written, or the domain."},
            "explanation": {"type": "string", "description": "One sentence a rep understands."},
        },
    },
    "LookupRequest": {
        "type": "object",
        "required": ["participants"],
        "properties": {
            "thread_id": {"type": "string", "pattern": "^[0-9a-fA-F]{1,32}$", "description": "Gmail's (legacy) thread id."},
            "participants": {
                "type": "array",
                "maxItems": MAX_PARTICIPANTS,
                "items": {
                    "type": "object",
                    "required": ["email"],
                    "properties": {
                        "email": {"type": "string", "maxLength": 1000, "description": "An address, or 'Name <address>'."},
                        "name": {"type": ["string", "null"], "maxLength": 300},
                    },
                },
            },
        },
    },
    "LookupParticipant": {
        "type": "object",
        "required": ["email", "name", "kind", "record", "company", "deals", "notes", "last_logged_at", "match"],
        "properties": {
            "email": {"type": "string", "description": "The address as written (for display)."},
            "name": {"type": "string"},
            "kind": {"enum": ["contact", "lead", "colleague", "self", "unknown", None], "description": "null with an error."},
            "record": {
                "description": "A Contact, a Lead, or a User (colleague, self); null when unknown.",
                "anyOf": [ref("Contact"), ref("Lead"), ref("User"), {"type": "null"}],
            },
            "company": {"oneOf": [ref("CompanySummary"), {"type": "null"}]},
            "deals": {"type": "array", "items": ref("Deal"), "description": "Open deals of the record or its company."},
            "notes": {"type": "array", "items": ref("Note"), "description": "The latest notes, newest first."},
            "last_logged_at": _nullable_ts,
            "match": {
                "description": "Why this participant is this record (or the company by domain); null when unknown or in error.",
                "oneOf": [ref("MatchReason"), {"type": "null"}],
            },
            "prefill": {
                "type": "object",
                "description": "For an unknown participant: a suggested lead.",
                "required": ["name", "email", "company_name"],
                "properties": {"name": {"type": "string"}, "email": {"type": "string"}, "company_name": {"type": ["string", "null"]}},
            },
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"enum": ["invalid_address", "duplicate"]}, "message": {"type": "string"}},
            },
        },
    },
    "LookupResponse": {
        "type": "object",
        "required": ["participants", "thread"],
        "properties": {
            "participants": {"type": "array", "items": ref("LookupParticipant")},
            "thread": {
                "type": "object",
                "required": ["logged", "email_ids", "emails", "private", "visibility", "notes"],
                "properties": {
                    "logged": {"type": "boolean", "description": "You logged mail of this thread."},
                    "email_ids": {"type": "array", "items": {"type": "integer"}, "description": "Your logged copies in this thread."},
                    "emails": {"type": "array", "items": ref("Email"), "description": "Your logged copies in this thread, oldest first."},
                    "private": {"type": "boolean", "description": "You keep this thread private: its mail, later messages too, stays private."},
                    "visibility": {
                        "type": ["string", "null"],
                        "enum": ["private", "team_metadata", "team_full", None],
                        "description": "The level mail logged from this thread gets unless you choose another (null without a thread).",
                    },
                    "notes": {"type": "array", "items": ref("Note")},
                    "filtered": filtered.SCHEMA,
                },
            },
        },
    },
}

OPENAPI_PATHS = {
    "/api/v1/lookup": {
        "post": {
            "summary": "Who the participants of a thread are in the CRM",
            "description": "Answers in the order asked. Malformed and duplicate addresses get a per-participant 'error' instead of failing the call.",
            "tags": ["lookup"],
            "requestBody": body_schema(ref("LookupRequest")),
            "responses": {
                "200": json_response("Each participant, and the thread's state.", ref("LookupResponse")),
                **errors(400, 401, 415),
            },
        }
    }
}
