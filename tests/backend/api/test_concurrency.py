"""Fifty identical requests released at once store one record, on SQLite and PostgreSQL.

The app runs in a real threaded HTTP server (tests/fakes/server.py), so the
requests overlap inside the app and the database, not one after the other as
with the test client. A ``threading.Barrier`` releases all fifty clients
together; each holds its own connection.
"""

import logging
import threading

import pytest
import requests

from threadbook.models import Contact, ContactAddress, Email, EmailParticipant, Lead, MailboxMessage

from ...fakes.server import ServerThread

CLIENTS = 50
REP = "rep@us.example"
TOKEN = "ya29.concurrency"


@pytest.fixture
def app_settings(gmail):
    return {"GOOGLE_API_ROOT": gmail.root}


@pytest.fixture
def rep(factory, gmail):
    user = factory.user(factory.org(domain="us.example"), email=REP)
    gmail.state.grant(TOKEN, REP, scopes=("gmail.modify",))
    return user


@pytest.fixture
def server(app):
    with ServerThread(app) as running:
        yield running


def all_at_once(method, url, **kwargs):
    """Send ``CLIENTS`` identical requests released together; return [(status, json)]."""
    barrier = threading.Barrier(CLIENTS)
    results = [None] * CLIENTS

    def call(index):
        with requests.Session() as session:
            barrier.wait()
            response = session.request(method, url, timeout=120, **kwargs)
            results[index] = (response.status_code, response.json())

    threads = [threading.Thread(target=call, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert None not in results, "a client got no answer"
    return results


def statuses(results):
    return sorted(status for status, _ in results)


def unexpected(results, caplog, expected_error):
    """The first few unexpected answers and the server's logged tracebacks, for the failure message."""
    bodies = [body for _, body in results if body.get("error") != expected_error][:3]
    tracebacks = sorted({record.exc_text or record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR})
    return {"answers": bodies, "server_errors": tracebacks[:3]}


def test_fifty_simultaneous_logs_of_one_thread_store_it_once(server, factory, gmail, rep, db, caplog):
    thread_id = gmail.state.mailbox(REP).add_thread(4, sender="Ada <ada@acme.example>", to=[REP, "bob@acme.example"])
    headers = factory.headers(rep, **{"X-Google-Access-Token": TOKEN})

    results = all_at_once("POST", f"{server.url}/api/v1/threads/{thread_id}/log", headers=headers)

    assert statuses(results) == [200] * (CLIENTS - 1) + [201], unexpected(results, caplog, None)
    assert len({tuple(body["email_ids"]) for _, body in results}) == 1
    assert Email.select().where(Email.org == rep.org_id).count() == 4
    assert MailboxMessage.select().where(MailboxMessage.org == rep.org_id).count() == 4
    # Two forward messages (from Ada to rep and Bob) x 3 addresses, two replies (rep to Ada) x 2.
    assert EmailParticipant.select().where(EmailParticipant.org == rep.org_id).count() == 10


def test_fifty_simultaneous_leads_for_one_address_create_one(server, factory, rep, db, caplog):
    headers = factory.headers(rep)
    body = {"email": "Kat.Johnson@nasa.example", "name": "Kat Johnson"}

    results = all_at_once("POST", f"{server.url}/api/v1/leads", json=body, headers=headers)

    assert statuses(results) == [201] + [409] * (CLIENTS - 1), unexpected(results, caplog, "conflict")
    [created] = [body for status, body in results if status == 201]
    assert {body["existing"]["record"]["id"] for status, body in results if status == 409} == {created["id"]}
    assert Lead.select().where(Lead.org == rep.org_id).count() == 1


def test_fifty_simultaneous_contacts_for_one_address_create_one(server, factory, rep, db, caplog):
    headers = factory.headers(rep)
    body = {"name": "Ada Lovelace", "emails": ["ada@acme.example"]}

    results = all_at_once("POST", f"{server.url}/api/v1/contacts", json=body, headers=headers)

    assert statuses(results) == [201] + [409] * (CLIENTS - 1), unexpected(results, caplog, "conflict")
    assert Contact.select().where(Contact.org == rep.org_id).count() == 1
    assert ContactAddress.select().where(ContactAddress.org == rep.org_id).count() == 1


def test_fifty_simultaneous_conversions_of_one_lead_make_one_contact(server, factory, rep, db, caplog):
    headers = factory.headers(rep)
    lead = requests.post(f"{server.url}/api/v1/leads", json={"email": "kat@nasa.example", "name": "Kat"}, headers=headers, timeout=30).json()

    results = all_at_once("POST", f"{server.url}/api/v1/leads/{lead['id']}/convert", headers=headers)

    assert statuses(results) == [201] + [409] * (CLIENTS - 1), unexpected(results, caplog, "conflict")
    assert Contact.select().where(Contact.org == rep.org_id).count() == 1
    assert Lead.get_by_id(lead["id"]).status == "converted"
