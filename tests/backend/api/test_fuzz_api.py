"""Fuzz every operation of the API from its own OpenAPI document, as members of two organisations.

schemathesis reads ``GET /api/v1/openapi.json`` (served in process through
WSGI) and generates requests for every operation it documents, valid and
invalid (bodies, query strings, path ids, headers), with Hypothesis. Each one
is sent to a real app on SQLite whose two organisations hold one of every
record (``test_cross_org.populate``), signed in as the admin or a member of
organisation A, or the admin of organisation B. Every answer must:

- never be a 5xx;
- carry a status code the document lists for the operation, with a declared
  content type, headers and a body matching the documented schema;
- refuse the same request without a session (401), unless the operation is
  public;
- never contain organisation B's text when the caller belongs to A.

Google is never reached: every Google endpoint the app could call (ID-token
certificates, OAuth token and revocation, Gmail, Calendar) points at the
local fakes of ``tests/fakes``, and any other connection or DNS look-up
fails the test (``_loopback_only``).

The number of generated examples per operation is ``THREADBOOK_FUZZ_EXAMPLES``
(default 5, about a minute here on 2 cores); ``make fuzz`` runs a longer
campaign. The hostile-value cases at the end of the module (deep JSON, huge
integers, line separators and controls in strings, look-alike addresses)
run ``THREADBOOK_FUZZ_HOSTILE_EXAMPLES`` per place (default 3, 50 in
``make fuzz``), on SQLite and again on PostgreSQL, which refuses what SQLite
stores (a string longer than its column, a NUL); both report their counts
and 5xx when the module ends. Generation is derandomised, so a run is reproducible. Two
schemathesis checks are left out on purpose: ``positive_data_acceptance`` and
``negative_data_rejection`` judge the *request* schemas, which document types
and bounds but not every rule the views enforce (a blank name, an end before a
start), so they would flag correct 400s and harmless leniency, not bugs.
"""

import collections
import ipaddress
import json
import os
import re
import socket
import zlib
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.core.failures import Failure, FailureGroup

from threadbook.api import parent_blueprint
from threadbook.db import database
from threadbook.models import User

from ... import pg_server
from ...conftest import Factory, build_app, create_database
from ...fakes.gcalendar import CalendarState, combined_app
from ...fakes.gmail_store import GmailState
from ...fakes.google_identity import FakeGoogleIdentity
from ...fakes.google_oauth import CLIENT_ID as OAUTH_CLIENT_ID
from ...fakes.google_oauth import CLIENT_SECRET, FakeGoogleOAuth
from ...fakes.server import ServerThread
from ..identity.test_cross_org import SECRET, populate

EXAMPLES = int(os.environ.get("THREADBOOK_FUZZ_EXAMPLES") or 5)
CALLERS = ("a-admin", "a-member", "b-admin")
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.ignored_auth,
    checks.missing_required_header,
    checks.unsupported_method,
]


class SwappableApp:
    """A WSGI app that forwards to ``target``: the schema is loaded at import, the app under test built later."""

    def __init__(self, target):
        self.target = target

    def __call__(self, environ, start_response):
        return self.target(environ, start_response)


def _document_app():
    """Serve the real document without a database: the API blueprints alone, as ``create_app`` registers them."""
    app = Flask("threadbook_document")
    app.register_blueprint(parent_blueprint())
    return app


TARGET = SwappableApp(_document_app())
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    TARGET,
    config=schemathesis.Config.from_dict({"generation": {"mode": "all"}}),
)
STATS = {"examples": 0, "operations": set(), "statuses": collections.Counter(), "failures": 0}


def google_token(caller):
    return f"ya29.fuzz-{caller}"


