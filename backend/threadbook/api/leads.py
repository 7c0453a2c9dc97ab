"""Leads: create (409 when the address is taken), search, read, update, delete, convert into a contact, and the timeline."""

from flask import Blueprint, g, jsonify, request

from threadbook.api.deals import DEAL_INPUT, deal_fields
from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.ownership import OWNER_ID_SCHEMA, owner_id
from threadbook.api.pages import page_args, paginate, search_term
from threadbook.api.params import choice, json_body, string
from threadbook.api.refs import address, name_field
from threadbook.crm import leads, timeline
from threadbook.crm.leads import EDITABLE_STATUSES
from threadbook.crm.records import get_in_org, leads_matching, present_contact, present_deal, present_lead, present_leads
from threadbook.errors import ApiError
from threadbook.models import LEAD_STATUSES, Lead

bp = Blueprint("leads", __name__)


def _lead_fields(body, partial):
    fields = {}
    if "name" in body or not partial:
        fields["name"] = name_field(body) or ""
    if "title" in body:
        fields["title"] = string(body, "title", max_length=200) or None
    if "company_name" in body:
        fields["company_name"] = string(body, "company_name", max_length=200) or None
    if "status" in body:
        fields["status"] = choice(body, "status", EDITABLE_STATUSES) or "new"
    if "owner_id" in body:
        fields["owner"] = owner_id(body)
    return fields


@bp.post("/leads")
def create_lead():
    body = json_body()
    lead_address = address(body, "email", required=True)
    lead = leads.create(g.user, lead_address, _lead_fields(body, partial=False))
    return jsonify(present_lead(lead)), 201


@bp.get("/leads")
def list_leads():
    term = search_term()
    status = request.args.get("status")
    if status and status not in LEAD_STATUSES:
        raise ApiError(400, f"Query parameter 'status' must be one of: {', '.join(LEAD_STATUSES)}.")
    return jsonify(paginate(leads_matching(g.org.id, term, status), present_leads))


@bp.get("/leads/<int:id>")
def get_lead(id):
    return jsonify(present_lead(get_in_org(Lead, id, g.org.id, "lead")))


@bp.patch("/leads/<int:id>")
def update_lead(id):
    body = json_body()
    fields = _lead_fields(body, partial=True)
    return jsonify(present_lead(leads.update(g.user, id, fields, address(body, "email"))))


@bp.delete("/leads/<int:id>")
def delete_lead(id):
    leads.delete(g.user, id)
    return "", 204


@bp.get("/leads/<int:id>/timeline")
def lead_timeline(id):
    """Mail with the lead's address, its notes and meetings, newest first."""
    lead = get_in_org(Lead, id, g.org.id, "lead")
    page, per_page = page_args()
    items, has_more = timeline.lead_timeline(g.user, lead, page, per_page)
    return jsonify({"items": items, "page": page, "per_page": per_page, "has_more": has_more})


@bp.post("/leads/<int:id>/convert")
def convert_lead(id):
    """Turn a lead into a contact, with the company named and a first deal when asked; its notes move to the contact."""
    body = json_body()
    company_name = (string(body, "company_name", max_length=200) or "") if "company_name" in body else None
    contact, lead, deal = leads.convert(g.user, id, company_name, _first_deal(body.get("deal")))
    return jsonify({"contact": present_contact(contact), "lead": present_lead(lead), "deal": deal and present_deal(deal)}), 201


FIRST_DEAL_FIELDS = ("name", "amount", "currency", "stage", "close_date")


def _first_deal(deal):
    """The checked columns of the first deal of a conversion, or None; errors name their field as deal.<name>."""
    if deal is None:
        return None
    if not isinstance(deal, dict) or set(deal) - set(FIRST_DEAL_FIELDS):
        raise ApiError(400, f"'deal' must be an object with a name and only {', '.join(FIRST_DEAL_FIELDS)}.", field="deal")
    try:
        return deal_fields(deal, partial=False)
    except ApiError as err:
        err.extra["field"] = f"deal.{err.extra.get('field', 'name')}"
        raise


