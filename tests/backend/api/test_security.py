"""What docs/security.md claims about the API (OWASP API Security Top 10), checked on every route there is.

Each test walks ``app.url_map`` or the OpenAPI document, so routes added
later are covered without editing this file:

- function-level authorisation: every ``admin_required`` view refuses a
  member with 403 and changes nothing;
- object properties: PATCH/PUT bodies naming columns a client must not set
  (ids, organisation, author, timestamps, secrets) change nothing;
- exposure: no answer carries a refresh token, a service-account key, a
  Google subject id or a colleague's dropbox address;
- resource consumption: every paginated list refuses ``per_page`` over its
  documented maximum; a chunked body over the size limit is a 413;
- SSRF: an uploaded service-account key cannot choose where the backend sends
  its token request;
- misconfiguration: every answer carries the security headers.
"""

import itertools
import re

import pytest
import requests

from threadbook.api import authentication as auth
from threadbook.api.openapi import openapi_path
from threadbook.models import ALL_MODELS, Contact, GoogleTasksLink, Mailbox, Organization, User

from ...fakes.server import ServerThread
from ..identity.test_cross_org import candidates, fill, populate, snapshot

ADMIN_WRAPPER = auth.admin_required(lambda: None).__code__
SENTINELS = {
    "refresh_token": "Sentinel-refresh-token-1//0gQ",
    "service_account_key": "Sentinel-service-account-key-BEGIN-PRIVATE-KEY",
    "google_sub": "Sentinel-google-sub-1100",
}


@pytest.fixture
def app_settings(google):
    return google.settings()


@pytest.fixture
def org_a(factory, db):
    """Organisation A with one of everything; ``{model: [ids]}`` plus ``admin``/``member`` headers."""
    org = factory.org(name="Alpha", domain="a-corp.example")
    ids = populate(org, "A")
    admin, member = (User.get_by_id(i) for i in ids[User])
    return {"org": org, "ids": ids, "admin": factory.headers(admin), "member": factory.headers(member), "member_user": member}


def rows_of(org_id):
    """Every row of the organisation, without the columns a no-op write may touch."""
    return {model: [{k: v for k, v in row.items() if k not in ("updated_at", "last_seen_at")} for row in rows] for model, rows in snapshot(org_id).items()}


def api_rules(app, methods):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.rule.startswith("/api/v1/"):
            for method in sorted((rule.methods or set()) & set(methods)):
                yield rule, method


def own_path(rule, ids):
    """The rule with the caller's own ids (the first of the kind its path names) filled in."""
    choices = candidates(rule.rule, ids)
    return fill(rule.rule, {name: values[0] for name, (values, _) in choices.items()})


def test_every_admin_only_route_refuses_a_member_and_changes_nothing(app, client, org_a):
    admin_only = [
        (rule, method)
        for rule, method in api_rules(app, {"GET", "POST", "PUT", "PATCH", "DELETE"})
        if app.view_functions[rule.endpoint].__code__ is ADMIN_WRAPPER
    ]
    documented = {f"{method} {rule.rule}" for rule, method in admin_only}
    # The organisation's settings, members, invitations, audit log and mailboxes are the admin's.
    assert {"PATCH /api/v1/org", "PATCH /api/v1/org/members/<int:id>", "POST /api/v1/org/invitations", "GET /api/v1/org/audit"} <= documented
    assert {"DELETE /api/v1/org/mailboxes", "PUT /api/v1/org/service-account"} <= documented
    before = rows_of(org_a["org"].id)
    body = {"role": "admin", "name": "Taken over", "email": "x@a-corp.example", "store_bodies": True, "key": {"type": "service_account"}}
    answers = {}
    for rule, method in admin_only:
        response = client.open(own_path(rule, org_a["ids"]), method=method, headers=org_a["member"], json=body if method != "GET" else None)
        answers[f"{method} {rule.rule}"] = response.status_code
    assert {route: status for route, status in answers.items() if status != 403} == {}
    assert rows_of(org_a["org"].id) == before


