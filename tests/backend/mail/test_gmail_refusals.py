"""Gmail refusing a request (a 4xx that is neither reconnect, scope, not-found nor rate limit) answers 422 google_refused."""

import pytest

from threadbook.models import Email, TrackedThread

from ...fakes.google_common import GoogleError, not_found

REP = "rep@us.example"
TOKEN = "ya29.rep-token"


@pytest.fixture
def app_settings(gmail):
    return {"GOOGLE_API_ROOT": gmail.root}


@pytest.fixture
def rep(factory, gmail):
    org = factory.org(domain="us.example")
    user = factory.user(org, email=REP)
    gmail.state.add_mailbox(REP)
    gmail.state.grant(TOKEN, REP, scopes=("gmail.modify",))
    return user


def headers(factory, user):
    return factory.headers(user, **{"X-Google-Access-Token": TOKEN})


def test_a_thread_gmail_refuses_to_give_is_422_and_stores_nothing(client, factory, gmail, rep, db):
    thread_id = gmail.state.mailbox(REP).add_thread(1)
    gmail.state.fail(GoogleError(400, "Precondition check failed.", "failedPrecondition"))

    response = client.post(f"/api/v1/threads/{thread_id}/log", headers=headers(factory, rep))

    assert response.status_code == 422
    assert response.get_json()["error"] == "google_refused"
    assert "Precondition check failed." in response.get_json()["message"]
    assert Email.select().count() == 0


def test_a_message_gmail_will_not_send_is_422_and_logs_nothing(client, factory, gmail, rep, db):
    gmail.state.fail(GoogleError(400, "Invalid To header", "invalidArgument"), path_contains="/messages/send")

    response = client.post("/api/v1/emails/send", json={"to": ["ada@acme.example"], "subject": "Hi", "body": "Hi"}, headers=headers(factory, rep))

    assert response.status_code == 422
    assert response.get_json()["error"] == "google_refused"
    assert Email.select().count() == 0 and TrackedThread.select().count() == 0


def test_a_not_found_from_sending_into_no_thread_is_a_refusal_not_a_404(client, factory, gmail, rep, db):
    gmail.state.fail(not_found(), path_contains="/messages/send")

    response = client.post("/api/v1/emails/send", json={"to": ["ada@acme.example"], "subject": "Hi", "body": "Hi"}, headers=headers(factory, rep))

    assert response.status_code == 422
    assert response.get_json()["error"] == "google_refused"
    assert Email.select().count() == 0
