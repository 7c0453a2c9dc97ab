"""Mail no person wrote (lists, bulk, automatic replies, no-reply senders) is not stored by sync, and the panel learns why."""

import pytest

from threadbook.db import database
from threadbook.google.gmail import METADATA_HEADERS
from threadbook.mail import automated
from threadbook.models import Contact, Email, FilteredThread

from ..support.sync import ago, connect, run_sync


@pytest.fixture
def box(google, rep):
    return google.state.add_mailbox(rep.email)


def add(box, sender, days=1, **headers):
    extra = [(name.replace("_", "-"), value) for name, value in headers.items()]
    return box.add_message(sender=sender, to=[box.address], subject="Hello", date=ago(days=days), extra_headers=extra)


def lookup(client, factory, user, thread_id):
    answer = client.post("/api/v1/lookup", json={"thread_id": thread_id, "participants": []}, headers=factory.headers(user))
    assert answer.status_code == 200
    return answer.get_json()["thread"]


@pytest.mark.parametrize(
    "sender, headers, reason",
    [
        ("noreply@shop.example", {}, "role_address"),
        ("No Reply <no-reply@shop.example>", {}, "role_address"),
        ("Billing <noreply-billing@shop.example>", {}, "role_address"),
        ("GitHub <notifications@github.example>", {}, "role_address"),
        ("MAILER-DAEMON@mx.example", {}, "role_address"),
        ("Ada <ada@news.example>", {"List_Unsubscribe": "<https://news.example/u>"}, "mailing_list"),
        ("Ada <ada@lists.example>", {"List_Id": "<team.lists.example>"}, "mailing_list"),
        ("Ada <ada@lists.example>", {"Precedence": "list"}, "mailing_list"),
        ("Ada <ada@shop.example>", {"Precedence": "Bulk"}, "bulk"),
        ("Ada <ada@globex.example>", {"Auto_Submitted": "auto-replied"}, "auto_submitted"),
    ],
)
def test_mail_no_person_wrote_is_not_stored_and_the_reason_is_recorded(app, google, rep, box, sender, headers, reason):
    message = add(box, sender, **headers)
    mailbox = connect(app, google, rep)

    report = run_sync(app, mailbox.id)

    assert (report.stored, report.skipped_automated) == (0, 1)
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Email.select().count() == Contact.select().count() == 0
        row = FilteredThread.get(FilteredThread.gmail_thread_id == message["threadId"])
        assert (row.user_id, row.reason) == (rep.id, reason)


@pytest.mark.parametrize(
    "sender, headers",
    [
        ("Ada <ada@globex.example>", {"Auto_Submitted": "no"}),  # RFC 3834: written by a person
        ("Sales <sales@globex.example>", {}),  # people answer from sales@, support@, info@
        ("Support <support@globex.example>", {}),
        ("Noreen <noreen@globex.example>", {}),
    ],
)
def test_mail_people_write_is_stored(app, google, rep, box, sender, headers):
    add(box, sender, **headers)
    mailbox = connect(app, google, rep)

    report = run_sync(app, mailbox.id)

    assert (report.stored, report.skipped_automated) == (1, 0)


def test_the_panel_is_told_why_and_log_anyway_logs_it(app, client, factory, google, rep, box):
    colleague = factory.user(rep.org, email="col@acme.example")
    filtered = add(box, "Shop <noreply@shop.example>")
    person = add(box, "Ada <ada@globex.example>")
    run_sync(app, connect(app, google, rep).id)

    state = lookup(client, factory, rep, filtered["threadId"])
    assert state["logged"] is False
    assert state["filtered"]["reason"] == "role_address" and state["filtered"]["detail"] == "noreply@shop.example"
    assert "noreply@shop.example" in state["filtered"]["explanation"] and state["filtered"]["filtered_at"]
    assert lookup(client, factory, rep, person["threadId"])["filtered"] is None  # logged by sync
    assert lookup(client, factory, colleague, filtered["threadId"])["filtered"] is None  # thread ids are per mailbox: theirs knows nothing

    google.state.grant("ya29.rep", rep.email, scopes=("gmail.modify",))
    logged = client.post(f"/api/v1/threads/{filtered['threadId']}/log", headers=factory.headers(rep, **{"X-Google-Access-Token": "ya29.rep"}))

    assert logged.status_code == 201
    after = lookup(client, factory, rep, filtered["threadId"])
    assert after["logged"] is True and after["filtered"] is None
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert Contact.select().count() == 0  # logging by hand stores mail; it creates no contacts


def test_the_headers_that_tell_automated_mail_are_fetched_with_every_message():
    assert set(automated.HEADERS) <= set(METADATA_HEADERS)


def test_explanations_read_as_sentences():
    assert automated.explanation("bulk", "Precedence: bulk") == "It is bulk mail (Precedence: bulk), so it was not logged automatically."
    assert automated.is_role_address("do-not-reply@x.example") and not automated.is_role_address("info@x.example")
