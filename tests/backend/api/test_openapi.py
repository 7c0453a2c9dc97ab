"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document covering every route, and answers that match it."""

import copy
import json
import pathlib

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from threadbook.api.openapi import openapi_path

from ...conftest import build_app
from ...fakes.google_common import rate_limited

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def doc_app(sqlite_url, tmp_path):
    """The document does not depend on the database engine: build it on SQLite only."""
    return build_app(sqlite_url, tmp_path)


@pytest.fixture
def document(doc_app):
    response = doc_app.test_client().get("/api/v1/openapi.json")  # public: no session
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_route_and_method_is_documented(doc_app, document):
    missing = []
    for rule in doc_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        item = document["paths"].get(openapi_path(rule.rule), {})
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            if method.lower() not in item:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_public_routes_need_no_session_in_the_document(doc_app, document):
    for rule in doc_app.url_map.iter_rules():
        view = doc_app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or not getattr(view, "is_public", False):
            continue
        for method in (rule.methods or set()) - IGNORED_METHODS:
            assert document["paths"][openapi_path(rule.rule)][method.lower()].get("security") == [], rule.rule


def test_documented_paths_exist(doc_app, document):
    routes = {openapi_path(rule.rule) for rule in doc_app.url_map.iter_rules()}
    assert sorted(set(document["paths"]) - routes) == []


