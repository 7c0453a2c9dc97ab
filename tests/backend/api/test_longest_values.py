"""The longest value the API accepts in a text field is stored, on SQLite and PostgreSQL: a 4xx or a success, never a 500.

PostgreSQL refuses a string longer than its column (``varchar(255)`` for a
peewee ``CharField``) where SQLite stores it, so a limit in a view larger
than its column passes every SQLite test and fails on PostgreSQL with a
``DataError``, a 500. This sends, for every string property of every
documented request body, a plausible request with that property as long as
the API allows (its documented ``maxLength``, else the 1,000 characters
``params.string`` allows by default), as organisation A's administrator,
against the populated organisations of the fuzzing campaign
(test_fuzz_api.py), and collects every 500.
"""

import collections

from peewee import AutoField

from threadbook.db import database
from threadbook.models import ALL_MODELS

from ... import pg_server
from .test_fuzz_api import HOSTILE_CALLER, HOSTILE_TARGETS, _kind, _resolve, _spot_id, google_token, plausible, populated_app, schema
from .test_fuzz_api import _imap_hosts_unreachable as _imap_hosts_unreachable  # noqa: F401 (a fixture of this module too)
from .test_fuzz_api import _loopback_only as _loopback_only
from .test_fuzz_api import fake_google as fake_google

DEFAULT_LIMIT = 1000  # params.string's max_length when a view names none
SPECIAL = {"email", "emails", "to", "cc", "bcc", "attendees", "pattern", "domains", "redirect_uri", "thread_id", "message_ids", "content_base64"}


def _text_places():
    """(spot, length): every body property that takes free text, and the longest the API documents for it."""
    for spot in HOSTILE_TARGETS:
        method, path, where, name, spec = spot
        if where != "body" or name is None or name in SPECIAL or name.endswith("_id"):
            continue
        spec = _resolve(spec, schema.raw_schema)
        if _kind(spec) != "string" or spec.get("enum") or spec.get("format") or spec.get("pattern"):
            continue
        yield spot, spec.get("maxLength") or DEFAULT_LIMIT


PLACES = list(_text_places())

# What else a request needs to get as far as storing the text (a fresh address each time: no "already a contact").
CONTEXT = {
    ("POST", "/api/v1/contacts"): lambda n: {"email": f"long-{n}@a-client.example"},
    ("POST", "/api/v1/leads"): lambda n: {"email": f"long-lead-{n}@a-prospect.example"},
    ("POST", "/api/v1/emails/send"): lambda n: {"to": ["ceo@a-client.example"]},
    ("POST", "/api/v1/notes"): lambda n: {"contact_id": 1},
    ("POST", "/api/v1/meetings"): lambda n: {"allow_conflict": True},
}


def _request(spot, text):
    """(path, body): the operation on organisation A's first records, with its required properties and ``text`` at the place."""
    method, path, _, name, _ = spot
    document = schema.raw_schema
    operation = document["paths"][path][method.lower()]
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            value = "1" if _kind(parameter.get("schema", {})) == "integer" else "18c2f0a1b2c3d4e5"
            path = path.replace("{" + parameter["name"] + "}", value)
    body_schema = _resolve(operation["requestBody"]["content"]["application/json"]["schema"], document)
    body = {key: plausible(key, body_schema["properties"][key], document) for key in body_schema.get("required", [])}
    context = CONTEXT.get((method, spot[1]), lambda n: {})(len(_sent))
    _sent.append(spot)
    return path, {**body, **context, name: text}


_sent = []


def test_there_are_text_places_to_try():
    names = {spot[3] for spot, _ in PLACES}
    assert {"title", "name", "notes", "body", "subject"} <= names, names


def _ids_start_at_one(database_url):
    """Restart PostgreSQL's id sequences (the shared test database is emptied, not recreated): paths name organisation A's records as 1."""
    if database_url.startswith("postgresql"):
        restarts = [
            f"SELECT setval(pg_get_serial_sequence('\"{m._meta.table_name}\"', 'id'), 1, false)"
            for m in ALL_MODELS
            if isinstance(m._meta.primary_key, AutoField)
        ]
        pg_server.admin_execute(database_url, "; ".join(restarts))


def test_the_longest_accepted_text_is_stored_not_a_server_error(database_url, tmp_path, fake_google, _loopback_only):
    _ids_start_at_one(database_url)
    app = populated_app(database_url, tmp_path, fake_google)
    headers = {**app.fuzz_sessions[HOSTILE_CALLER], "X-Google-Access-Token": google_token(HOSTILE_CALLER)}
    client, failures, stored, statuses = app.test_client(), [], 0, collections.Counter()
    for spot, length in PLACES:
        path, body = _request(spot, "x" * length)
        answer = client.open(path, method=spot[0], json=body, headers=headers)
        statuses[answer.status_code] += 1
        if answer.status_code >= 500 and answer.status_code not in (502, 503):  # Google's or the queue's state, said in words
            failures.append(f"{_spot_id(spot)} ({length} characters): {answer.status_code} {answer.get_data(as_text=True)[:200]}")
        stored += answer.status_code < 300
    if not database.is_closed():
        database.close()
    assert failures == [], "\n".join(failures)
    assert stored > len(PLACES) // 2, statuses  # most were taken, so the values reached the database
