"""Sending from the CRM through the fake Gmail API, logging it, and logging the replies that follow."""

import base64
import datetime
import email
import email.policy

import pytest

from threadbook.crm import store as crm
from threadbook.jobs import tasks
from threadbook.models import Email, MailboxMessage, TrackedThread, User

from ..support.workspace import GMAIL_MODIFY


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


REP = "rep@acme.example"
TOKEN = "ya29.rep-token"
MB = 1024 * 1024


@pytest.fixture
def rep(factory, workspace, db):
    org = factory.org(name="Acme", domain="acme.example")
    user = factory.user(org, email=REP, name="Rep Smith")
    workspace.gmail.add_mailbox(REP)
    workspace.gmail.grant(TOKEN, REP, scopes=("gmail.modify",))
    return user


@pytest.fixture
def ada(rep, db):
    return crm.create_contact(rep.org_id, "Ada Lovelace", ["ada@globex.example"], company=crm.find_or_create_company(rep.org_id, "ada@globex.example"))


def send(client, factory, user, token=TOKEN, **body):
    headers = factory.headers(user, **({"X-Google-Access-Token": token} if token else {}))
    return client.post("/api/v1/emails/send", json=body, headers=headers)


def sent_messages(workspace, address=REP):
    """What the fake Gmail received, parsed: [(message, thread id)]."""
    box = workspace.gmail.mailbox(address)
    return [(email.message_from_bytes(raw, policy=email.policy.default), thread) for raw, thread in getattr(box, "sent", [])]


def b64(data):
    return base64.b64encode(data).decode()


