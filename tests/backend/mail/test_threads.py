"""Logging a Gmail thread: fetched from a local fake Gmail API, stored once, labelled where allowed."""

import threading

import pytest
import requests

from threadbook.models import Email, EmailParticipant, MailboxMessage, ThreadLabel, TrackedThread

from ...fakes.google_common import GoogleError, backend_error, not_found, rate_limited
from ...fakes.server import ServerThread

REP = "rep@us.example"
TOKEN = "ya29.rep-token"


@pytest.fixture
def app_settings(gmail):
    # A client id: Google is set up here (without one, what needs Google answers google_not_configured).
    return {"GOOGLE_API_ROOT": gmail.root, "GOOGLE_CLIENT_IDS": ["threadbook-test.apps.googleusercontent.com"]}


@pytest.fixture
def rep(factory, gmail):
    org = factory.org(domain="us.example")
    user = factory.user(org, email=REP)
    gmail.state.add_mailbox(REP)
    gmail.state.grant(TOKEN, REP, scopes=("gmail.modify",))
    return user


def headers(factory, user, token=TOKEN):
    return factory.headers(user, **({"X-Google-Access-Token": token} if token else {}))


def log(client, factory, user, thread_id, token=TOKEN, **body):
    return client.post(f"/api/v1/threads/{thread_id}/log", json=body or None, headers=headers(factory, user, token))


def counts(org_id):
    return (
        Email.select().where(Email.org == org_id).count(),
        MailboxMessage.select().where(MailboxMessage.org == org_id).count(),
        EmailParticipant.select().where(EmailParticipant.org == org_id).count(),
    )


def test_logging_stores_every_message_with_participants_and_labels_the_thread(client, factory, gmail, rep, db):
    box = gmail.state.mailbox(REP)
    thread_id = box.add_thread(3, sender="Ada Lovelace <Ada@Acme.example>", to=[REP, "Bob <bob@acme.example>"])

    response = log(client, factory, rep, thread_id)

    assert response.status_code == 201
    body = response.get_json()
    assert len(body["created"]) == 3 and len(body["email_ids"]) == 3
    assert body["label"] == "applied" and body["label_reason"] is None
    first = body["created"][0]
    assert first["subject"] == "Proposal"
    assert first["from"] == {"name": "Ada Lovelace", "email": "Ada@Acme.example"}
    assert {p["email"] for p in first["to"]} == {REP, "bob@acme.example"}
    assert first["snippet"] == "Hello" and first["body"] is None  # the org stores no bodies
    assert first["visibility"] == "team_metadata"  # the organisation's default

    email = Email.get_by_id(first["id"])
    assert email.owner_id == rep.id and email.logged_by_id == rep.id and email.source == "manual"
    assert email.gmail_thread_id == thread_id and email.rfc_message_id.startswith("<")
    roles = {(p.address_normalized, p.role) for p in EmailParticipant.select().where(EmailParticipant.email == email.id)}
    assert roles == {("ada@acme.example", "from"), (REP, "to"), ("bob@acme.example", "to")}
    assert len(gmail.state.calls_to("GET", f"/threads/{thread_id}")) == 1
    label = box.label_by_name("Threadbook/Logged")
    assert label is not None and label["id"] in box.thread_labels(thread_id)
    assert ThreadLabel.select().where(ThreadLabel.gmail_thread_id == thread_id).count() == 1


def test_logging_again_creates_nothing_and_answers_200(client, factory, gmail, rep, db):
    thread_id = gmail.state.mailbox(REP).add_thread(4)
    first = log(client, factory, rep, thread_id)
    before = counts(rep.org_id)

    second = log(client, factory, rep, thread_id)

    assert first.status_code == 201 and second.status_code == 200
    assert second.get_json()["created"] == []
    assert second.get_json()["email_ids"] == first.get_json()["email_ids"]
    assert counts(rep.org_id) == before
    assert len(gmail.state.mailbox(REP).labels) == 10  # nine system labels and ours, created once


def test_new_messages_in_the_thread_are_added_on_the_next_log(client, factory, gmail, rep, db):
    box = gmail.state.mailbox(REP)
    thread_id = box.add_thread(2)
    log(client, factory, rep, thread_id)
    box.add_message(sender="ada@acme.example", to=[REP], subject="Re: Proposal", thread_id=thread_id)

    response = log(client, factory, rep, thread_id)

    assert response.status_code == 201
    assert len(response.get_json()["created"]) == 1 and len(response.get_json()["email_ids"]) == 3


def test_only_the_chosen_messages_are_logged(client, factory, gmail, rep, db):
    box = gmail.state.mailbox(REP)
    thread_id = box.add_thread(3)
    chosen = box.threads[thread_id][1]

    response = log(client, factory, rep, thread_id, message_ids=[chosen])

    assert response.status_code == 201
    assert [Email.get_by_id(i).gmail_message_id for i in response.get_json()["email_ids"]] == [chosen]


