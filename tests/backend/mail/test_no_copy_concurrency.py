"""Switching no-copy mode on while mail is being stored leaves no content behind, on SQLite and PostgreSQL.

Twelve logs of different threads and the administrator's confirmed switch are
released together against a real threaded server: every store either
committed before the switch (and the purge took its content) or saw the new
policy (and kept none), whatever the interleaving. (Without the store's
shared lock on the organisation row, PostgreSQL fails this most runs.)
"""

import threading

import pytest
import requests

from threadbook.models import Email, Organization

from ...fakes.server import ServerThread

LOGS = 12
REP, ADMIN = "rep@us.example", "boss@us.example"
TOKEN = "ya29.no-copy-race"


@pytest.fixture
def app_settings(gmail):
    return {"GOOGLE_API_ROOT": gmail.root}


def test_a_switch_racing_stores_leaves_no_content(app, factory, gmail, db):
    org = factory.org(domain="us.example", store_bodies=True)
    rep, admin = factory.user(org, email=REP), factory.user(org, email=ADMIN, role="admin")
    box = gmail.state.add_mailbox(REP)
    gmail.state.grant(TOKEN, REP, scopes=("gmail.modify",))
    threads = [box.add_message(sender="ada@acme.example", to=[REP], subject=f"Deal {n}", body=f"words {n}")["threadId"] for n in range(LOGS)]
    before = box.add_message(sender="ada@acme.example", to=[REP], subject="Before", body="already stored")["threadId"]
    as_rep = factory.headers(rep, **{"X-Google-Access-Token": TOKEN})
    requests_ = [("post", f"/api/v1/threads/{t}/log", as_rep, None) for t in threads]
    requests_.append(("patch", "/api/v1/org", factory.headers(admin), {"no_copy_mode": True, "confirm": "purge"}))
    barrier = threading.Barrier(len(requests_))
    statuses = [None] * len(requests_)

    with ServerThread(app) as server:
        # One email stored with content first, so the purge always has something to take.
        first = requests.post(f"{server.url}/api/v1/threads/{before}/log", headers=as_rep, timeout=60)
        assert first.status_code == 201

        def call(index, method, path, headers, body):
            with requests.Session() as session:
                barrier.wait()
                statuses[index] = session.request(method, server.url + path, headers=headers, json=body, timeout=120).status_code

        workers = [threading.Thread(target=call, args=(i, *r)) for i, r in enumerate(requests_)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    assert statuses[:-1] == [201] * LOGS and statuses[-1] == 200, statuses
    assert Organization.get_by_id(org.id).no_copy_mode is True
    assert Email.select().where(Email.org == org.id).count() == LOGS + 1
    assert Email.select().where((Email.org == org.id) & ((Email.content_stored == True) | (Email.snippet != ""))).count() == 0  # noqa: E712