def _is_loopback(host):
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="module")
def _loopback_only():
    """Fail any connection or name look-up beyond this machine while the module runs."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise AssertionError(f"the fuzzed app tried to reach {address[0]}: point that Google setting at a fake")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(host if isinstance(host, str) else host.decode()):
            raise AssertionError(f"the fuzzed app tried to resolve {host}: point that Google setting at a fake")
        return real_getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


@pytest.fixture(scope="module", autouse=True)
def _imap_hosts_unreachable():
    """IMAP accounts name any host (sync/imap/client.py): here none resolves, so no look-up leaves the machine."""
    from threadbook.sync.imap import client

    def unreachable(host, port, tls, settings):
        raise client.ImapFailure("unreachable", f"The host {host!r} does not resolve: check its name.")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client, "resolve", unreachable)
        yield


@pytest.fixture(scope="module")
def fake_google():
    """Every Google endpoint the app calls, served locally; yields the app settings that point at them."""
    identity, oauth = FakeGoogleIdentity(), FakeGoogleOAuth()
    gmail, calendar = GmailState(), CalendarState()
    with ServerThread(identity.app) as id_server, ServerThread(oauth.app) as oauth_server, ServerThread(combined_app(gmail, calendar)) as api_server:
        yield {
            "gmail": gmail,
            "calendar": calendar,
            "settings": {
                "GOOGLE_CERTS_URL": id_server.url + "/oauth2/v1/certs",
                "GOOGLE_CLIENT_IDS": [identity.client_id, OAUTH_CLIENT_ID],
                "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
                "GOOGLE_API_ROOT": api_server.url + "/",
                "GOOGLE_TOKEN_URI": oauth_server.url + "/token",
                "GOOGLE_REVOKE_URI": oauth_server.url + "/revoke",
                "GOOGLE_AUTH_URI": oauth_server.url + "/o/oauth2/v2/auth",
                "QUEUE_IMMEDIATE": True,
                "ENCRYPTION_KEY": "fuzzing-passphrase-0123456789",
                "SYNC_QUOTA_UNITS_PER_SECOND": 0,
                "DROPBOX_DOMAIN": "dropbox.threadbook.example",
                "SESSION_TTL_SECONDS": 7 * 24 * 3600,  # a long `make fuzz` outlives the default hour
            },
        }


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, fake_google, _loopback_only):
    """One app for the whole campaign (state builds up as it would in use), with two populated organisations."""
    tmp = tmp_path_factory.mktemp("fuzz")
    app = populated_app(f"sqlite:///{tmp / 'fuzz.sqlite3'}", tmp, fake_google)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture(scope="module")
def fuzz_app_postgresql(request, tmp_path_factory, fake_google, _loopback_only):
    """The same populated app on a PostgreSQL database of its own (the shared one is emptied before each test)."""
    url_for = request.getfixturevalue("postgres")
    name = f"tb_fuzz_{os.getpid()}"
    create_database(url_for, name)
    app = populated_app(url_for(name), tmp_path_factory.mktemp("fuzz-pg"), fake_google)
    yield app
    app.extensions["threadbook_db"].close_all()
    pg_server.admin_execute(url_for("postgres"), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def populated_app(database_url, tmp, fake_google):
    """An app on ``database_url`` whose organisations A and B hold one of every record; ``app.fuzz_sessions`` by caller."""
    app = build_app(database_url, tmp, **fake_google["settings"])
    factory = Factory(app)
    with app.app_context():
        database.connect(reuse_if_open=True)
        org_a, org_b = factory.org(domain="a-corp.example"), factory.org(domain="b-corp.example")
        populate(org_a, "A")
        populate(org_b, "B", secret=SECRET)
        sessions = {}
        for tag, org in (("a", org_a), ("b", org_b)):
            for user in User.select().where(User.org == org.id):
                caller = f"{tag}-{user.role}"
                sessions[caller] = factory.headers(user)
                # The caller's Google access token opens their fake mailbox and calendar.
                fake_google["gmail"].add_mailbox(user.email)
                fake_google["gmail"].grant(google_token(caller), user.email, scopes=("gmail.modify",))
                fake_google["calendar"].add_calendar(user.email)
                fake_google["calendar"].grant(google_token(caller), user.email)
        database.close()
    app.fuzz_sessions = sessions
    return app


@pytest.fixture
def target(fuzz_app):
    """Point the schema's WSGI app and the shared database proxy at the app under test."""
    database.initialize(fuzz_app.extensions["threadbook_db"])  # another module's app may have rebound it
    TARGET.target = fuzz_app
    yield fuzz_app
    TARGET.target = _document_app()


@pytest.fixture(params=["sqlite", "postgresql"])
def hostile_target(request):
    """The populated app on each database: PostgreSQL refuses what SQLite stores (a string longer than its column, NUL)."""
    app = request.getfixturevalue("fuzz_app" if request.param == "sqlite" else "fuzz_app_postgresql")
    database.initialize(app.extensions["threadbook_db"])
    return app


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    """Print what the campaigns tried once the module is done."""
    yield
    lines = []
    if STATS["examples"]:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(STATS["statuses"].items()))
        lines.append(
            f"fuzz: {STATS['examples']} examples over {len(STATS['operations'])} operations "
            f"({EXAMPLES} generated per operation), failures: {STATS['failures']}; statuses {statuses}"
        )
    if HOSTILE_STATS["cases"]:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(HOSTILE_STATS["statuses"].items()))
        lines.append(
            f"fuzz (hostile values): {HOSTILE_STATS['cases']} cases over {len(HOSTILE_STATS['targets'])} places "
            f"({HOSTILE_EXAMPLES} generated per place), 5xx: {HOSTILE_STATS['server_errors']}; statuses {statuses}"
        )
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if lines and reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)