def test_bodies_are_stored_when_the_organisation_stores_them(client, factory, gmail, rep, db):
    rep.org.store_bodies = True
    rep.org.save()
    box = gmail.state.mailbox(REP)
    box.add_message(sender="ada@acme.example", to=[REP], subject="Plain", body="Line one\nLine two")
    html_thread = box.add_message(sender="ada@acme.example", to=[REP], subject="Rich", body="Plain version", html_body="<p>Rich <b>version</b></p>")["threadId"]
    html_only = box.add_message(sender="ada@acme.example", to=[REP], subject="Html only", body="")
    html_only["payload"]["mimeType"] = "text/html"
    html_only["payload"]["body"]["data"] = "PGRpdj5IZWxsbyAmYW1wOyBieWU8L2Rpdj4"  # <div>Hello &amp; bye</div>

    plain = log(client, factory, rep, list(box.threads)[0]).get_json()["created"][0]
    rich = log(client, factory, rep, html_thread).get_json()["created"][0]
    only = log(client, factory, rep, html_only["threadId"]).get_json()["created"][0]

    assert plain["body"] == "Line one\nLine two"
    assert rich["body"] == "Plain version"
    assert only["body"] == "Hello & bye"


def test_a_metadata_only_token_logs_without_bodies(client, factory, gmail, rep, db):
    rep.org.store_bodies = True
    rep.org.save()
    gmail.state.grant("metadata-token", REP, scopes=("gmail.metadata",))
    thread_id = gmail.state.mailbox(REP).add_thread(1)

    response = log(client, factory, rep, thread_id, token="metadata-token")

    assert response.status_code == 201
    body = response.get_json()
    assert body["created"][0]["body"] is None
    assert "metadata" in body["warnings"][0]
    assert body["label"] == "skipped"


def test_without_the_modify_scope_the_thread_is_logged_and_the_label_skipped(client, factory, gmail, rep, db):
    gmail.state.grant("read-only", REP, scopes=("gmail.readonly",))
    thread_id = gmail.state.mailbox(REP).add_thread(2)

    response = log(client, factory, rep, thread_id, token="read-only")

    assert response.status_code == 201
    body = response.get_json()
    assert body["label"] == "skipped"
    assert "gmail.modify" in body["label_reason"]
    assert counts(rep.org_id)[0] == 2
    assert ThreadLabel.select().count() == 0


def test_a_gmail_failure_while_labelling_still_logs(client, factory, gmail, rep, db):
    thread_id = gmail.state.mailbox(REP).add_thread(1)
    gmail.state.fail(backend_error(), method="POST", path_contains="/modify")

    response = log(client, factory, rep, thread_id)

    assert response.status_code == 201
    assert response.get_json()["label"] == "skipped"
    assert "Backend Error" in response.get_json()["label_reason"]


def test_an_expired_token_asks_to_reconnect_google(client, factory, gmail, rep, db):
    thread_id = gmail.state.mailbox(REP).add_thread(1)
    gmail.state.expire(TOKEN)

    response = log(client, factory, rep, thread_id)

    assert response.status_code == 401
    assert response.get_json()["error"] == "google_reauth_required"
    assert "Reconnect Google" in response.get_json()["message"]
    assert counts(rep.org_id)[0] == 0


def test_an_unknown_token_asks_to_reconnect_google(client, factory, gmail, rep, db):
    response = log(client, factory, rep, "18c2a0f5b7e40001", token="never-issued")
    assert response.status_code == 401
    assert response.get_json()["error"] == "google_reauth_required"


@pytest.mark.parametrize("thread_id", ["18c2a0f5b7e4ffff", "abc"])
def test_an_unknown_thread_is_404(client, factory, gmail, rep, thread_id):
    response = log(client, factory, rep, thread_id)
    assert response.status_code == 404
    assert thread_id in response.get_json()["message"]


def test_rate_limiting_is_a_503_with_retry_after(client, factory, gmail, rep, db):
    thread_id = gmail.state.mailbox(REP).add_thread(1)
    gmail.state.fail(rate_limited(retry_after=17))

    response = log(client, factory, rep, thread_id)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "17"
    assert response.get_json()["error"] == "google_rate_limited"


def test_rate_limiting_without_a_header_reads_the_time_from_googles_message(client, factory, gmail, rep, db):
    thread_id = gmail.state.mailbox(REP).add_thread(1)
    gmail.state.fail(rate_limited())

    response = log(client, factory, rep, thread_id)

    assert response.status_code == 503
    assert 1 <= int(response.headers["Retry-After"]) <= 3


def test_a_gmail_outage_is_a_503(client, factory, gmail, rep, db):
    thread_id = gmail.state.mailbox(REP).add_thread(1)
    gmail.state.fail(backend_error())
    response = log(client, factory, rep, thread_id)
    assert response.status_code == 503
    assert response.get_json()["error"] == "google_unavailable"
    assert response.headers["Retry-After"]


