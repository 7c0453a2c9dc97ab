"""The Threadbook/Logged label on a logged thread: with the token when it may change labels, else through the connected mailbox."""

import pytest

from threadbook.db import database
from threadbook.models import Email, Mailbox, ThreadLabel

from ..support.sync import connect

REP = "rep@us.example"
READ_ONLY = "ya29.read-only"
MODIFY = "ya29.modify"


@pytest.fixture
def app_settings(sync_settings):
    return sync_settings


@pytest.fixture
def rep(factory, google):
    org = factory.org(domain="us.example")
    user = factory.user(org, email=REP)
    google.state.add_mailbox(REP)
    google.state.grant(READ_ONLY, REP, scopes=("gmail.readonly",))
    google.state.grant(MODIFY, REP, scopes=("gmail.modify",))
    return user


def log(client, factory, user, thread_id, token):
    return client.post(f"/api/v1/threads/{thread_id}/log", headers=factory.headers(user, **{"X-Google-Access-Token": token}))


def labelled_in_gmail(google, thread_id):
    box = google.state.mailbox(REP)
    label = box.label_by_name("Threadbook/Logged")
    return label is not None and label["id"] in box.thread_labels(thread_id)


def recorded_labels(app, user):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return [(row.gmail_thread_id, row.label) for row in ThreadLabel.select().where(ThreadLabel.user == user.id)]


def test_a_read_only_token_labels_through_the_connected_mailbox(app, client, factory, google, rep):
    connect(app, google, rep)
    thread_id = google.state.mailbox(REP).add_thread(3)

    response = log(client, factory, rep, thread_id, READ_ONLY)

    assert response.status_code == 201
    body = response.get_json()
    assert (body["label"], body["label_via"], body["label_reason"]) == ("applied", "mailbox", None)
    assert labelled_in_gmail(google, thread_id)
    assert recorded_labels(app, rep) == [(thread_id, "Threadbook/Logged")]


def test_a_token_that_may_change_labels_labels_by_itself(app, client, factory, google, rep):
    connect(app, google, rep)
    thread_id = google.state.mailbox(REP).add_thread(2)

    body = log(client, factory, rep, thread_id, MODIFY).get_json()

    assert (body["label"], body["label_via"]) == ("applied", "token")
    assert labelled_in_gmail(google, thread_id)


def test_without_a_connected_mailbox_the_label_is_skipped_and_the_reason_says_how_to_get_it(app, client, factory, google, rep):
    thread_id = google.state.mailbox(REP).add_thread(2)

    response = log(client, factory, rep, thread_id, READ_ONLY)

    assert response.status_code == 201  # logged all the same
    body = response.get_json()
    assert (body["label"], body["label_via"]) == ("skipped", None)
    assert "gmail.modify" in body["label_reason"] and "Connect your mailbox" in body["label_reason"]
    assert not labelled_in_gmail(google, thread_id)
    assert len(body["created"]) == 2


def test_a_disconnected_mailbox_is_not_used_to_label(app, client, factory, google, rep):
    mailbox = connect(app, google, rep)
    with app.app_context():
        database.connect(reuse_if_open=True)
        Mailbox.update(status="disconnected").where(Mailbox.id == mailbox.id).execute()
    thread_id = google.state.mailbox(REP).add_thread(1)

    body = log(client, factory, rep, thread_id, READ_ONLY).get_json()

    assert (body["label"], body["label_via"]) == ("skipped", None)
    assert not labelled_in_gmail(google, thread_id)


def test_a_mailbox_whose_grant_was_revoked_skips_the_label_and_loses_nothing(app, client, factory, google, rep):
    connect(app, google, rep)
    google.oauth.revoke_user(REP)  # the user removed Threadbook's access in their Google account
    thread_id = google.state.mailbox(REP).add_thread(2)

    response = log(client, factory, rep, thread_id, READ_ONLY)

    assert response.status_code == 201
    body = response.get_json()
    assert body["label"] == "skipped" and body["label_reason"]
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Email.select().where(Email.owner == rep.id).count() == 2


def test_a_label_differing_only_in_case_is_used_and_a_renamed_one_kept(app, client, factory, google, rep):
    box = google.state.mailbox(REP)
    theirs = box.create_label("THREADBOOK/LOGGED")  # Gmail would answer 409 to creating ours beside it
    first, second = box.add_thread(1), box.add_thread(1, sender="Bo <bo@globex.example>")

    body = log(client, factory, rep, first, MODIFY).get_json()
    box.rename_label(theirs["id"], "CRM")
    again = log(client, factory, rep, second, MODIFY).get_json()

    assert (body["label"], again["label"]) == ("applied", "applied")
    assert theirs["id"] in box.thread_labels(first) and theirs["id"] in box.thread_labels(second)
    assert [label["name"] for label in box.labels.values() if label["type"] == "user"] == ["CRM"]
