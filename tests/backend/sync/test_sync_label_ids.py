"""Threadbook's Gmail labels by id: adopted without regard to case, kept when renamed, on later replies, and a user's removal respected."""

import datetime

import pytest

from threadbook.crm import store as crm
from threadbook.db import database
from threadbook.mail.gmail_labels import CLOSING, CUSTOMERS, LOGGED, OPEN
from threadbook.models import Deal, Email, GmailLabel, LabelOptOut, ThreadLabel
from threadbook.sync.labels import sort_mailbox_labels

from ..support.sync import ago, connect, run_sync

TODAY = datetime.date(2026, 3, 14)
CUSTOMER = "Ada <ada@customer.example>"


@pytest.fixture
def box(google, rep):
    return google.state.add_mailbox(rep.email)


@pytest.fixture
def mailbox(app, google, rep, box):
    return connect(app, google, rep)


@pytest.fixture
def customer(app, rep):
    """Ada, a contact of the rep's organisation with an open deal (not closing this month)."""
    with app.app_context():
        database.connect(reuse_if_open=True)
        contact = crm.create_contact(rep.org_id, "Ada", ["ada@customer.example"])
        return Deal.create(org=rep.org_id, name="Renewal", contact=contact, status="open", close_date=TODAY.replace(month=6))


def sort(app, mailbox_id, today=TODAY):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return sort_mailbox_labels(mailbox_id, today=today, sleep=lambda s: None)


def names_on(box, gmail_id):
    names = {label["id"]: label["name"] for label in box.labels.values()}
    return {names[i] for i in box.messages[gmail_id]["labelIds"] if i in names and box.labels[i]["type"] == "user"}


def rows(app, model, **where):
    with app.app_context():
        database.connect(reuse_if_open=True)
        query = model.select()
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return list(query)


def reply(box, thread_id, sender=CUSTOMER, minutes=0):
    return box.add_message(sender=sender, to=[box.address], subject="Re: Renewal", thread_id=thread_id, date=ago(minutes=30 - minutes))["id"]


def user_takes_off(box, thread_id, label_name):
    """The user removes a label from a whole thread in Gmail (Gmail records it per message)."""
    label = box.label_by_name(label_name) or next(lb for lb in box.labels.values() if lb["name"] == label_name)
    for gid in box.threads[thread_id]:
        box.modify_message(gid, remove=[label["id"]])


def test_a_label_that_differs_only_in_case_is_adopted_not_duplicated(app, google, rep, box, mailbox):
    theirs = box.create_label("threadbook/logged")
    gid = box.add_message(sender=CUSTOMER, to=[rep.email], date=ago(days=1))["id"]

    report = run_sync(app, mailbox.id)

    assert report.labels_failed == 0
    assert theirs["id"] in box.messages[gid]["labelIds"]
    assert [label["name"] for label in box.labels.values() if label["type"] == "user"] == ["threadbook/logged"]
    stored = rows(app, GmailLabel, user=rep.id)
    assert [(r.name, r.gmail_label_id, r.created) for r in stored] == [(LOGGED, theirs["id"], False)]


def test_a_renamed_label_stays_ours(app, google, rep, box, mailbox):
    first = box.add_message(sender=CUSTOMER, to=[rep.email], date=ago(days=1))["id"]
    run_sync(app, mailbox.id)
    ours = box.label_by_name(LOGGED)
    box.rename_label(ours["id"], "Clients/In the CRM")
    later = reply(box, box.messages[first]["threadId"])

    run_sync(app, mailbox.id)

    assert names_on(box, later) == {"Clients/In the CRM"}
    assert box.label_by_name(LOGGED) is None  # no second label was created
    assert rows(app, GmailLabel, user=rep.id)[0].created  # Threadbook made it


def test_a_deleted_label_is_made_again(app, google, rep, box, mailbox):
    box.add_message(sender=CUSTOMER, to=[rep.email], date=ago(days=1))
    run_sync(app, mailbox.id)
    box.delete_label(box.label_by_name(LOGGED)["id"])
    later = box.add_message(sender="Bo <bo@customer.example>", to=[rep.email], date=ago(minutes=5))["id"]

    run_sync(app, mailbox.id)

    assert names_on(box, later) == {LOGGED}


def test_the_deal_round_keeps_a_renamed_deal_label(app, google, rep, box, mailbox, customer):
    thread_id = box.add_message(sender=CUSTOMER, to=[rep.email], date=ago(days=1))["threadId"]
    run_sync(app, mailbox.id)
    sort(app, mailbox.id)
    box.rename_label(box.label_by_name(OPEN)["id"], "Pipeline")
    with app.app_context():
        database.connect(reuse_if_open=True)
        Deal.update(status="won").where(Deal.id == customer.id).execute()

    sort(app, mailbox.id)

    gid = box.threads[thread_id][0]
    assert names_on(box, gid) == {LOGGED, CUSTOMERS}
    box.rename_label(box.label_by_name(CUSTOMERS)["id"], "Happy customers")
    with app.app_context():
        database.connect(reuse_if_open=True)
        Deal.update(status="open").where(Deal.id == customer.id).execute()
    sort(app, mailbox.id)
    assert names_on(box, gid) == {LOGGED, "Pipeline"}  # moved back into the renamed label, none created
    assert {label["name"] for label in box.labels.values() if label["type"] == "user"} == {LOGGED, "Pipeline", "Happy customers"}


