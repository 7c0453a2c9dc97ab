"""Whether the blocklist keeps mail out of "Log thread": the organisation's choice, on by default."""

import pytest

from threadbook.models import Email

REP = "rep@us.example"
TOKEN = "ya29.rep-token"


@pytest.fixture
def app_settings(gmail):
    return {"GOOGLE_API_ROOT": gmail.root}


@pytest.fixture
def org(factory):
    return factory.org(domain="us.example")


@pytest.fixture
def rep(factory, gmail, org):
    user = factory.user(org, email=REP)
    gmail.state.add_mailbox(REP)
    gmail.state.grant(TOKEN, REP, scopes=("gmail.modify",))
    return user


@pytest.fixture
def admin(factory, org):
    return factory.user(org, email="boss@us.example", role="admin")


@pytest.fixture
def thread(gmail):
    """A thread with a customer in which the rep's lawyer is copied on one message."""
    box = gmail.state.mailbox(REP)
    first = box.add_message(sender="Ada <ada@globex.example>", to=[REP], subject="Terms")
    box.add_message(sender=REP, to=["ada@globex.example"], cc=["Law <counsel@lawfirm.example>"], subject="Re: Terms", thread_id=first["threadId"])
    return first["threadId"]


def block(client, factory, user, pattern, scope="user"):
    answer = client.post("/api/v1/blocklist", json={"pattern": pattern, "scope": scope}, headers=factory.headers(user))
    assert answer.status_code == 201, answer.get_json()


def log(client, factory, user, thread_id):
    return client.post(f"/api/v1/threads/{thread_id}/log", headers=factory.headers(user, **{"X-Google-Access-Token": TOKEN}))


def test_by_default_blocked_messages_are_left_out_with_a_warning(client, factory, rep, thread, db):
    block(client, factory, rep, "lawfirm.example")

    answer = log(client, factory, rep, thread)

    assert answer.status_code == 201
    body = answer.get_json()
    assert [e["subject"] for e in body["created"]] == ["Terms"]
    assert body["warnings"] == ["1 message of this thread was not logged: a participant is on your or your organisation's blocklist."]
    assert body["label"] == "applied"
    assert Email.select().where(Email.from_email == REP).count() == 0


def test_a_thread_that_is_all_blocked_logs_nothing_and_is_not_labelled(client, factory, rep, admin, thread, gmail, db):
    block(client, factory, admin, "globex.example", scope="org")  # an administrator's entry holds for every member

    answer = log(client, factory, rep, thread)

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["created"] == [] and body["email_ids"] == [] and body["label"] == "skipped"
    assert "2 messages" in body["warnings"][0]
    assert Email.select().count() == 0
    assert gmail.state.mailbox(REP).label_by_name("Threadbook/Logged") is None


def test_when_the_organisation_says_so_logging_by_hand_ignores_the_blocklist(client, factory, rep, admin, thread, db):
    block(client, factory, rep, "lawfirm.example")
    assert client.patch("/api/v1/org", json={"blocklist_applies_to_manual_logs": False}, headers=factory.headers(rep)).status_code == 403
    assert client.patch("/api/v1/org", json={"blocklist_applies_to_manual_logs": False}, headers=factory.headers(admin)).status_code == 200

    answer = log(client, factory, rep, thread)

    assert answer.status_code == 201
    assert len(answer.get_json()["created"]) == 2 and answer.get_json()["warnings"] == []


def test_a_colleagues_own_blocklist_does_not_reach_my_logs(client, factory, rep, org, thread, db):
    colleague = factory.user(org, email="col@us.example")
    block(client, factory, colleague, "lawfirm.example")  # their own list, scope user

    answer = log(client, factory, rep, thread)

    assert len(answer.get_json()["created"]) == 2