PROTECTED_FIELDS = {
    "id": 987654,
    "org": 987654,
    "org_id": 987654,
    "author_id": 987654,
    "logged_by_id": 987654,
    "user_id": 987654,
    "created_at": "2000-01-01T00:00:00Z",
    "converted_at": "2000-01-01T00:00:00Z",
    "converted_contact_id": 987654,
    "email_normalized": "hijack@elsewhere.example",
    "name_lower": "hijack",
    "message_key": "<hijack@elsewhere.example>",
    "gmail_message_id": "ffff",
    "google_event_id": "hijack",
    "google_sub": "hijack",
    "is_dev": True,
    "is_personal": True,
    "dropbox_token": "0000000000000000",
    "refresh_token": "hijack",
    "service_account_key": "hijack",
    "source": "hijack",
}


def test_writes_ignore_or_refuse_fields_a_client_must_not_set(app, client, org_a):
    """Mass assignment: a body full of internal columns changes no row, whether the route ignores them or says 400."""
    before = rows_of(org_a["org"].id)
    tried = []
    for rule, method in api_rules(app, {"PATCH", "PUT"}):
        path = own_path(rule, org_a["ids"])
        response = client.open(path, method=method, headers=org_a["admin"], json=PROTECTED_FIELDS)
        assert response.status_code < 500, (method, path, response.get_json())
        tried.append(f"{method} {rule.rule}")
        assert rows_of(org_a["org"].id) == before, f"{method} {path} changed a row: {response.get_json()}"
    assert len(tried) >= 8


def test_no_answer_exposes_a_secret_or_a_colleagues_dropbox_address(app, client, org_a, factory):
    org, ids = org_a["org"], org_a["ids"]
    Mailbox.update(refresh_token=SENTINELS["refresh_token"]).where(Mailbox.org == org.id).execute()
    Organization.update(service_account_key=SENTINELS["service_account_key"]).where(Organization.id == org.id).execute()
    GoogleTasksLink.create(org=org.id, user=ids[User][0], refresh_token=SENTINELS["refresh_token"], scopes="https://www.googleapis.com/auth/tasks")
    admin = User.get_by_id(ids[User][0])
    admin.google_sub = SENTINELS["google_sub"]
    admin.save()
    member = org_a["member_user"]
    secrets = [*SENTINELS.values(), app.config["SECRET_KEY"]]
    answers = 0
    for caller, headers in (("admin", org_a["admin"]), ("member", org_a["member"])):
        colleague_dropbox = member.dropbox_token if caller == "admin" else admin.dropbox_token
        for rule, _method in api_rules(app, {"GET"}):
            choices = candidates(rule.rule, ids)
            names = list(choices)
            for combo in itertools.product(*(choices[n][0] for n in names)):
                path = fill(rule.rule, dict(zip(names, combo, strict=True)))
                query = f"?contact_id={ids[Contact][0]}" if path == "/api/v1/notes" else ""
                text = client.get(path + query, headers=headers).get_data(as_text=True)
                answers += 1
                leaked = [s for s in secrets if s in text]
                assert leaked == [], f"{caller}: GET {path} shows {leaked}"
                assert colleague_dropbox not in text, f"{caller}: GET {path} shows a colleague's dropbox address"
    assert answers > 20


def test_every_paginated_list_refuses_more_than_its_documented_page(app, client, org_a):
    document = client.get("/api/v1/openapi.json").get_json()
    lists = [
        (own_path(rule, org_a["ids"]), parameter["schema"]["maximum"])
        for rule, _ in api_rules(app, {"GET"})
        for parameter in document["paths"][openapi_path(rule.rule)]["get"].get("parameters", [])
        if parameter["name"] == "per_page"
    ]
    assert len(lists) >= 5
    for path, maximum in lists:
        query = f"contact_id={org_a['ids'][Contact][0]}&" if path == "/api/v1/notes" else ""
        at_max = client.get(f"{path}?{query}per_page={maximum}", headers=org_a["admin"])
        over = client.get(f"{path}?{query}per_page={maximum + 1}", headers=org_a["admin"])
        huge = client.get(f"{path}?{query}per_page={10**30}", headers=org_a["admin"])
        assert at_max.status_code == 200, (path, at_max.get_json())
        assert (over.status_code, huge.status_code) == (400, 400), path