def test_replies_arriving_in_a_sorted_thread_get_its_deal_label(app, google, rep, box, mailbox, customer):
    with app.app_context():
        database.connect(reuse_if_open=True)
        rep.org.archive_sorted_threads = True
        rep.org.save()
    thread_id = box.add_message(sender=CUSTOMER, to=[rep.email], date=ago(days=1))["threadId"]
    run_sync(app, mailbox.id)
    sort(app, mailbox.id)
    customer_reply = reply(box, thread_id)
    colleague_reply = reply(box, thread_id, sender="Col <col@acme.example>", minutes=1)  # internal: not stored

    report = run_sync(app, mailbox.id)

    assert report.stored == 1 and report.skipped_internal == 1
    assert names_on(box, customer_reply) == {LOGGED, OPEN}
    assert names_on(box, colleague_reply) == {OPEN}  # in the thread's label, not logged
    assert "INBOX" in box.messages[customer_reply]["labelIds"]  # new mail still reaches the inbox


def test_a_deal_label_the_user_takes_off_is_not_put_back(app, client, factory, google, rep, box, mailbox, customer):
    thread_id = box.add_message(sender=CUSTOMER, to=[rep.email], date=ago(days=1))["threadId"]
    run_sync(app, mailbox.id)
    sort(app, mailbox.id)
    user_takes_off(box, thread_id, OPEN)

    run_sync(app, mailbox.id)
    later = reply(box, thread_id)
    run_sync(app, mailbox.id)
    result = sort(app, mailbox.id)
    with app.app_context():
        database.connect(reuse_if_open=True)
        Deal.update(close_date=TODAY.replace(day=20)).where(Deal.id == customer.id).execute()  # would move it to CLOSING
    sort(app, mailbox.id)

    assert [(o.gmail_thread_id, o.kind) for o in rows(app, LabelOptOut, user=rep.id)] == [(thread_id, "deals")]
    assert rows(app, ThreadLabel, user=rep.id) == []
    assert result["added"] == 0
    assert names_on(box, later) == {LOGGED}  # the reply is logged, not sorted
    assert all(names_on(box, gid) <= {LOGGED} for gid in box.threads[thread_id])
    assert len(rows(app, Email, owner=rep.id)) == 2  # nothing unlogged

    # Logging the thread again by hand is asking for it back.
    google.state.grant("ya29.modify", rep.email, scopes=("gmail.modify",))
    answer = client.post(f"/api/v1/threads/{thread_id}/log", headers=factory.headers(rep, **{"X-Google-Access-Token": "ya29.modify"}))
    assert answer.status_code == 200
    assert rows(app, LabelOptOut, user=rep.id) == []
    sort(app, mailbox.id)
    assert all(CLOSING in names_on(box, gid) for gid in box.threads[thread_id])


def test_labels_threadbook_moves_are_not_taken_for_the_users(app, google, rep, box, mailbox, customer):
    thread_id = box.add_message(sender=CUSTOMER, to=[rep.email], date=ago(days=1))["threadId"]
    run_sync(app, mailbox.id)
    sort(app, mailbox.id)
    with app.app_context():
        database.connect(reuse_if_open=True)
        Deal.update(status="won").where(Deal.id == customer.id).execute()
    sort(app, mailbox.id)  # OPEN comes off, CUSTOMERS goes on
    with app.app_context():
        database.connect(reuse_if_open=True)
        Deal.update(status="open").where(Deal.id == customer.id).execute()
    sort(app, mailbox.id)  # and back: OPEN's earlier removal is older than its new application

    run_sync(app, mailbox.id)

    assert rows(app, LabelOptOut, user=rep.id) == []
    assert [(t.gmail_thread_id, t.label) for t in rows(app, ThreadLabel, user=rep.id)] == [(thread_id, OPEN)]


def test_a_logged_label_the_user_takes_off_stays_off_the_threads_new_mail(app, google, rep, box, mailbox):
    thread_id = box.add_message(sender=CUSTOMER, to=[rep.email], date=ago(days=1))["threadId"]
    other = box.add_message(sender="Bo <bo@customer.example>", to=[rep.email], date=ago(days=1))["threadId"]
    run_sync(app, mailbox.id)
    user_takes_off(box, thread_id, LOGGED)
    later, elsewhere = reply(box, thread_id), reply(box, other, sender="Bo <bo@customer.example>", minutes=2)

    report = run_sync(app, mailbox.id)

    assert report.stored == 2  # still logged: taking a label off is not unlogging
    assert names_on(box, later) == set()
    assert names_on(box, elsewhere) == {LOGGED}
    assert [(o.gmail_thread_id, o.kind) for o in rows(app, LabelOptOut, user=rep.id)] == [(thread_id, "logged")]


def test_a_message_deleted_before_labelling_leaves_the_rest_labelled(app, google, rep, box, mailbox, monkeypatch):
    from threadbook.sync.gmail_reader import SyncGmail

    ids = [box.add_message(sender=CUSTOMER, to=[rep.email], date=ago(days=1, minutes=i))["id"] for i in range(3)]
    fetch = SyncGmail.fetch_messages

    def fetch_then_delete(self, message_ids, full=False):
        found = fetch(self, message_ids, full)
        with google.state.lock:
            box.delete_message(ids[1])  # gone between the fetch and the label
        return found

    monkeypatch.setattr(SyncGmail, "fetch_messages", fetch_then_delete)

    report = run_sync(app, mailbox.id)

    assert report.labels_failed == 0
    assert names_on(box, ids[0]) == names_on(box, ids[2]) == {LOGGED}