def test_a_token_without_any_read_scope_is_403(client, factory, gmail, rep, db):
    gmail.state.grant("labels-only", REP, scopes=("gmail.labels",))
    thread_id = gmail.state.mailbox(REP).add_thread(1)
    response = log(client, factory, rep, thread_id, token="labels-only")
    assert response.status_code == 403
    assert response.get_json()["error"] == "google_scope_required"


def test_a_missing_access_token_header_is_400(client, factory, rep):
    response = log(client, factory, rep, "18c2a0f5b7e40001", token=None)
    assert response.status_code == 400
    assert response.get_json()["error"] == "google_token_required"


@pytest.mark.parametrize(
    "thread_id, body, status",
    [
        ("FMfcgzQXJWDsKmpPtlmvRjHMtSJZhVVZ", None, 400),  # the address bar's token, not an API id
        ("18c2a0f5b7e40001", {"message_ids": []}, 400),
        ("18c2a0f5b7e40001", {"message_ids": "18c2"}, 400),
        ("18c2a0f5b7e40001", {"message_ids": [17]}, 400),
        ("18c2a0f5b7e40001", {"message_ids": ["not hex"]}, 400),
    ],
)
def test_bad_input_is_400(client, factory, gmail, rep, thread_id, body, status):
    response = client.post(f"/api/v1/threads/{thread_id}/log", json=body, headers=headers(factory, rep))
    assert response.status_code == status
    assert response.get_json()["message"]


def test_a_message_not_in_the_thread_is_404(client, factory, gmail, rep, db):
    thread_id = gmail.state.mailbox(REP).add_thread(1)
    response = log(client, factory, rep, thread_id, message_ids=["18c2a0f5b7e4aaaa"])
    assert response.status_code == 404
    assert response.get_json()["missing"] == ["18c2a0f5b7e4aaaa"]


def test_logging_needs_a_session(client):
    response = client.post("/api/v1/threads/18c2a0f5b7e40001/log", headers={"X-Google-Access-Token": TOKEN})
    assert response.status_code == 401


def test_a_colleague_logging_the_same_mail_gets_a_copy_of_their_own(client, factory, gmail, rep, db):
    colleague = factory.user(rep.org, email="col@us.example")
    gmail.state.grant("col-token", "col@us.example", scopes=("gmail.modify",))
    mine = gmail.state.mailbox(REP).add_message(sender="ada@acme.example", to=[REP, "col@us.example"], subject="Both")
    rfc_id = next(h["value"] for h in mine["payload"]["headers"] if h["name"] == "Message-ID")
    theirs = gmail.state.mailbox("col@us.example").add_message(sender="ada@acme.example", to=[REP, "col@us.example"], subject="Both", message_id=rfc_id)
    first = log(client, factory, rep, mine["threadId"])

    second = log(client, factory, colleague, theirs["threadId"], token="col-token")

    # The same answer as if the rep had never logged it: nothing tells the colleague it exists.
    assert first.status_code == 201 and second.status_code == 201
    assert len(second.get_json()["created"]) == 1 and second.get_json()["linked_email_ids"] == []
    assert set(second.get_json()["email_ids"]).isdisjoint(first.get_json()["email_ids"])
    assert counts(rep.org_id) == (2, 2, 6)
    # Logged again by the colleague: nothing new.
    assert log(client, factory, colleague, theirs["threadId"], token="col-token").status_code == 200


def test_twenty_simultaneous_logs_store_one_set_of_rows(app, factory, gmail, rep, db):
    """Twenty requests at once against a real threaded server: one 201, nineteen 200, one set of rows."""
    thread_id = gmail.state.mailbox(REP).add_thread(5, to=[REP, "bob@acme.example"])
    gmail.state.delay_seconds = 0.02  # let the requests overlap while Gmail "thinks"
    request_headers = headers(factory, rep)
    barrier = threading.Barrier(20)
    results = []

    def call(url):
        barrier.wait()
        response = requests.post(f"{url}/api/v1/threads/{thread_id}/log", headers=request_headers, timeout=60)
        results.append((response.status_code, response.json()))

    with ServerThread(app) as server:
        workers = [threading.Thread(target=call, args=(server.url,)) for _ in range(20)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 19 + [201], [body for _, body in results if "error" in body][:3]
    assert counts(rep.org_id) == (5, 5, 13)  # 3 forward messages x 3 addresses, 2 replies x 2
    assert len({tuple(body["email_ids"]) for _, body in results}) == 1
    assert all(body["label"] == "applied" for _, body in results)
    assert [label["name"] for label in gmail.state.mailbox(REP).labels.values()].count("Threadbook/Logged") == 1


@pytest.mark.parametrize("token", ["two words", "x" * 5000])
def test_a_header_that_is_no_token_is_400(client, factory, rep, token):
    response = log(client, factory, rep, "18c2a0f5b7e40001", token=token)
    assert response.status_code == 400
    assert response.get_json()["error"] == "google_token_required"


# -- Gmail refusing a request (a 4xx that is neither reconnect, scope, not-found nor rate limit) answers 422 google_refused


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