_lead_input = {
    "type": "object",
    "properties": {
        "email": {"type": "string", "maxLength": 254, "format": "email"},
        "name": {"type": ["string", "null"], "maxLength": 200},
        "title": {"type": ["string", "null"], "maxLength": 200},
        "company_name": {"type": ["string", "null"], "maxLength": 200, "description": "Guessed from the domain when absent."},
        "status": {"enum": list(EDITABLE_STATUSES)},
        "owner_id": OWNER_ID_SCHEMA,
    },
}
OPENAPI_SCHEMAS = {
    "LeadCreate": {**_lead_input, "required": ["email"]},
    "LeadUpdate": _lead_input,
    "LeadConvert": {
        "type": "object",
        "properties": {
            "company_name": {
                "type": ["string", "null"],
                "maxLength": 200,
                "description": "The contact's company: found by name (any case) or created; empty or null for none. "
                "Absent: the lead's company, as for a new contact (the address's domain first).",
            },
            "deal": {
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["name"],
                        "additionalProperties": False,
                        "properties": {k: v for k, v in DEAL_INPUT["properties"].items() if k in FIRST_DEAL_FIELDS},
                    },
                    {"type": "null"},
                ],
                "description": "A first deal with the new contact.",
            },
        },
    },
    "Conflict": {
        "type": "object",
        "required": ["error", "message", "existing"],
        "properties": {
            "error": {"const": "conflict"},
            "message": {"type": "string"},
            "existing": {
                "type": ["object", "null"],
                "description": "Who holds the address: {kind: contact|lead|colleague, record}.",
            },
        },
    },
}
_conflict = {"409": json_response("The address already belongs to a contact, lead or colleague.", ref("Conflict"))}

OPENAPI_PATHS = {
    "/api/v1/leads": {
        "post": {
            "summary": "Create a lead",
            "tags": ["leads"],
            "requestBody": body_schema(ref("LeadCreate")),
            "responses": {"201": json_response("The new lead.", ref("Lead")), **_conflict, **errors(400, 401, 404, 415)},
        },
        "get": {
            "summary": "Search leads by name or address",
            "tags": ["leads"],
            "parameters": [
                query("q", {"type": "string", "maxLength": 200}, "Part of a name or address."),
                query("status", {"enum": list(LEAD_STATUSES)}, "Only leads in this status."),
                *PAGE_PARAMS,
            ],
            "responses": {"200": json_response("A page of leads, newest first.", page_of(ref("Lead"))), **errors(400, 401)},
        },
    },
    "/api/v1/leads/{id}": {
        "get": {
            "summary": "Read a lead",
            "tags": ["leads"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The lead.", ref("Lead")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Update a lead",
            "description": "Anyone in the organisation edits its fields; changing owner_id is for its owner or an "
            "administrator (403 otherwise; anyone may take an unowned lead), recorded in the audit log.",
            "tags": ["leads"],
            "parameters": [path_id()],
            "requestBody": body_schema(ref("LeadUpdate")),
            "responses": {"200": json_response("The updated lead.", ref("Lead")), **_conflict, **errors(400, 401, 403, 404, 415)},
        },
        "delete": {
            "summary": "Delete a lead (its owner or an administrator)",
            "description": "Its notes go, except those it passed to a contact on conversion. Recorded in the audit log.",
            "tags": ["leads"],
            "parameters": [path_id()],
            "responses": {"204": {"description": "Deleted."}, **errors(401, 403, 404)},
        },
    },
    "/api/v1/leads/{id}/timeline": {
        "get": {
            "summary": "Mail, notes and meetings with a lead, newest first",
            "description": "Mail links through the lead's address, including mail logged before the lead existed, unless the "
            "address was corrected away from the lead (match corrections). Each email shows as much as its visibility allows you.",
            "tags": ["leads"],
            "parameters": [path_id(), *PAGE_PARAMS],
            "responses": {"200": json_response("A page of the timeline.", page_of(ref("TimelineItem"))), **errors(400, 401, 404)},
        }
    },
    "/api/v1/leads/{id}/convert": {
        "post": {
            "summary": "Convert a lead into a contact",
            "description": "Its notes move to the contact; logged mail links to the contact by address. The contact "
            "keeps the lead's owner (the converter's if the lead had none). Optionally names the company and "
            "creates a first deal with the contact (yours, in its company), all in one transaction.",
            "tags": ["leads"],
            "parameters": [path_id()],
            "requestBody": body_schema(ref("LeadConvert"), required=False),
            "responses": {
                "201": json_response(
                    "The new contact, the converted lead and the first deal (null when none was asked for).",
                    {
                        "type": "object",
                        "required": ["contact", "lead", "deal"],
                        "properties": {"contact": ref("Contact"), "lead": ref("Lead"), "deal": {"oneOf": [ref("Deal"), {"type": "null"}]}},
                    },
                ),
                **_conflict,
                **errors(400, 401, 404, 415),
            },
        }
    },
}