def test_a_chunked_body_over_the_size_limit_is_refused_with_413(app, org_a):
    """Without Content-Length the body is cut at MAX_CONTENT_LENGTH as it is read; the cut part must not be parsed."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    padding = b" " * (limit + 10)  # JSON ends early, whitespace pads it past the limit

    def chunks():
        yield b'{"body": "hello", "thread_id": "18aa"}'
        for start in range(0, len(padding), 65536):
            yield padding[start : start + 65536]

    headers = {**org_a["admin"], "Content-Type": "application/json"}
    with ServerThread(app) as server:
        response = requests.post(f"{server.url}/api/v1/notes", data=chunks(), headers=headers, timeout=30)
        small = requests.post(f"{server.url}/api/v1/notes", data=iter([b'{"body": "hello", "thread_id": "18aa"}']), headers=headers, timeout=30)
    assert response.status_code == 413, response.text
    assert small.status_code == 201, small.text


def test_a_service_account_key_cannot_choose_where_the_token_request_goes(app, client, google, factory):
    """SSRF: the uploaded key's token_uri is ignored; only GOOGLE_TOKEN_URI is ever called."""
    from flask import Flask

    hits = []
    trap = Flask("trap")

    @trap.route("/<path:anything>", methods=["GET", "POST"])
    def record(anything):
        hits.append(anything)
        return {"access_token": "stolen", "expires_in": 3600}

    org = factory.org(domain="acme.example")
    admin = factory.user(org, email="boss@acme.example", role="admin")
    google.state.add_mailbox(admin.email)
    with ServerThread(trap) as evil:
        key = {**google.oauth.register_service_account(["acme.example"]), "token_uri": f"{evil.url}/token"}
        response = client.put("/api/v1/org/service-account", json={"key": key}, headers=factory.headers(admin))
    assert response.status_code == 200, response.get_json()
    assert hits == []
    assert any(call for call in google.oauth.calls)


@pytest.mark.parametrize(
    "method, path, headers",
    [
        ("GET", "/healthz", False),
        ("GET", "/api/v1/openapi.json", False),
        ("GET", "/api/v1/me", True),
        ("GET", "/api/v1/me", False),  # 401
        ("GET", "/api/v1/contacts/999999", True),  # 404
        ("GET", "/api/v1/no-such-route", True),
        ("POST", "/api/v1/notes", True),  # 400
    ],
)
def test_every_answer_carries_the_security_headers(client, org_a, method, path, headers):
    response = client.open(path, method=method, headers=org_a["admin"] if headers else {})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    if path.startswith("/api/"):
        assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_no_view_can_keep_a_cookie_session(app):
    import flask

    with app.test_request_context("/api/v1/me"):  # opens the session as a request does
        assert isinstance(flask.session, flask.sessions.NullSession)
        with pytest.raises(RuntimeError):
            flask.session["user"] = 1  # a view cannot keep state in a cookie by accident


def test_the_model_list_is_what_the_probes_cover():
    """A new model with a secret column must be added to SENTINELS (and to the serializers' care)."""
    secret_columns = {
        f"{model.__name__}.{name}"
        for model in ALL_MODELS
        for name in model._meta.fields
        if re.search(r"token|secret|private|_key$|google_sub", name) and name not in ("message_key",)
    }
    known = {
        "Organization.service_account_key",
        "User.google_sub",
        "User.dropbox_token",
        "Mailbox.refresh_token",
        "Mailbox.backfill_page_token",
        "Mailbox.calendar_sync_token",
        "SyncedCalendar.sync_token",
        "GoogleTasksLink.refresh_token",
    }
    assert secret_columns <= known, f"new secret-looking columns to cover in this file: {sorted(secret_columns - known)}"