def test_mail_to_a_contact_is_sent_from_the_users_gmail_logged_and_tracked(client, factory, workspace, rep, ada, db):
    pdf = b"%PDF-1.4 quote" * 50

    response = send(
        client,
        factory,
        rep,
        contact_id=ada.id,
        cc=["Bob <bob@globex.example>"],
        subject="Your quote",
        body="Hello Ada,\nthe quote is attached.",
        attachments=[{"filename": "quote.pdf", "mime_type": "application/pdf", "content_base64": b64(pdf)}],
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    [(message, _)] = sent_messages(workspace)
    assert message["From"] == "Rep Smith <rep@acme.example>" and message["To"] == "Ada Lovelace <ada@globex.example>"
    assert message["Cc"] == "Bob <bob@globex.example>" and message["Subject"] == "Your quote"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Hello Ada,\nthe quote is attached.\n"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "quote.pdf" and attachment.get_content_type() == "application/pdf" and attachment.get_content() == pdf
    gmail_copy = workspace.gmail.mailbox(REP).messages[body["gmail_message_id"]]
    assert gmail_copy["labelIds"] == ["SENT"] and gmail_copy["threadId"] == body["gmail_thread_id"]

    logged = Email.get_by_id(body["email"]["id"])
    assert (logged.source, logged.owner_id, logged.logged_by_id, logged.subject) == ("sent", rep.id, rep.id, "Your quote")
    # Gmail's own Message-ID, read back from Gmail, so the reply's In-Reply-To will match.
    assert logged.rfc_message_id.startswith("<CA+") and logged.gmail_thread_id == body["gmail_thread_id"]
    assert MailboxMessage.get(MailboxMessage.email == logged.id).user_id == rep.id
    assert body["tracked"] is True and TrackedThread.get().gmail_thread_id == body["gmail_thread_id"]
    timeline = client.get(f"/api/v1/contacts/{ada.id}/timeline", headers=factory.headers(rep)).get_json()
    assert [i["email"]["id"] for i in timeline["items"]] == [logged.id]


def test_a_reply_in_the_sent_thread_is_logged_on_demand_and_only_once(client, factory, workspace, rep, ada, db):
    body = send(client, factory, rep, to=["ada@globex.example"], subject="Your quote", body="Attached.").get_json()
    logged = Email.get_by_id(body["email"]["id"])
    box = workspace.gmail.mailbox(REP)
    box.add_message(
        sender="Ada Lovelace <ada@globex.example>",
        to=[REP],
        subject="Re: Your quote",
        body="Thanks, looks good.",
        thread_id=body["gmail_thread_id"],
        in_reply_to=logged.rfc_message_id,
        references=logged.rfc_message_id,
    )

    check = client.post("/api/v1/tracked-threads/check", headers=factory.headers(rep, **{"X-Google-Access-Token": TOKEN}))
    again = client.post("/api/v1/tracked-threads/check", headers=factory.headers(rep, **{"X-Google-Access-Token": TOKEN}))

    assert check.status_code == 200
    report = check.get_json()
    assert report["threads"] == 1 and report["stored"] == 1
    reply = Email.get_by_id(report["email_ids"][0])
    assert (reply.subject, reply.from_email, reply.in_reply_to, reply.source) == ("Re: Your quote", "ada@globex.example", logged.rfc_message_id, "sent")
    assert reply.gmail_thread_id == body["gmail_thread_id"]
    assert again.get_json()["stored"] == 0 and Email.select().count() == 2


def test_replies_are_logged_by_the_periodic_task_as_sent_mail_and_labelled(app, client, factory, workspace, rep, ada, db):
    workspace.connect(app, rep, scopes=(GMAIL_MODIFY,))

    body = send(client, factory, rep, token=None, to=["ada@globex.example"], subject="Pilot", body="Shall we?").get_json()
    box = workspace.gmail.mailbox(REP)
    box.add_message(sender="ada@globex.example", to=[REP], subject="Re: Pilot", body="Yes!", thread_id=body["gmail_thread_id"])
    box.add_message(sender="col@acme.example", to=[REP], subject="Re: Pilot", body="internal aside", thread_id=body["gmail_thread_id"])
    out_of_office = [("Auto-Submitted", "auto-replied")]
    box.add_message(sender="ada@globex.example", to=[REP], subject="Out of office", thread_id=body["gmail_thread_id"], extra_headers=out_of_office)
    with app.app_context():
        tasks.bind_app(app)
        checked = tasks.schedule_tracked_thread_checks.call_local()

    assert checked == 1
    # Neither the internal aside nor the automatic reply is logged.
    assert [(e.subject, e.source) for e in Email.select().order_by(Email.id)] == [("Pilot", "sent"), ("Re: Pilot", "sent")]
    reply = Email.get(Email.from_email == "ada@globex.example")
    label = box.label_by_name("Threadbook/Logged")
    assert label["id"] in box.messages[reply.gmail_message_id]["labelIds"]


def test_a_paused_user_or_a_disabled_organisation_gets_no_tracked_thread_checks(app, client, factory, workspace, rep, ada, db):
    workspace.connect(app, rep, scopes=(GMAIL_MODIFY,))
    body = send(client, factory, rep, token=None, to=["ada@globex.example"], subject="Pilot", body="Shall we?").get_json()
    workspace.gmail.mailbox(REP).add_message(sender="ada@globex.example", to=[REP], subject="Re: Pilot", body="Yes!", thread_id=body["gmail_thread_id"])
    workspace.gmail.reset_counters()
    with app.app_context():
        tasks.bind_app(app)
        User.update(sync_paused=True).where(User.id == rep.id).execute()
        paused = (tasks.schedule_tracked_thread_checks.call_local(), tasks.check_tracked_threads_task.call_local(rep.id))
        User.update(sync_paused=False).where(User.id == rep.id).execute()
        rep.org.sync_enabled = False
        rep.org.save()
        disabled = (tasks.schedule_tracked_thread_checks.call_local(), tasks.check_tracked_threads_task.call_local(rep.id))

    assert paused[0] == disabled[0] == 0  # not scheduled
    assert (paused[1]["outcome"], disabled[1]["outcome"]) == ("paused", "disabled")  # queued before: not run either
    assert workspace.gmail.calls_for(REP) == []
    assert Email.select().count() == 1


def test_a_reply_threads_in_gmail_with_in_reply_to_references_and_re_subject(client, factory, workspace, rep, ada, db):
    box = workspace.gmail.mailbox(REP)
    thread_id = box.add_thread(2, sender="Ada Lovelace <ada@globex.example>", to=[REP], subject="Proposal")
    logged = client.post(f"/api/v1/threads/{thread_id}/log", headers=factory.headers(rep, **{"X-Google-Access-Token": TOKEN})).get_json()
    latest = Email.get_by_id(logged["email_ids"][-1])  # the rep's own "Re: Proposal", itself a reply to Ada
    first = Email.get_by_id(logged["email_ids"][0])

    reply_to_ada = send(client, factory, rep, reply_to_email_id=first.id, body="Following up.")
    reply_to_own = send(client, factory, rep, reply_to_email_id=latest.id, body="And once more.")

    assert reply_to_ada.status_code == 201 and reply_to_own.status_code == 201
    (message, asked_thread), (own, _) = sent_messages(workspace)
    assert asked_thread == thread_id
    assert message["In-Reply-To"] == first.rfc_message_id and message["References"].split() == [first.rfc_message_id]
    assert message["Subject"] == "Re: Proposal" and message["To"] == "Ada Lovelace <ada@globex.example>"
    assert own["Subject"] == "Re: Proposal"  # not "Re: Re: Proposal"
    assert own["References"].split() == [first.rfc_message_id, latest.rfc_message_id] and own["In-Reply-To"] == latest.rfc_message_id
    assert own["To"] == "Ada Lovelace <ada@globex.example>"  # replying to your own mail writes to its recipients
    assert reply_to_ada.get_json()["gmail_thread_id"] == thread_id and len(box.threads[thread_id]) == 4


def test_replying_to_a_colleagues_shared_mail_sends_without_their_thread_id(client, factory, workspace, rep, db):
    colleague = factory.user(User.get_by_id(rep.id).org, email="col@acme.example")
    shared = Email.create(
        org=rep.org_id,
        owner=colleague.id,
        message_key="<x1@globex.example>",
        rfc_message_id="<x1@globex.example>",
        gmail_thread_id="18c0000000000001",
        subject="Offer",
        from_email="ada@globex.example",
        from_name="Ada",
        date=datetime.datetime(2026, 1, 5, 9, 30),
        visibility="team_full",
    )
    private = Email.create(
        org=rep.org_id,
        owner=colleague.id,
        message_key="<x2@globex.example>",
        subject="Secret",
        from_email="ada@globex.example",
        date=datetime.datetime(2026, 1, 5, 9, 31),
        visibility="private",
    )

    response = send(client, factory, rep, reply_to_email_id=shared.id, body="Jumping in.")
    hidden = send(client, factory, rep, reply_to_email_id=private.id, body="?")

    assert response.status_code == 201
    [(message, asked_thread)] = sent_messages(workspace)
    assert asked_thread is None and message["In-Reply-To"] == "<x1@globex.example>" and message["Subject"] == "Re: Offer"
    assert hidden.status_code == 404


def test_without_a_token_or_a_connected_mailbox_nothing_is_sent(client, factory, workspace, rep, db):
    response = send(client, factory, rep, token=None, to=["ada@globex.example"], subject="Hi", body="Hi")

    assert response.status_code == 400 and response.get_json()["error"] == "google_token_required"
    assert sent_messages(workspace) == [] and Email.select().count() == 0


def test_a_token_that_may_not_send_answers_403(client, factory, workspace, rep, db):
    workspace.gmail.grant("ya29.readonly", REP, scopes=("gmail.readonly",))

    response = send(client, factory, rep, token="ya29.readonly", to=["ada@globex.example"], subject="Hi", body="Hi")

    assert response.status_code == 403 and response.get_json()["error"] == "google_scope_required"
    assert Email.select().count() == 0 and TrackedThread.select().count() == 0


def test_a_token_that_may_only_send_still_logs_what_was_sent(client, factory, workspace, rep, db):
    workspace.gmail.grant("ya29.sendonly", REP, scopes=("gmail.send",))

    response = send(client, factory, rep, token="ya29.sendonly", to=["ada@globex.example"], subject="Hi", body="Short note")

    assert response.status_code == 201
    logged = Email.get_by_id(response.get_json()["email"]["id"])
    [(message, _)] = sent_messages(workspace)
    assert logged.subject == "Hi" and logged.to == [{"name": "", "email": "ada@globex.example"}] and logged.snippet == "Short note"
    assert TrackedThread.select().count() == 1


def test_large_attachments_go_through_the_upload_endpoint_past_the_global_body_limit(client, factory, workspace, rep, db):
    data = bytes(range(256)) * (6 * MB // 256)

    response = send(
        client,
        factory,
        rep,
        to=["ada@globex.example"],
        subject="Big",
        body="See attached.",
        attachments=[{"filename": "data.bin", "content_base64": b64(data)}],
    )

    assert response.status_code == 201, response.get_json()
    assert any(path.startswith("/upload/gmail/v1/") for method, path in workspace.gmail.calls if method == "POST")
    [(message, _)] = sent_messages(workspace)
    assert next(message.iter_attachments()).get_content() == data
    other_route = client.post("/api/v1/notes", data=b"{" + b" " * (2 * MB) + b"}", content_type="application/json", headers=factory.headers(rep))
    assert other_route.status_code == 413  # the global 1 MiB limit still holds elsewhere


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # heavy on the wire, not on the database
def test_attachments_over_25_mb_answer_413_before_anything_is_sent(client, factory, workspace, rep, db):
    half = b"\1" * (25 * MB // 2)

    response = send(
        client,
        factory,
        rep,
        to=["ada@globex.example"],
        subject="Too big",
        body="x",
        attachments=[{"filename": "a.bin", "content_base64": b64(half)}, {"filename": "b.bin", "content_base64": b64(half + b"\1")}],
    )

    assert response.status_code == 413
    body = response.get_json()
    assert body["error"] == "payload_too_large" and "25 MB" in body["message"] and body["limit_bytes"] == 25 * MB
    assert sent_messages(workspace) == [] and workspace.gmail.calls == []


def test_a_body_larger_than_the_route_reads_answers_413_at_once(client, factory, workspace, rep, db):
    from threadbook.api.compose import request_limit

    with client.application.app_context():
        limit = request_limit()
    assert 35 * MB <= limit < 45 * MB
    # The declared length is enough: the body is not read at all.
    response = client.post(
        "/api/v1/emails/send",
        data=b"{}",
        content_type="application/json",
        headers=factory.headers(rep, **{"X-Google-Access-Token": TOKEN}),
        environ_overrides={"CONTENT_LENGTH": str(limit + 1)},
    )

    assert response.status_code == 413 and workspace.gmail.calls == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"subject": "Hi", "body": "x"}, "to"),
        ({"to": "ada@globex.example", "subject": "Hi", "body": "x"}, "to"),
        ({"to": ["not an address"], "subject": "Hi", "body": "x"}, "to"),
        ({"to": ["ada@globex.example"], "cc": [7], "subject": "Hi", "body": "x"}, "cc"),
        ({"to": ["ada@globex.example"], "body": "x"}, "subject"),
        ({"to": ["ada@globex.example"], "subject": "Hi\r\nBcc: everyone@evil.example", "body": "x"}, "subject"),
        ({"to": ["ada@globex.example"], "subject": "Hi"}, "body"),
        ({"to": ["ada@globex.example"], "subject": "Hi", "body": "x", "attachments": {"a": 1}}, "attachments"),
        ({"to": ["ada@globex.example"], "subject": "Hi", "body": "x", "attachments": [{"filename": "../etc/passwd", "content_base64": "eA=="}]}, "attachments"),
        ({"to": ["ada@globex.example"], "subject": "Hi", "body": "x", "attachments": [{"filename": "a.txt", "content_base64": "%%%"}]}, "attachments"),
        (
            {"to": ["ada@globex.example"], "subject": "Hi", "body": "x", "attachments": [{"filename": "a.txt", "mime_type": "pdf", "content_base64": "eA=="}]},
            "attachments",
        ),
        ({"to": ["ada@globex.example"], "subject": "Hi", "body": "x", "reply_to_email_id": "12"}, "reply_to_email_id"),
    ],
)
def test_bad_messages_answer_400_and_send_nothing(client, factory, workspace, rep, db, body, field):
    response = send(client, factory, rep, **body)

    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == field
    assert sent_messages(workspace) == []


