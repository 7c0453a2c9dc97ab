"""Deals, minimal CRUD: what the side panel shows beside a contact or company."""

from flask import Blueprint, g, jsonify, request

from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.ownership import OWNER_ID_SCHEMA, owner_id
from threadbook.api.pages import paginate
from threadbook.api.params import choice, date, json_body, query_int, string
from threadbook.api.refs import amount, currency, record_ref
from threadbook.crm import deals
from threadbook.crm.records import deals_matching, get_in_org, present_deal, present_deals
from threadbook.errors import ApiError
from threadbook.models import DEAL_STATUSES, Company, Contact, Deal

bp = Blueprint("deals", __name__)


def deal_fields(body, partial):
    """The Deal columns given in ``body``, checked; creating (not ``partial``) requires the name."""
    fields = {}
    if "name" in body or not partial:
        fields["name"] = string(body, "name", required=True, max_length=200)
    if "stage" in body:
        fields["stage"] = string(body, "stage", max_length=50) or "qualification"
    if "status" in body:
        fields["status"] = choice(body, "status", DEAL_STATUSES) or "open"
    if "amount" in body:
        fields["amount"] = amount(body)
    if "currency" in body:
        fields["currency"] = currency(body) or "USD"
    if "close_date" in body:
        fields["close_date"] = date(body, "close_date")
    if "company_id" in body:
        company = record_ref(body, "company_id", Company, "company")
        fields["company"] = company.id if company else None
    if "contact_id" in body:
        contact = record_ref(body, "contact_id", Contact, "contact")
        fields["contact"] = contact.id if contact else None
    if "owner_id" in body:
        fields["owner"] = owner_id(body)
    return fields


@bp.post("/deals")
def create_deal():
    deal = deals.create(g.user, deal_fields(json_body(), partial=False))
    return jsonify(present_deal(deal)), 201


@bp.get("/deals")
def list_deals():
    status = request.args.get("status")
    if status and status not in DEAL_STATUSES:
        raise ApiError(400, f"Query parameter 'status' must be one of: {', '.join(DEAL_STATUSES)}.")
    contact_id = query_int("contact_id", None, 1, 2**63 - 1)
    company_id = query_int("company_id", None, 1, 2**63 - 1)
    return jsonify(paginate(deals_matching(g.org.id, status, contact_id, company_id), present_deals))


@bp.get("/deals/<int:id>")
def get_deal(id):
    return jsonify(present_deal(get_in_org(Deal, id, g.org.id, "deal")))


@bp.patch("/deals/<int:id>")
def update_deal(id):
    deal = deals.update(g.user, id, deal_fields(json_body(), partial=True))
    return jsonify(present_deal(deal))


@bp.delete("/deals/<int:id>")
def delete_deal(id):
    deals.delete(g.user, id)
    return "", 204


DEAL_INPUT = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "stage": {"type": ["string", "null"], "maxLength": 50, "description": "Free text, e.g. proposal, negotiation."},
        "status": {"enum": list(DEAL_STATUSES)},
        "amount": {
            "type": ["number", "string", "null"],
            "description": "Non-negative, up to 999999999999.99; answered as a decimal string.",
        },
        "currency": {"type": ["string", "null"], "pattern": "^[A-Z]{3}$"},
        "close_date": {"type": ["string", "null"], "format": "date"},
        "company_id": {"type": ["integer", "null"]},
        "contact_id": {"type": ["integer", "null"]},
        "owner_id": OWNER_ID_SCHEMA,
    },
}
OPENAPI_SCHEMAS = {"DealCreate": {**DEAL_INPUT, "required": ["name"]}, "DealUpdate": DEAL_INPUT}

OPENAPI_PATHS = {
    "/api/v1/deals": {
        "post": {
            "summary": "Create a deal",
            "tags": ["deals"],
            "requestBody": body_schema(ref("DealCreate")),
            "responses": {"201": json_response("The new deal.", ref("Deal")), **errors(400, 401, 404, 415)},
        },
        "get": {
            "summary": "List deals, newest first",
            "tags": ["deals"],
            "parameters": [
                query("status", {"enum": list(DEAL_STATUSES)}, "Only deals in this status."),
                query("contact_id", {"type": "integer", "minimum": 1}, "Only this contact's deals."),
                query("company_id", {"type": "integer", "minimum": 1}, "Only this company's deals."),
                *PAGE_PARAMS,
            ],
            "responses": {"200": json_response("A page of deals.", page_of(ref("Deal"))), **errors(400, 401)},
        },
    },
    "/api/v1/deals/{id}": {
        "get": {
            "summary": "Read a deal",
            "tags": ["deals"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The deal.", ref("Deal")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Update a deal",
            "description": "Anyone in the organisation edits its fields (stage, amount…); changing owner_id is for its "
            "owner or an administrator (403 otherwise; anyone may take an unowned deal), recorded in the audit log.",
            "tags": ["deals"],
            "parameters": [path_id()],
            "requestBody": body_schema(ref("DealUpdate")),
            "responses": {"200": json_response("The updated deal.", ref("Deal")), **errors(400, 401, 403, 404, 415)},
        },
        "delete": {
            "summary": "Delete a deal (its owner or an administrator)",
            "description": "Recorded in the audit log.",
            "tags": ["deals"],
            "parameters": [path_id()],
            "responses": {"204": {"description": "Deleted."}, **errors(401, 403, 404)},
        },
    },
}