def _other_org_text(case, response, caller):
    if caller.startswith("a-") and SECRET in response.text:
        raise AssertionError(f"{case.operation.label} answered organisation B's text to organisation A:\n{response.text[:500]}")


def caller_for(case):
    """Pick who sends ``case`` from the case itself, so a replayed or shrunk example keeps its caller.

    (``@schema.given`` would draw it, but turns off schemathesis's coverage phase.)
    """
    seed = repr((case.operation.label, case.path_parameters, case.query, case.body))
    return CALLERS[zlib.crc32(seed.encode()) % len(CALLERS)]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_answers_as_documented(case, target):
    caller = caller_for(case)
    headers = dict(target.fuzz_sessions[caller])
    if case.headers and case.headers.get("X-Google-Access-Token"):
        # A usable token, so the routes that call Google go past the token check to the fakes.
        case.headers["X-Google-Access-Token"] = google_token(caller)
    response = case.call(headers=headers)
    STATS["examples"] += 1
    STATS["operations"].add(case.operation.label)
    STATS["statuses"][response.status_code] += 1
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
        _other_org_text(case, response, caller)
    except (FailureGroup, Failure, AssertionError):
        STATS["failures"] += 1
        raise


def test_the_fuzzed_document_is_the_one_the_app_serves(target):
    served = target.test_client().get("/api/v1/openapi.json").get_json()
    assert served == schema.raw_schema
    assert len(list(schema.get_all_operations())) >= 50


# Regressions the fuzzer found, pinned on both database engines.

_INT_ARG = re.compile(r"<int:\w+>")


@pytest.mark.parametrize("record_id", [2**63 - 1, 2**63, 2**64 + 7, 10**40])
def test_ids_beyond_a_database_integer_are_not_found_not_a_crash(app, factory, record_id):
    """``<int:id>`` once passed any size to the database: SQLite raised OverflowError, PostgreSQL 'out of range', both a 500."""
    headers = factory.headers(factory.user(factory.org(domain="us.example"), role="admin"))
    client = app.test_client()
    answers = {}
    for rule in app.url_map.iter_rules():
        if not _INT_ARG.search(rule.rule):
            continue
        path = _INT_ARG.sub(str(record_id), rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers, json={} if method in ("POST", "PATCH", "PUT") else None)
            answers[f"{method} {rule.rule}"] = response.status_code
    assert len(answers) >= 20
    assert {route: status for route, status in answers.items() if not 400 <= status < 500} == {}


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/api/v1/calendar/busy?start=0001-01-01T00:00:01Z&end=0001-01-01T00:00:00.0%2B01:01", None),
        ("GET", "/api/v1/calendar/busy?start=9999-12-31T23:00:00Z&end=9999-12-31T23:59:00-01:00", None),
        ("POST", "/api/v1/meetings", {"title": "x", "start": "0001-01-01T00:00:00+01:00", "end": "0001-01-01T01:00:00+01:00"}),
    ],
)
def test_times_that_fall_outside_the_calendar_in_utc_are_a_400(client, factory, method, path, body):
    """An offset that moves a time before year 1 or after 9999 in UTC raised OverflowError: a 500."""
    headers = factory.headers(factory.user(factory.org(domain="us.example")))
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == 400, response.get_json()
    assert "out of range" in response.get_json()["message"]


# -- Hostile values -------------------------------------------------------------------
# The document's schemas describe what a request should hold; an attacker (or a careless
# client) sends what they do not: JSON nested 100,000 deep, integers beyond a database
# column, line separators and control characters inside strings, addresses with
# non-ASCII local parts. Each case below starts from a plausible request for one
# operation and makes one place in it hostile (a body property, a query or path
# parameter, or the whole body), so the hostile value gets past the checks that come
# before it. Every answer must be a 4xx or a success, never a 5xx.

