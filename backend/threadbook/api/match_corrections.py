"""Match corrections: "this address is not that contact, lead or company", for the whole organisation (crm/corrections.py)."""

from flask import Blueprint, g, jsonify

from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.pages import paginate
from threadbook.api.params import json_body
from threadbook.api.refs import address, record_id
from threadbook.crm import corrections
from threadbook.crm.records import get_in_org
from threadbook.errors import ApiError
from threadbook.models import CORRECTION_KINDS

bp = Blueprint("match_corrections", __name__)

RECORD_FIELDS = tuple(f"{kind}_id" for kind in CORRECTION_KINDS)


def _record(body):
    """(kind, record) named by exactly one of contact_id, lead_id, company_id, in the caller's organisation."""
    given = [name for name in RECORD_FIELDS if body.get(name) is not None]
    if len(given) != 1:
        field = given[1] if given else RECORD_FIELDS[0]
        raise ApiError(400, "Give exactly one of contact_id, lead_id or company_id: the record this address is not.", field=field)
    field = given[0]
    kind = field.removesuffix("_id")
    try:
        return kind, get_in_org(corrections.MODELS[kind], record_id(body, field), g.org.id, kind)
    except ApiError as exc:
        raise ApiError(exc.status, exc.message, field=field) from None


@bp.post("/match-corrections")
def create_correction():
    body = json_body()
    written, normalized = address(body, "address", required=True)
    kind, record = _record(body)
    correction, created = corrections.create(g.user, written, normalized, kind, record)
    return jsonify(corrections.present([correction])[0]), 201 if created else 200


@bp.get("/match-corrections")
def list_corrections():
    return jsonify(paginate(corrections.listed(g.org.id), corrections.present))


@bp.delete("/match-corrections/<int:id>")
def delete_correction(id):
    corrections.remove(g.user, id)
    return "", 204


_id = {"type": "integer", "minimum": 1}
OPENAPI_SCHEMAS = {
    "MatchCorrectionCreate": {
        "type": "object",
        "required": ["address"],
        "properties": {"address": {"type": "string", "maxLength": 254}, "contact_id": _id, "lead_id": _id, "company_id": _id},
        "oneOf": [{"required": ["contact_id"]}, {"required": ["lead_id"]}, {"required": ["company_id"]}],
        "description": "The address, and exactly one of contact_id, lead_id, company_id: the record it is not.",
    },
    "MatchCorrection": {
        "type": "object",
        "required": ["id", "address", "kind", "record", "created_by", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "address": {"type": "string", "description": "As written when corrected."},
            "kind": {"enum": list(CORRECTION_KINDS)},
            "record": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "created_by": ref("UserSummary"),
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
}

OPENAPI_PATHS = {
    "/api/v1/match-corrections": {
        "post": {
            "summary": "Say an address is not a contact, lead or company, for the whole organisation",
            "description": "From then on the lookup no longer matches the address (as written, letter case aside, or by its "
            "normalised key) to that record and falls through (a lead, the company by domain, or unknown), and the record's "
            "timeline drops mail and meetings that reached it only through that address. Audited (match.corrected). "
            "The same correction said again answers the existing one with 200.",
            "tags": ["lookup"],
            "requestBody": body_schema(ref("MatchCorrectionCreate")),
            "responses": {
                "201": json_response("The new correction.", ref("MatchCorrection")),
                "200": json_response("The same correction, made before.", ref("MatchCorrection")),
                **errors(400, 401, 404, 415),
            },
        },
        "get": {
            "summary": "The organisation's match corrections, newest first",
            "tags": ["lookup"],
            "parameters": PAGE_PARAMS,
            "responses": {"200": json_response("A page of corrections.", page_of(ref("MatchCorrection"))), **errors(400, 401)},
        },
    },
    "/api/v1/match-corrections/{id}": {
        "delete": {
            "summary": "Remove a match correction (the member who made it or an administrator)",
            "description": "The address matches the record again. Audited (match.correction_removed).",
            "tags": ["lookup"],
            "parameters": [path_id()],
            "responses": {"204": {"description": "Removed."}, **errors(401, 403, 404)},
        }
    },
}
