"""Companies: create, search by name or domain, read, update, delete. A company owns its registrable domains."""

from flask import Blueprint, g, jsonify

from threadbook import matching
from threadbook.api.openapi import PAGE_PARAMS, errors, json_response, page_of, path_id, query, ref
from threadbook.api.openapi import json_body as body_schema
from threadbook.api.ownership import OWNER_ID_SCHEMA, owner_id
from threadbook.api.pages import paginate, search_term
from threadbook.api.params import json_body, string
from threadbook.crm import companies
from threadbook.crm.records import companies_matching, get_in_org, present_companies, present_company
from threadbook.errors import ApiError
from threadbook.models import Company

bp = Blueprint("companies", __name__)

MAX_DOMAINS = 20


def _domains(body):
    """Return the registrable domains from body["domains"], refusing free-mail ones."""
    values = body.get("domains")
    if values is None:
        return None
    if not isinstance(values, list) or len(values) > MAX_DOMAINS:
        raise ApiError(400, f"'domains' must be a list of at most {MAX_DOMAINS} domains.", field="domains")
    found = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ApiError(400, "Each of 'domains' must be a domain such as acme.com.", field="domains")
        host = value.strip().lower().rstrip(".")
        host = host.rpartition("@")[2]  # an address is accepted for its domain
        if not matching.is_valid_address(f"x@{host}"):
            raise ApiError(400, f"'{value[:100]}' is not a domain such as acme.com.", field="domains")
        registrable = matching.registrable_domain(host)
        if registrable is None:
            raise ApiError(400, f"'{value[:100]}' is not a registrable domain.", field="domains")
        if matching.is_free_mail(host) or matching.is_free_mail(registrable):
            raise ApiError(400, f"{registrable} is a free-mail or disposable domain: it cannot identify a company.", field="domains")
        if registrable not in found:
            found.append(registrable)
    return found


@bp.post("/companies")
def create_company():
    body = json_body()
    fields = {"name": string(body, "name", required=True, max_length=200)}
    domains = _domains(body) or []
    fields["industry"] = string(body, "industry", max_length=100) or None
    if body.get("owner_id") is not None:
        fields["owner"] = owner_id(body)
    return jsonify(present_company(companies.create(g.user, fields, domains))), 201


@bp.get("/companies")
def list_companies():
    return jsonify(paginate(companies_matching(g.org.id, search_term()), present_companies))


@bp.get("/companies/<int:id>")
def get_company(id):
    return jsonify(present_company(get_in_org(Company, id, g.org.id, "company")))


@bp.patch("/companies/<int:id>")
def update_company(id):
    body = json_body()
    fields = {}
    if "name" in body:
        fields["name"] = string(body, "name", required=True, max_length=200)
    if "industry" in body:
        fields["industry"] = string(body, "industry", max_length=100) or None
    if "owner_id" in body:
        fields["owner"] = owner_id(body)
    return jsonify(present_company(companies.update(g.user, id, fields, _domains(body))))


@bp.delete("/companies/<int:id>")
def delete_company(id):
    companies.delete(g.user, id)
    return "", 204


_company_input = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "domains": {
            "type": "array",
            "maxItems": MAX_DOMAINS,
            "items": {"type": "string", "maxLength": 253},
            "description": "Registrable domains (acme.co.uk); free-mail domains are refused. Replaces the list.",
        },
        "industry": {"type": ["string", "null"], "maxLength": 100},
        "owner_id": OWNER_ID_SCHEMA,
    },
}
OPENAPI_SCHEMAS = {"CompanyCreate": {**_company_input, "required": ["name"]}, "CompanyUpdate": _company_input}
_conflict = {"409": json_response("A domain already belongs to another company.", ref("Conflict"))}

OPENAPI_PATHS = {
    "/api/v1/companies": {
        "post": {
            "summary": "Create a company",
            "tags": ["companies"],
            "requestBody": body_schema(ref("CompanyCreate")),
            "responses": {"201": json_response("The new company.", ref("Company")), **_conflict, **errors(400, 401, 404, 415)},
        },
        "get": {
            "summary": "Search companies by name or domain",
            "tags": ["companies"],
            "parameters": [query("q", {"type": "string", "maxLength": 200}, "Part of a name or domain."), *PAGE_PARAMS],
            "responses": {"200": json_response("A page of companies by name.", page_of(ref("Company"))), **errors(400, 401)},
        },
    },
    "/api/v1/companies/{id}": {
        "get": {
            "summary": "Read a company",
            "tags": ["companies"],
            "parameters": [path_id()],
            "responses": {"200": json_response("The company.", ref("Company")), **errors(401, 404)},
        },
        "patch": {
            "summary": "Update a company",
            "description": "Anyone in the organisation edits its fields; changing owner_id is for its owner or an "
            "administrator (403 otherwise; anyone may take an unowned company), recorded in the audit log.",
            "tags": ["companies"],
            "parameters": [path_id()],
            "requestBody": body_schema(ref("CompanyUpdate")),
            "responses": {
                "200": json_response("The updated company.", ref("Company")),
                **_conflict,
                **errors(400, 401, 403, 404, 415),
            },
        },
        "delete": {
            "summary": "Delete a company (its owner or an administrator)",
            "description": "Its domains go; its contacts and deals stay, without a company. A company created from an "
            "address's domain has no owner, so only an administrator deletes it. Recorded in the audit log.",
            "tags": ["companies"],
            "parameters": [path_id()],
            "responses": {"204": {"description": "Deleted."}, **errors(401, 403, 404)},
        },
    },
}