def test_unknown_records_answer_404(client, factory, workspace, rep, db):
    assert send(client, factory, rep, reply_to_email_id=999999, body="x").status_code == 404
    assert send(client, factory, rep, contact_id=999999, subject="x", body="x").status_code == 404
    assert sent_messages(workspace) == []


def test_answers_match_the_documented_schemas(app, client, factory, workspace, rep, ada, db):
    from ..api.test_openapi import ConformanceChecker

    checker = ConformanceChecker(app, client.get("/api/v1/openapi.json").get_json())

    def call(path, body=None, expect=None, token=TOKEN):
        response = client.post(path, json=body, headers=factory.headers(rep, **({"X-Google-Access-Token": token} if token else {})))
        checker.check("POST", path, response)
        assert expect is None or response.status_code == expect, (path, response.get_json())
        return response.get_json()

    sent = call("/api/v1/emails/send", {"contact_id": ada.id, "subject": "Hi", "body": "Hello"}, 201)
    call("/api/v1/emails/send", {"reply_to_email_id": sent["email"]["id"], "body": "Again"}, 201)
    call("/api/v1/emails/send", {"subject": "Hi", "body": "Hello"}, 400)
    call("/api/v1/emails/send", {"reply_to_email_id": 999999, "body": "x"}, 404)
    call("/api/v1/emails/send", {"to": ["ada@globex.example"], "subject": "Hi", "body": "x"}, 400, token=None)
    call("/api/v1/tracked-threads/check", None, 200)
    assert len(checker.checked) >= 4


