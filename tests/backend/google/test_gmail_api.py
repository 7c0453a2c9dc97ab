"""google.gmail: real client library calls against the fake Gmail, Google's errors translated."""

import pytest

from threadbook.google import errors as google_errors
from threadbook.google import gmail as gmail_api

from ...fakes.google_common import GoogleError, rate_limited

MAILBOX = "rep@us.example"


@pytest.fixture
def client(gmail):
    gmail.state.grant("tok", MAILBOX, scopes=("gmail.modify",))
    return gmail_api.Gmail.for_access_token("tok", gmail.root)


def test_calls_land_under_the_configured_root(client, gmail):
    thread_id = gmail.state.mailbox(MAILBOX).add_thread(2)
    thread = client.get_thread(thread_id)
    assert [m["threadId"] for m in thread["messages"]] == [thread_id, thread_id]
    headers = {h["name"] for h in thread["messages"][0]["payload"]["headers"]}
    assert headers <= set(gmail_api.METADATA_HEADERS)  # only what was asked for
    assert gmail.state.calls_to("GET", f"/gmail/v1/users/me/threads/{thread_id}")
    assert client.api_seconds > 0


def test_ensure_label_creates_once_and_survives_a_concurrent_create(client, gmail, monkeypatch):
    first = client.ensure_label("Threadbook/Logged")
    assert client.ensure_label("Threadbook/Logged") == first
    assert len(gmail.state.calls_to("POST", "/labels")) == 1
    # Another request creates it between our list and our create: Gmail answers 409, and we list again.
    real_list, stale = client.list_labels, [[]]
    monkeypatch.setattr(client, "list_labels", lambda: stale.pop() if stale else real_list())
    assert client.ensure_label("Threadbook/Logged") == first
    assert len(gmail.state.calls_to("POST", "/labels")) == 2


def test_ensure_label_finds_a_label_that_differs_only_in_case(client, gmail):
    theirs = gmail.state.mailbox(MAILBOX).create_label("threadbook/logged")

    assert client.ensure_label("Threadbook/Logged") == theirs["id"]
    assert gmail.state.calls_to("POST", "/labels") == []  # Gmail would have answered 409


@pytest.mark.parametrize(
    "error, expected",
    [
        (GoogleError(401, "Invalid Credentials", "authError"), google_errors.ReauthRequired),
        (GoogleError(403, "Request had insufficient authentication scopes.", "insufficientPermissions"), google_errors.InsufficientScope),
        (GoogleError(403, "User Rate Limit Exceeded", "userRateLimitExceeded", domain="usageLimits"), google_errors.RateLimited),
        (rate_limited(9), google_errors.RateLimited),
        (GoogleError(404, "Requested entity was not found.", "notFound"), google_errors.NotFound),
        (GoogleError(500, "Backend Error", "backendError"), google_errors.Unavailable),
        (GoogleError(400, "Precondition check failed.", "failedPrecondition"), google_errors.GoogleApiError),
    ],
)
def test_google_errors_become_gmail_errors(client, gmail, error, expected):
    thread_id = gmail.state.mailbox(MAILBOX).add_thread(1)
    gmail.state.fail(error)
    with pytest.raises(expected) as raised:
        client.get_thread(thread_id)
    assert raised.value.status == error.code
    if expected is google_errors.RateLimited:
        assert raised.value.retry_after >= 1


def test_an_unreachable_gmail_is_unavailable():
    client = gmail_api.Gmail.for_access_token("tok", "http://127.0.0.1:9/", timeout=2)
    with pytest.raises(google_errors.Unavailable):
        client.get_thread("18c2a0f5b7e40001")