HOSTILE_EXAMPLES = int(os.environ.get("THREADBOOK_FUZZ_HOSTILE_EXAMPLES") or 3)  # per place; `make fuzz` runs 50
HOSTILE_STATS = {"cases": 0, "targets": set(), "server_errors": 0, "statuses": collections.Counter()}
HOSTILE_CALLER = "a-admin"  # ids in paths are 1: organisation A's records, created first

# Characters str.splitlines() splits at (the email package folds headers there), other
# controls, direction overrides, a byte order mark and a lone surrogate.
HOSTILE_CHARS = "\u2028\x85\u2029\x0b\x0c\x1c\x1d\x1e\r\n\x00\x07\x1b\x7f\x9f\u202e\u200b\ufeff\ud800"
HUGE_INTEGERS = [10**20, 2**63, -(2**63) - 1, 2**64 + 7, 10**40, -(10**30)]
ADDRESS_NAMES = {"email", "emails", "to", "cc", "bcc", "attendees", "pattern"}
LOOKALIKE_ADDRESSES = ["jöhn@a-client.example", "\u212aevin@a-client.example", "ada@bücher.example", "ａｄａ@a-client.example", "ceo@a\u2028client.example"]
PLAIN_TEXT = "Hello there"
DEEPLY_NESTED = ["[" * 100_000, '{"a":' * 100_000, "[" * 65 + "]" * 65]


def _resolve(spec, document):
    while isinstance(spec, dict) and "$ref" in spec:
        spec = document["components"]["schemas"][spec["$ref"].rsplit("/", 1)[1]]
    return spec or {}


def _kind(spec):
    kinds = spec.get("type") or ("string" if "enum" not in spec else None)
    if isinstance(kinds, list):
        kinds = next((k for k in kinds if k != "null"), None)
    return kinds