# Hostile input (the hostile-input issue): header text the email package cannot write was a 500.


@pytest.mark.parametrize(
    "char, name",
    [
        ("\u2028", "U+2028 LINE SEPARATOR"),
        ("\u2029", "U+2029 PARAGRAPH SEPARATOR"),
        ("\x85", "U+0085"),
        ("\x0b", "U+000B"),
        ("\x0c", "U+000C"),
        ("\x1e", "U+001E"),
        ("\x07", "U+0007"),
        ("\r", "U+000D"),
    ],
)
def test_a_subject_with_a_line_separator_or_control_character_is_a_400_naming_it(client, factory, workspace, rep, db, char, name):
    response = send(client, factory, rep, to=["ada@globex.example"], subject=f"Hello{char}Bcc: everyone@evil.example", body="x")

    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["field"] == "subject" and name in body["message"] and "one line" in body["message"]
    assert sent_messages(workspace) == []


def test_a_display_name_with_a_line_separator_is_a_400(client, factory, workspace, rep, db):
    response = send(client, factory, rep, to=['"Ada\x0bLovelace" <ada@globex.example>'], subject="Hi", body="x")

    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == "to" and "U+000B" in response.get_json()["message"]
    assert sent_messages(workspace) == []


def test_tabs_and_invisible_formatting_are_still_sent(client, factory, workspace, rep, db):
    response = send(client, factory, rep, to=["ada@globex.example"], subject="Q3\tquote \u200d\U0001f44d", body="x")

    assert response.status_code == 201, response.get_json()
    [(message, _)] = sent_messages(workspace)
    assert message["Subject"] == "Q3\tquote \u200d\U0001f44d"


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
@pytest.mark.parametrize("address", ["jöhn@example.com", "Jöhn <jöhn@example.com>", "\u212aevin@example.com"])
def test_a_non_ascii_local_part_is_a_400_saying_why(client, factory, workspace, rep, db, field, address):
    extra = {} if field == "to" else {"to": ["ada@globex.example"]}
    response = send(client, factory, rep, **{field: [address]}, **extra, subject="Hi", body="x")

    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["field"] == field and "SMTPUTF8" in body["message"] and "non-ASCII" in body["message"]
    assert sent_messages(workspace) == []


def test_a_reply_to_stored_mail_cleans_its_subject_instead_of_failing(client, factory, workspace, rep, ada, db):
    sent = send(client, factory, rep, contact_id=ada.id, subject="Quote", body="x").get_json()
    Email.update(subject="Quote\u2028for Q3\x85").where(Email.id == sent["email"]["id"]).execute()  # as stored mail may hold

    response = send(client, factory, rep, reply_to_email_id=sent["email"]["id"], body="Again")

    assert response.status_code == 201, response.get_json()
    assert sent_messages(workspace)[-1][0]["Subject"] == "Re: Quote for Q3"


def test_an_internationalised_domain_is_sent_in_its_ascii_form(client, factory, workspace, rep, db):
    response = send(client, factory, rep, to=["Ada <ada@b\u00fccher.example>"], subject="Hi", body="x")

    assert response.status_code == 201, response.get_json()
    [(message, _)] = sent_messages(workspace)
    assert message["To"] == "Ada <ada@xn--bcher-kva.example>"
