"""Contacts: create, search by name or address, read, update, delete, and the timeline of mail, notes and meetings."""

from flask import Blueprint, g, jsonify

from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.ownership import OWNER_ID_SCHEMA, owner_id
from threadbook.api.pages import page_args, paginate, search_term
from threadbook.api.params import json_body, string
from threadbook.api.refs import address, address_list, name_field, record_id, record_ref
from threadbook.crm import contacts, timeline
from threadbook.crm.records import contacts_matching, get_in_org, present_contact, present_contacts
from threadbook.errors import ApiError
from threadbook.models import Company, Contact

bp = Blueprint("contacts", __name__)


def _emails(body, required):
    """Addresses from ``emails`` (a list) or ``email`` (one), primary first."""
    if "emails" in body:
        return address_list(body, "emails", required=required)
    one = address(body, "email", required=required)
    return [one] if one else None


def _company_choice(body):
    """The company of a new contact: company_id, else company_name, else none (company_id null), else from the address."""
    company_id = record_id(body, "company_id")
    if company_id is not None:
        return {"company_id": company_id}
    name = string(body, "company_name", max_length=200) or None
    return {"company_name": name, "without_company": "company_id" in body and not name}


def _fields(body, partial):
    """The contact's own columns given in the body (all of name, title and phone when creating)."""
    fields = {}
    if "name" in body or not partial:
        fields["name"] = name_field(body) or ""
    if "title" in body or not partial:
        fields["title"] = string(body, "title", max_length=200) or None
    if "phone" in body or not partial:
        fields["phone"] = string(body, "phone", max_length=50) or None
    return fields


@bp.post("/contacts")
def create_contact():
    body = json_body()
    addresses = _emails(body, required=True)
    fields = _fields(body, partial=False)
    if body.get("owner_id") is not None:
        fields["owner"] = owner_id(body)
    contact = contacts.create(g.user, addresses, fields, **_company_choice(body))
    return jsonify(present_contact(contact)), 201


@bp.get("/contacts")
def list_contacts():
    return jsonify(paginate(contacts_matching(g.org.id, search_term()), present_contacts))


@bp.get("/contacts/<int:id>")
def get_contact(id):
    return jsonify(present_contact(get_in_org(Contact, id, g.org.id, "contact")))


@bp.patch("/contacts/<int:id>")
def update_contact(id):
    body = json_body()
    fields = _fields(body, partial=True)
    if "owner_id" in body:
        fields["owner"] = owner_id(body)
    if "company_id" in body and "company_name" in body:
        raise ApiError(400, "Send company_id or company_name, not both.", field="company_name")
    if "company_id" in body:
        company = record_ref(body, "company_id", Company, "company")
        fields["company"] = company.id if company else None
    if "company_name" in body:
        fields["company_name"] = string(body, "company_name", max_length=200) or ""
    addresses = address_list(body, "emails") if "emails" in body else None
    return jsonify(present_contact(contacts.update(g.user, id, fields, addresses)))


@bp.delete("/contacts/<int:id>")
def delete_contact(id):
    contacts.delete(g.user, id)
    return "", 204


@bp.get("/contacts/<int:id>/timeline")
def contact_timeline(id):
    """Mail with any of the contact's addresses, its notes and meetings, newest first."""
    contact = get_in_org(Contact, id, g.org.id, "contact")
    page, per_page = page_args()
    items, has_more = timeline.contact_timeline(g.user, contact, page, per_page)
    return jsonify({"items": items, "page": page, "per_page": per_page, "has_more": has_more})


_contact_input = {
    "type": "object",
    "properties": {
        "name": {"type": ["string", "null"], "maxLength": 200},
        "emails": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {"type": "string", "maxLength": 254},
            "description": "Every address of the contact, the primary first.",
        },
        "email": {"type": "string", "maxLength": 254, "description": "One address (instead of emails)."},
        "title": {"type": ["string", "null"], "maxLength": 200},
        "phone": {"type": ["string", "null"], "maxLength": 50},
        "company_id": {"type": ["integer", "null"]},
        "owner_id": OWNER_ID_SCHEMA,
    },
}
OPENAPI_SCHEMAS = {
    "ContactCreate": {
        **_contact_input,
        "properties": {
            **_contact_input["properties"],
            "company_name": {
                "type": ["string", "null"],
                "maxLength": 200,
                "description": "Found or created; without it the company comes from the address's domain.",
            },
        },
        "anyOf": [{"required": ["emails"]}, {"required": ["email"]}],
    },
    "ContactUpdate": {
        **_contact_input,
        "properties": {
            **{k: v for k, v in _contact_input["properties"].items() if k != "email"},
            "company_name": {
                "type": ["string", "null"],
                "maxLength": 200,
                "description": "Instead of company_id: the company of that name (any case), created when there is none; empty or null for none.",
            },
        },
    },
    "TimelineItem": {
        "type": "object",
        "required": ["kind", "at"],
        "properties": {
            "kind": {"enum": ["email", "note", "meeting"]},
            "at": {"type": "string", "format": "date-time"},
            "email": ref("Email"),
            "note": ref("Note"),
            "meeting": ref("Meeting"),
        },
    },
}
_conflict = {"409": json_response("An address already belongs to a contact, lead or colleague.", ref("Conflict"))}

OPENAPI_PATHS = {
    "/api/v1/contacts": {
        "post": {
            "summary": "Create a contact",
            "tags": ["contacts"],
            "requestBody": body_schema(ref("ContactCreate")),
            "responses": {"201": json_response("The new contact.", ref("Contact")), **_conflict, **errors(400, 401, 404, 415)},
        },
        "get": {
            "summary": "Search contacts by name or address",
            "tags": ["contacts"],
            "parameters": [query("q", {"type": "string", "maxLength": 200}, "Part of a name or address."), *PAGE_PARAMS],
            "responses": {"200": json_response("A page of contacts by name.", page_of(ref("Contact"))), **errors(400, 401)},
        },
    },
    "/api/v1/contacts/{id}": {
        "get": {
            "summary": "Read a contact",
            "tags": ["contacts"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The contact.", ref("Contact")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Update a contact (emails replaces the whole list)",
            "description": "Anyone in the organisation edits its fields; changing owner_id is for its owner or an "
            "administrator (403 otherwise; anyone may take an unowned contact), recorded in the audit log.",
            "tags": ["contacts"],
            "parameters": [path_id()],
            "requestBody": body_schema(ref("ContactUpdate")),
            "responses": {
                "200": json_response("The updated contact.", ref("Contact")),
                **_conflict,
                **errors(400, 401, 403, 404, 415),
            },
        },
        "delete": {
            "summary": "Delete a contact (its owner or an administrator)",
            "description": "Its addresses and notes go; logged mail stays with the organisation, linked by address, "
            "and deals keep their company. Recorded in the audit log.",
            "tags": ["contacts"],
            "parameters": [path_id()],
            "responses": {"204": {"description": "Deleted."}, **errors(401, 403, 404)},
        },
    },
    "/api/v1/contacts/{id}/timeline": {
        "get": {
            "summary": "Mail, notes and meetings with a contact, newest first",
            "description": "Mail links through any of the contact's addresses, including mail logged before the "
            "contact existed, except addresses corrected away from the contact (match corrections). Each email shows as "
            "much as its visibility allows you.",
            "tags": ["contacts"],
            "parameters": [path_id(), *PAGE_PARAMS],
            "responses": {"200": json_response("A page of the timeline.", page_of(ref("TimelineItem"))), **errors(400, 401, 404)},
        }
    },
}
