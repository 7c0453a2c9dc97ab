"""Gmail labels: threads with contacts sorted into deal labels, and moved as their deals change."""

import datetime

import pytest

from threadbook.crm import store as crm
from threadbook.db import database
from threadbook.models import Deal, ThreadLabel
from threadbook.sync.labels import CLOSING, CUSTOMERS, OPEN, deal_label, plan, sort_mailbox_labels

from ..support.sync import ago, connect, run_sync

TODAY = datetime.date(2026, 3, 14)


@pytest.fixture
def rep(factory):
    org = factory.org(domain="acme.example")
    return factory.user(org, email="rep@acme.example")


@pytest.fixture
def world(app, google, rep):
    """A synced mailbox with one thread per customer, and the customers as contacts."""
    box = google.state.add_mailbox(rep.email)
    threads = {}
    for name in ("closing", "later", "customer", "nodeal", "stranger"):
        message = box.add_message(sender=f"{name} <{name}@{name}.example>", to=[rep.email], subject=name, date=ago(days=1))
        threads[name] = message["threadId"]
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    with app.app_context():
        database.connect(reuse_if_open=True)
        contacts = {}
        for name in ("closing", "later", "customer", "nodeal"):
            company = crm.create_company(rep.org_id, name.title(), [f"{name}.example"])
            contacts[name] = crm.create_contact(rep.org_id, name, [f"{name}@{name}.example"], company=company)
        deals = {
            "closing": Deal.create(org=rep.org_id, name="Closing", contact=contacts["closing"], status="open", close_date=TODAY.replace(day=28)),
            "later": Deal.create(org=rep.org_id, name="Later", contact=contacts["later"], status="open", close_date=TODAY.replace(month=5)),
            # a company's deal counts for its contacts
            "customer": Deal.create(org=rep.org_id, name="Won", company=contacts["customer"].company, status="won"),
        }
    return box, mailbox, threads, deals


def sort(app, mailbox_id, today=TODAY):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return sort_mailbox_labels(mailbox_id, today=today, sleep=lambda s: None)


def labels_of(box, thread_id):
    names = {label["id"]: label["name"] for label in box.labels.values()}
    return {names[i] for i in box.thread_labels(thread_id) if names[i].startswith("Threadbook/") and names[i] != "Threadbook/Logged"}


def test_threads_are_sorted_by_their_contacts_deals(app, google, world):
    box, mailbox, threads, _ = world

    result = sort(app, mailbox.id)

    assert result["added"] == 3
    assert labels_of(box, threads["closing"]) == {CLOSING}
    assert labels_of(box, threads["later"]) == {OPEN}
    assert labels_of(box, threads["customer"]) == {CUSTOMERS}
    assert labels_of(box, threads["nodeal"]) == set()
    assert labels_of(box, threads["stranger"]) == set()
    assert "INBOX" in box.thread_labels(threads["closing"])  # archiving is off by default
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert ThreadLabel.select().count() == 3


def test_threads_move_when_deals_change(app, google, world):
    box, mailbox, threads, deals = world
    sort(app, mailbox.id)
    with app.app_context():
        database.connect(reuse_if_open=True)
        Deal.update(status="won").where(Deal.id == deals["closing"].id).execute()
        Deal.update(status="lost").where(Deal.id == deals["later"].id).execute()

    result = sort(app, mailbox.id)

    assert labels_of(box, threads["closing"]) == {CUSTOMERS}
    assert labels_of(box, threads["later"]) == set()
    assert labels_of(box, threads["customer"]) == {CUSTOMERS}
    assert (result["added"], result["removed"]) == (1, 2)
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert sorted(ThreadLabel.select(ThreadLabel.label).tuples()) == [(CUSTOMERS,), (CUSTOMERS,)]


def test_a_deal_closing_next_month_moves_labels_when_the_month_turns(app, google, world):
    box, mailbox, threads, _ = world
    sort(app, mailbox.id)

    sort(app, mailbox.id, today=datetime.date(2026, 5, 2))

    assert labels_of(box, threads["later"]) == {CLOSING}
    assert labels_of(box, threads["closing"]) == {OPEN}  # overdue but still open


def test_sorting_again_without_changes_calls_gmail_for_nothing(app, google, world):
    _, mailbox, _, _ = world
    sort(app, mailbox.id)
    google.state.reset_counters()

    result = sort(app, mailbox.id)

    assert (result["added"], result["removed"]) == (0, 0)
    assert google.state.calls == []


def test_archive_option_takes_sorted_threads_out_of_the_inbox(app, google, world, rep):
    box, mailbox, threads, _ = world
    with app.app_context():
        database.connect(reuse_if_open=True)
        rep.org.archive_sorted_threads = True
        rep.org.save()

    result = sort(app, mailbox.id)

    assert result["archived"] == 3
    assert "INBOX" not in box.thread_labels(threads["closing"])
    assert "INBOX" in box.thread_labels(threads["nodeal"])


def test_paused_mailboxes_are_not_sorted(app, google, world, rep):
    box, mailbox, threads, _ = world
    with app.app_context():
        database.connect(reuse_if_open=True)
        rep.sync_paused = True
        rep.save()

    assert sort(app, mailbox.id)["outcome"] == "inactive"
    assert labels_of(box, threads["closing"]) == set()


@pytest.mark.parametrize(
    "status, close_date, expected",
    [
        ("open", TODAY.replace(day=1), CLOSING),
        ("open", TODAY.replace(day=31), CLOSING),
        ("open", TODAY.replace(month=4, day=1), OPEN),
        ("open", TODAY.replace(month=2, day=28), OPEN),
        ("open", None, OPEN),
        ("won", TODAY, CUSTOMERS),
        ("lost", TODAY, None),
    ],
)
def test_deal_label_rules(status, close_date, expected):
    assert deal_label(status, close_date, TODAY) == expected


def test_plan_moves_only_what_differs():
    desired = {"t1": OPEN, "t2": CUSTOMERS, "t3": CLOSING}
    applied = {"t1": OPEN, "t2": CLOSING, "t4": OPEN}
    assert plan(desired, applied) == [("t2", CUSTOMERS, CLOSING), ("t3", CLOSING, None), ("t4", None, OPEN)]
