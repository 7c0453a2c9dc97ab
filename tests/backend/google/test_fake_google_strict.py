"""The fakes are as strict as Google where the product could lean on their kindness.

Scopes are checked per call (a token that reads may not change labels), label
names are compared without regard to case, ``messages.batchModify`` refuses
unknown ids, and a refresh can narrow a grant's scopes but never widen them.
Each is shown in Google's wire shape (the fake's own answers) and through the
product's client (the exception it turns the answer into).
"""

import pytest

from threadbook.google import errors as google_errors
from threadbook.google import gmail as gmail_api

from ...fakes.gmail import create_app
from ...fakes.gmail_store import GmailState
from ...fakes.google_oauth import CLIENT_ID, CLIENT_SECRET, FakeGoogleOAuth

MAILBOX = "rep@us.example"


@pytest.fixture
def fake():
    """The fake Gmail's state and a WSGI client of it (Google's wire answers, no HTTP server)."""
    state = GmailState()
    state.add_mailbox(MAILBOX)
    return state, create_app(state).test_client()


def call(client, method, path, token, json=None):
    return client.open(f"/gmail/v1/users/me{path}", method=method, headers={"Authorization": f"Bearer {token}"}, json=json)


def test_a_token_that_only_reads_cannot_change_labels_and_gets_googles_403(fake):
    state, client = fake
    box = state.mailbox(MAILBOX)
    message = box.add_message(sender="ada@ext.example", to=[MAILBOX])
    state.grant("reader", MAILBOX, scopes=("gmail.readonly",))

    answers = [
        call(client, "POST", f"/threads/{message['threadId']}/modify", "reader", {"addLabelIds": ["STARRED"]}),
        call(client, "POST", "/messages/batchModify", "reader", {"ids": [message["id"]], "addLabelIds": ["STARRED"]}),
        call(client, "POST", "/labels", "reader", {"name": "Threadbook/Logged"}),
    ]

    for answer in answers:
        assert answer.status_code == 403
        error = answer.get_json()["error"]
        assert error["status"] == "PERMISSION_DENIED"
        assert error["errors"][0]["reason"] == "insufficientPermissions"
        assert error["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
        assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
    assert box.messages[message["id"]]["labelIds"] == ["INBOX"]  # nothing was written
    assert call(client, "GET", f"/threads/{message['threadId']}", "reader").status_code == 200  # reading is allowed


def test_the_labels_scope_creates_labels_but_cannot_put_them_on_mail(fake):
    state, client = fake
    message = state.mailbox(MAILBOX).add_message(sender="ada@ext.example", to=[MAILBOX])
    state.grant("labels", MAILBOX, scopes=("gmail.labels",))

    created = call(client, "POST", "/labels", "labels", {"name": "Threadbook/Logged"})
    applied = call(client, "POST", f"/threads/{message['threadId']}/modify", "labels", {"addLabelIds": [created.get_json()["id"]]})

    assert created.status_code == 200
    assert applied.status_code == 403


def test_label_names_conflict_without_regard_to_case(fake):
    state, client = fake
    state.grant("tok", MAILBOX, scopes=("gmail.modify",))
    assert call(client, "POST", "/labels", "tok", {"name": "threadbook/logged"}).status_code == 200

    answer = call(client, "POST", "/labels", "tok", {"name": "Threadbook/Logged"})

    assert answer.status_code == 409
    assert answer.get_json()["error"]["message"] == "Label name exists or conflicts"
    assert call(client, "POST", "/labels", "tok", {"name": "inbox"}).status_code == 409  # system labels too


def test_batch_modify_refuses_unknown_ids_and_changes_nothing(fake):
    state, client = fake
    box = state.mailbox(MAILBOX)
    message = box.add_message(sender="ada@ext.example", to=[MAILBOX])
    state.grant("tok", MAILBOX, scopes=("gmail.modify",))

    answer = call(client, "POST", "/messages/batchModify", "tok", {"ids": [message["id"], "18c2a0f5b7e4ffff"], "addLabelIds": ["STARRED"]})

    assert answer.status_code == 400
    assert answer.get_json()["error"]["message"] == "Invalid id value"
    assert "STARRED" not in box.messages[message["id"]]["labelIds"]


def test_labels_can_be_renamed_and_deleted_as_in_gmails_settings(fake):
    state, client = fake
    box = state.mailbox(MAILBOX)
    message = box.add_message(sender="ada@ext.example", to=[MAILBOX])
    state.grant("tok", MAILBOX, scopes=("gmail.modify",))
    label = call(client, "POST", "/labels", "tok", {"name": "Threadbook/Logged"}).get_json()
    call(client, "POST", f"/threads/{message['threadId']}/modify", "tok", {"addLabelIds": [label["id"]]})

    renamed = call(client, "PATCH", f"/labels/{label['id']}", "tok", {"name": "Clients/Logged"})
    assert renamed.get_json() == {**label, "name": "Clients/Logged"}
    assert call(client, "GET", f"/labels/{label['id']}", "tok").get_json()["name"] == "Clients/Logged"
    assert call(client, "DELETE", f"/labels/{label['id']}", "tok").status_code == 204

    assert label["id"] not in box.messages[message["id"]]["labelIds"]  # gone from the mail too
    assert call(client, "GET", f"/labels/{label['id']}", "tok").status_code == 404
    assert call(client, "DELETE", "/labels/INBOX", "tok").status_code == 400


def test_the_product_client_reads_the_strict_answers(gmail):
    box = gmail.state.add_mailbox(MAILBOX)
    message = box.add_message(sender="ada@ext.example", to=[MAILBOX])
    gmail.state.grant("reader", MAILBOX, scopes=("gmail.readonly",))
    gmail.state.grant("writer", MAILBOX, scopes=("gmail.modify",))
    reader = gmail_api.Gmail.for_access_token("reader", gmail.root)
    writer = gmail_api.Gmail.for_access_token("writer", gmail.root)

    with pytest.raises(google_errors.InsufficientScope):
        reader.modify_thread(message["threadId"], add_label_ids=["STARRED"])
    with pytest.raises(google_errors.InsufficientScope):
        reader.batch_modify_messages([message["id"]], add_label_ids=["STARRED"])
    with pytest.raises(google_errors.NotFound):  # Gmail's 400 "Invalid id value"
        writer.batch_modify_messages(["18c2a0f5b7e4ffff"], add_label_ids=["STARRED"])
    writer.create_label("threadbook/logged")
    with pytest.raises(google_errors.Conflict):
        writer.create_label("Threadbook/Logged")


def test_a_refresh_narrows_scopes_but_never_widens_them():
    oauth = FakeGoogleOAuth()
    client = oauth.app.test_client()
    modify, events = "https://www.googleapis.com/auth/gmail.modify", "https://www.googleapis.com/auth/calendar.events"
    refresh_token = oauth.grant_refresh_token(MAILBOX, scope=f"{modify} {events}")
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}

    narrowed = client.post("/token", data={**form, "scope": events})
    widened = client.post("/token", data={**form, "scope": f"{events} https://mail.google.com/"})

    assert narrowed.get_json()["scope"] == events
    assert widened.status_code == 400
    assert widened.get_json()["error"] == "invalid_scope"
    assert client.post("/token", data=form).get_json()["scope"] == f"{modify} {events}"  # no scope asked: all granted


def test_rfc822msgid_search_finds_the_exact_message_id_and_a_metadata_token_may_not_search(fake):
    state, client = fake
    box = state.mailbox(MAILBOX)
    wanted = box.add_message(sender="ada@ext.example", to=[MAILBOX], message_id="<terms.1@ext.example>")
    box.add_message(sender="ada@ext.example", to=[MAILBOX], message_id="<terms.10@ext.example>")
    state.grant("reader", MAILBOX, scopes=("gmail.readonly",))
    state.grant("metadata", MAILBOX, scopes=("gmail.metadata",))

    for term in ("terms.1@ext.example", "<terms.1@ext.example>"):
        found = call(client, "GET", f"/messages?q=rfc822msgid:{term}", "reader").get_json()
        assert [m["id"] for m in found["messages"]] == [wanted["id"]], term
    assert "messages" not in call(client, "GET", "/messages?q=rfc822msgid:nobody@ext.example", "reader").get_json()
    assert call(client, "GET", "/messages?q=rfc822msgid:", "reader").status_code == 400  # no id: the fake refuses a term it cannot match, as it does any other
    refused = call(client, "GET", "/messages?q=rfc822msgid:terms.1@ext.example", "metadata")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == 403
