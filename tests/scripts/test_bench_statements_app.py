"""bench/statements_app.py, the floor bench/lookup_http.py measures the lookup against, runs exactly the lookup's statements.

If it ran fewer, the floor would look cheaper than any lookup can be; if it
ran more, the lookup would look closer to it than it is. Counted here at
peewee's execute_sql, under which every statement of a request passes (the
session check's too, the same for both requests).
"""

import json

import pytest

from bench import statements_app
from threadbook import hot_sql
from threadbook.db import database
from threadbook.matching import normalize_address
from threadbook.models import Company, Contact, ContactAddress, Deal, Email, EmailParticipant, Note

SEED = 3


@pytest.fixture
def counted():
    """Count the statements run, at peewee's execute_sql."""
    counts = []
    real = database.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counts.append(sql)
        return real(sql, params, *args, **kwargs)

    database.obj.execute_sql = counting
    yield counts
    del database.obj.execute_sql


def _a_known_contact(org, owner, body):
    """Make the body's first participant a contact with a company, an open deal, a note and logged mail, so every part of the lookup runs."""
    address = normalize_address(json.loads(body)["participants"][0]["email"])
    company = Company.create(org=org, name="Client", name_lower="client", owner=owner)
    contact = Contact.create(org=org, name="Known", name_lower="known", company=company, owner=owner)
    ContactAddress.create(org=org, contact=contact, email=address, email_normalized=address, is_primary=True)
    Deal.create(org=org, name="Renewal", company=company, contact=contact, owner=owner)
    Note.create(org=org, author=owner, body="Called", contact=contact)
    email = Email.create(
        org=org,
        owner=owner,
        message_key="<k@x>",
        subject="Hi",
        from_email=address,
        from_name="Known",
        date="2026-03-01 09:00:00",
        snippet="",
        visibility="team_full",
    )
    EmailParticipant.create(org=org, email=email, address=address, address_normalized=address, role="from")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_floor_runs_as_many_statements_as_the_lookup_and_refuses_what_it_did_not_record(app, db, factory, counted):
    org = factory.org(domain="us.example")
    me = factory.user(org, email="me@us.example")
    body = statements_app.bodies(SEED)[0]
    _a_known_contact(org, me, body)
    headers = {**factory.headers(me), "Content-Type": "application/json"}
    real_run = hot_sql._run_sqlite

    statements_app.install(app, [SEED], headers["Authorization"])

    assert hot_sql._run_sqlite is real_run  # recording leaves hot_sql as it found it
    client = app.test_client()
    counted.clear()
    lookup = client.post("/api/v1/lookup", data=body, headers=headers)
    lookup_statements = len(counted)
    counted.clear()
    floor = client.post(statements_app.PATH, data=body, headers=headers)
    assert lookup.status_code == 200 and lookup.get_json()["participants"][0]["kind"] == "contact"
    assert floor.status_code == 200 and floor.get_json() == {}
    assert len(counted) == lookup_statements > 10

    other = json.dumps({"participants": [{"email": "someone@else.example"}]})
    refused = client.post(statements_app.PATH, data=other, headers=headers)
    assert refused.status_code == 409 and "not recorded" in refused.get_json()["message"]
    assert client.post(statements_app.PATH, data=body, headers={"Content-Type": "application/json"}).status_code == 401