def plausible(name, spec, document):
    """Return a value a careful client would send for property ``name`` (ids are left to the cases that target them)."""
    spec = _resolve(spec, document)
    if spec.get("enum"):
        return next(v for v in spec["enum"] if v is not None)
    kind = _kind(spec)
    if kind == "object":
        return {key: plausible(key, sub, document) for key, sub in spec.get("properties", {}).items() if not key.endswith("_id")}
    if kind == "array":
        return [plausible(name, spec.get("items", {}), document)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 100
    if kind == "boolean":
        return False
    if spec.get("format") == "date-time":
        return "2026-03-02T11:00:00Z" if name in ("end", "to") else "2026-03-02T10:00:00Z"
    if spec.get("format") == "date":
        return "2026-03-31"
    if name in ADDRESS_NAMES:
        return "ceo@a-client.example"
    if name == "domains":
        return "a-client.example"
    if name in ("thread_id", "message_ids"):
        return "18c2f0a1b2c3d4e5"
    if name == "redirect_uri":
        return "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/"
    if name == "content_base64":
        return "eA=="
    if name == "filename":
        return "a.txt"
    if name == "mime_type":
        return "text/plain"
    return PLAIN_TEXT


def _with_char_inside(text, char):
    middle = len(text) // 2  # inside, where strip() cannot take it away
    return text[:middle] + char + text[middle:]


def hostile_json(name, spec, document):
    """A strategy for JSON text to put where property ``name`` goes: its first examples are the ones that found bugs."""
    spec = _resolve(spec, document)
    kind = _kind(spec)
    base = plausible(name, spec, document)
    text_base = base[0] if isinstance(base, list) and base and isinstance(base[0], str) else base if isinstance(base, str) else PLAIN_TEXT
    strings = st.one_of(
        st.sampled_from(LOOKALIKE_ADDRESSES if name in ADDRESS_NAMES else [_with_char_inside(text_base, HOSTILE_CHARS[0])]),
        st.sampled_from(HOSTILE_CHARS).map(lambda char: _with_char_inside(text_base, char)),
        st.text(alphabet=st.one_of(st.sampled_from(HOSTILE_CHARS), st.characters()), min_size=1, max_size=30),
        st.integers(10_000, 300_000).map(lambda n: "x" * n),
    )
    if kind == "array":
        strings = strings.map(lambda s: [s])
    as_json = strings.map(json.dumps)
    numbers = st.one_of(st.sampled_from(HUGE_INTEGERS).map(str), st.sampled_from(["1e999999", "-1e999999", "9" * 5000, "NaN", "Infinity"]))
    nested = st.one_of(st.sampled_from(DEEPLY_NESTED), st.integers(60, 20_000).map(lambda n: "[" * n + "]" * n))
    if kind in ("integer", "number"):
        return st.one_of(numbers, nested, as_json)
    return st.one_of(as_json, nested, numbers)


def _splice(body, name, raw):
    """Return ``body`` as JSON text with ``name`` set to the raw JSON text ``raw`` (too deep for json.dumps)."""
    marker = "\x00hostile\x00"
    return json.dumps({**body, name: marker}).replace(json.dumps(marker), raw)


def _hostile_targets(document):
    """Yield (method, path, where, name, spec) for every place of every operation a hostile value can go."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for parameter in operation.get("parameters", []):
                if parameter["in"] in ("query", "path") and (parameter["in"] == "query" or _kind(parameter.get("schema", {})) == "string"):
                    yield method.upper(), path, parameter["in"], parameter["name"], parameter.get("schema", {})
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is None:
                continue
            yield method.upper(), path, "body", None, body
            for name, spec in _resolve(body, document).get("properties", {}).items():
                yield method.upper(), path, "body", name, spec


HOSTILE_TARGETS = list(_hostile_targets(schema.raw_schema))


def _hostile_request(spot, raw):
    """Return (path, query, body text or None) for one case: a plausible request with ``raw`` at ``spot``."""
    method, path, where, name, spec = spot
    document = schema.raw_schema
    operation = document["paths"][path][method.lower()]
    path_values = {
        p["name"]: ("1" if _kind(p.get("schema", {})) == "integer" else "18c2f0a1b2c3d4e5") for p in operation.get("parameters", []) if p["in"] == "path"
    }
    query = {}
    if where == "path":
        path_values[name] = quote(raw.encode("utf-8", "surrogatepass"), safe="")
    elif where == "query":
        query[name] = raw.encode("utf-8", "surrogatepass")
    body_text = None
    body_spec = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body_spec is not None:
        body_schema = _resolve(body_spec, document)
        required = set(body_schema.get("required", []))
        base = {
            key: plausible(key, sub, document)
            for key, sub in body_schema.get("properties", {}).items()
            if key in required or not key.endswith("_id")  # another record's id would answer 404 before the hostile value is read
        }
        if where != "body":
            body_text = json.dumps(base)
        elif name is None:
            body_text = raw
        else:
            body_text = _splice(base, name, raw)
    for key, value in path_values.items():
        path = path.replace("{" + key + "}", value)
    return path, urlencode(query), body_text


def _hostile_value(spot):
    method, path, where, name, spec = spot
    if where == "body" and name is None:
        return st.one_of(st.sampled_from(DEEPLY_NESTED), st.integers(60, 100_000).map(lambda n: '{"a":' * n + "1" + "}" * n), st.just("9" * 5000))
    if where == "body":
        return hostile_json(name, spec, schema.raw_schema)
    if _kind(spec) == "integer":
        return st.one_of(st.sampled_from(["99999999999999999999", str(2**63), "-99999999999999999999", "9" * 5000, "١٢", "1_0"]), st.integers().map(str))
    return st.one_of(st.sampled_from(HOSTILE_CHARS).map(lambda char: _with_char_inside("18c2f0a1", char)), st.text(min_size=1, max_size=30))


def _spot_id(spot):
    method, path, where, name, _ = spot
    return f"{method} {path} {where}:{name or '(whole)'}"


@pytest.mark.parametrize("spot", HOSTILE_TARGETS, ids=_spot_id)
@settings(max_examples=HOSTILE_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_hostile_values_answer_4xx_not_5xx(hostile_target, spot, data):
    target = hostile_target
    raw = data.draw(_hostile_value(spot), label="hostile value")
    path, query, body_text = _hostile_request(spot, raw)
    headers = {**target.fuzz_sessions[HOSTILE_CALLER], "X-Google-Access-Token": google_token(HOSTILE_CALLER)}
    response = target.test_client().open(
        path,
        method=spot[0],
        query_string=query,
        data=body_text.encode("utf-8", "surrogatepass") if body_text is not None else None,
        content_type="application/json" if body_text is not None else None,
        headers=headers,
    )
    HOSTILE_STATS["cases"] += 1
    HOSTILE_STATS["targets"].add(_spot_id(spot))
    HOSTILE_STATS["statuses"][response.status_code] += 1
    if response.status_code >= 500:
        HOSTILE_STATS["server_errors"] += 1
    assert response.status_code < 500, f"{_spot_id(spot)} = {raw[:200]!r}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        assert set(response.get_json()) >= {"error", "message"}