class ConformanceChecker:
    """Validate each answer's JSON against the schema the document gives for its route and status."""

    def __init__(self, app, document):
        self.document = document
        self.adapter = app.url_map.bind("localhost")
        self.registry = Registry().with_resource("urn:threadbook", Resource.from_contents(document, default_specification=DRAFT202012))
        self.checked = set()

    def _absolute(self, node):
        if isinstance(node, dict):
            return {k: ("urn:threadbook" + v if k == "$ref" and v.startswith("#") else self._absolute(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [self._absolute(v) for v in node]
        return node

    def _resolve(self, node):
        while "$ref" in node:
            target = self.document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def check(self, method, path, response):
        rule, _ = self.adapter.match(path.split("?")[0], method=method, return_rule=True)
        operation = self.document["paths"][openapi_path(rule.rule)][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"] or "default" in operation["responses"], f"{method} {path} answered {status}"
        documented = self._resolve(operation["responses"].get(status) or operation["responses"]["default"])
        if response.status_code == 204:
            assert not response.data
            return
        schema = documented["content"]["application/json"]["schema"]
        Draft202012Validator(self._absolute(copy.deepcopy(schema)), registry=self.registry).validate(response.get_json())
        self.checked.add((method, openapi_path(rule.rule), status))


@pytest.fixture
def checker(app):
    with app.test_client() as client:
        document = client.get("/api/v1/openapi.json").get_json()
    return ConformanceChecker(app, document)


@pytest.fixture
def app_settings(gmail):
    return {"GOOGLE_API_ROOT": gmail.root}


def test_answers_match_the_documented_schemas(client, factory, checker, gmail, db):
    org = factory.org(domain="us.example", store_bodies=True)
    rep = factory.user(org, email="rep@us.example")
    colleague = factory.user(org, email="col@us.example")
    gmail.state.grant("tok", "rep@us.example", scopes=("gmail.readonly",))
    thread_id = gmail.state.mailbox("rep@us.example").add_thread(3, sender="Ada <ada@acme.example>")

    def call(method, path, body=None, expect=None, as_user=None, **headers):
        response = client.open(path, method=method, json=body, headers=factory.headers(as_user or rep, **headers))
        checker.check(method, path, response)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.get_json())
        return response.get_json()

    company = call("POST", "/api/v1/companies", {"name": "Acme", "domains": ["acme.example"]}, 201)
    call("POST", "/api/v1/companies", {"name": "Acme 2", "domains": ["acme.example"]}, 409)
    call("GET", "/api/v1/companies?q=acme", expect=200)
    call("GET", f"/api/v1/companies/{company['id']}", expect=200)
    call("PATCH", f"/api/v1/companies/{company['id']}", {"industry": "Widgets"}, 200)
    contact = call("POST", "/api/v1/contacts", {"name": "Ada", "emails": ["ada@acme.example"]}, 201)
    call("POST", "/api/v1/contacts", {"email": "ada@acme.example"}, 409)
    call("POST", "/api/v1/contacts", {"email": "nope"}, 400)
    call("GET", "/api/v1/contacts?q=ada", expect=200)
    call("GET", f"/api/v1/contacts/{contact['id']}", expect=200)
    call("GET", "/api/v1/contacts/999999", expect=404)
    call("PATCH", f"/api/v1/contacts/{contact['id']}", {"title": "CTO"}, 200)
    lead = call("POST", "/api/v1/leads", {"email": "kat@nasa.example", "name": "Kat"}, 201)
    call("POST", "/api/v1/leads", {"email": "kat@nasa.example"}, 409)
    call("GET", "/api/v1/leads", expect=200)
    call("GET", f"/api/v1/leads/{lead['id']}", expect=200)
    call("PATCH", f"/api/v1/leads/{lead['id']}", {"status": "contacted"}, 200)
    call("POST", "/api/v1/notes", {"body": "Hi", "lead_id": lead["id"]}, 201)
    deal = call("POST", "/api/v1/deals", {"name": "Pilot", "contact_id": contact["id"], "amount": "100"}, 201)
    call("GET", "/api/v1/deals", expect=200)
    call("GET", f"/api/v1/deals/{deal['id']}", expect=200)
    call("PATCH", f"/api/v1/deals/{deal['id']}", {"stage": "proposal"}, 200)
    call("PATCH", f"/api/v1/deals/{deal['id']}", {"owner_id": colleague.id}, 403, as_user=colleague)
    call("DELETE", f"/api/v1/deals/{deal['id']}", expect=403, as_user=colleague)
    spare = call("POST", "/api/v1/companies", {"name": "Spare"}, 201)
    call("PATCH", f"/api/v1/companies/{spare['id']}", {"owner_id": colleague.id}, 200)
    call("DELETE", f"/api/v1/companies/{spare['id']}", expect=403)
    call("DELETE", f"/api/v1/companies/{spare['id']}", expect=204, as_user=colleague)
    logged = call("POST", f"/api/v1/threads/{thread_id}/log", None, 201, **{"X-Google-Access-Token": "tok"})
    assert logged["label"] == "skipped"
    call("POST", f"/api/v1/threads/{thread_id}/log", None, 200, **{"X-Google-Access-Token": "tok"})
    call("POST", f"/api/v1/threads/{thread_id}/log", None, 400)
    gmail.state.fail(rate_limited(5))
    call("POST", f"/api/v1/threads/{thread_id}/log", None, 503, **{"X-Google-Access-Token": "tok"})
    call("POST", "/api/v1/threads/ffff/log", None, 404, **{"X-Google-Access-Token": "tok"})
    note = call("POST", "/api/v1/notes", {"body": "On the thread", "thread_id": thread_id}, 201)
    call("GET", f"/api/v1/notes?thread_id={thread_id}", expect=200)
    participants = [{"email": "ada@acme.example"}, {"email": "kat@nasa.example"}, {"email": "rep@us.example"}, {"email": "col@us.example"}]
    participants += [{"email": "bob@acme.example", "name": "Bob"}, {"email": "bad"}, {"email": "ADA@acme.example"}]
    result = call("POST", "/api/v1/lookup", {"thread_id": thread_id, "participants": participants}, 200)
    assert result["thread"]["logged"] is True
    call("GET", f"/api/v1/contacts/{contact['id']}/timeline", expect=200)
    call("GET", f"/api/v1/leads/{lead['id']}/timeline", expect=200)
    correction = call("POST", "/api/v1/match-corrections", {"address": "ada@acme.example", "contact_id": contact["id"]}, 201)
    call("POST", "/api/v1/match-corrections", {"address": "ada@acme.example", "contact_id": contact["id"]}, 200)
    call("POST", "/api/v1/match-corrections", {"address": "ada@acme.example"}, 400)
    call("POST", "/api/v1/match-corrections", {"address": "ada@acme.example", "lead_id": 999999}, 404)
    call("GET", "/api/v1/match-corrections", expect=200)
    call("DELETE", f"/api/v1/match-corrections/{correction['id']}", expect=403, as_user=colleague)
    call("DELETE", f"/api/v1/match-corrections/{correction['id']}", expect=204)
    email_id = logged["email_ids"][0]
    call("GET", f"/api/v1/emails/{email_id}", expect=200)
    call("PATCH", f"/api/v1/emails/{email_id}", {"visibility": "private"}, 200)
    call("PATCH", f"/api/v1/emails/{email_id}", {"visibility": "nobody"}, 400)
    converted = call("POST", f"/api/v1/leads/{lead['id']}/convert", None, 201)
    call("POST", f"/api/v1/leads/{lead['id']}/convert", None, 409)
    call("GET", f"/api/v1/contacts/{converted['contact']['id']}/timeline", expect=200)
    call("DELETE", f"/api/v1/notes/{note['id']}", expect=204)
    call("DELETE", f"/api/v1/deals/{deal['id']}", expect=204)
    unauthenticated = client.post("/api/v1/lookup", json={"participants": []})
    checker.check("POST", "/api/v1/lookup", unauthenticated)
    assert len(checker.checked) >= 30  # distinct (method, path, status) answers checked


CONTRACT = pathlib.Path(__file__).with_name("openapi_contract.json")


def test_the_document_matches_the_published_contract(document):
    """Outside clients are built against these routes and fields: a change to them must be deliberate.

    The contract is the document as it stood before the backend moved to its
    package layout. To extend the API on purpose, regenerate the file (the
    message says how) and review the diff like any other change to the contract.
    """
    expected = json.loads(CONTRACT.read_text())
    assert document == expected, (
        "The OpenAPI document differs from tests/backend/api/openapi_contract.json. If the change is deliberate, run "
        "`make openapi-contract` and review the diff."
    )
