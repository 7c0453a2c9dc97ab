"""Mail sync of one mailbox against the fake Gmail API: backfill, incremental history, 404 fallback, faults."""

import pytest

from threadbook.crm import store as crm
from threadbook.db import database
from threadbook.models import ContactAddress, Email, EmailParticipant, Mailbox, MailboxMessage
from threadbook.sync.history import changes_in

from ...fakes.google_common import backend_error, rate_limited
from ..support.sync import Sleeps, ago, connect, mailbox_row, run_sync

ORG_DOMAIN = "acme.example"


@pytest.fixture
def rep(factory):
    org = factory.org(domain=ORG_DOMAIN)
    return factory.user(org, email=f"rep@{ORG_DOMAIN}")


@pytest.fixture
def box(google, rep):
    return google.state.add_mailbox(rep.email)


def add_external(box, n=1, days_ago=1, **kwargs):
    """Add ``n`` messages from customers to the rep; return their Gmail ids."""
    ids = []
    for i in range(n):
        kwargs.setdefault("subject", "Quote")
        message = box.add_message(
            sender=kwargs.pop("sender", None) or f"Customer {i} <buyer{i}@customer.example>",
            to=[box.address],
            date=ago(days=days_ago, minutes=i),
            **kwargs,
        )
        ids.append(message["id"])
    return ids


def stored_gmail_ids(app, user):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return sorted(m.gmail_message_id for m in MailboxMessage.select().where(MailboxMessage.user == user.id))


def emails(app):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return list(Email.select().order_by(Email.id))


def test_first_sync_backfills_the_last_90_days_only(app, google, rep, box):
    recent = add_external(box, 3, days_ago=2)
    add_external(box, 2, days_ago=120, sender="Old <old@customer.example>")
    mailbox = connect(app, google, rep)

    report = run_sync(app, mailbox.id)

    assert report.outcome == "synced"
    assert report.mode == "backfill"
    assert stored_gmail_ids(app, rep) == sorted(recent)
    row = mailbox_row(app, mailbox.id)
    assert row.backfill_done and row.messages_synced == 3
    assert row.history_id == str(box.history_id) or int(row.history_id) <= box.history_id
    assert row.last_synced_at is not None and row.lease_owner is None
    stored = emails(app)
    assert {e.source for e in stored} == {"sync"}
    assert {e.visibility for e in stored} == {"team_metadata"}  # nobody chose: the organisation's default
    assert all(e.body is None for e in stored)  # the organisation does not store bodies


def test_backfill_pages_through_the_listing(app, google, rep, box):
    ids = add_external(box, 23)
    mailbox = connect(app, google, rep)

    report = run_sync(app, mailbox.id, page_size=5, batch_size=4)

    assert report.pages >= 5
    assert stored_gmail_ids(app, rep) == sorted(ids)
    assert mailbox_row(app, mailbox.id).messages_synced == 23


def test_internal_mail_drafts_and_spam_are_not_stored(app, google, rep, box, factory):
    colleague = factory.user(rep.org, email=f"ann@{ORG_DOMAIN}")
    box.add_message(sender=f"Ann <{colleague.email}>", to=[rep.email], date=ago(days=1))
    box.add_message(sender=f"Bot <noreply@mail.{ORG_DOMAIN}>", to=[rep.email], date=ago(days=1))
    box.add_message(sender=rep.email, to=["buyer@customer.example"], date=ago(days=1), label_ids=["DRAFT"])
    box.add_message(sender="Spammer <x@spam.example>", to=[rep.email], date=ago(days=1), label_ids=["SPAM"])
    kept = box.add_message(sender=rep.email, to=["buyer@customer.example"], cc=[colleague.email], date=ago(days=1), label_ids=["SENT"])
    mailbox = connect(app, google, rep)

    report = run_sync(app, mailbox.id)

    assert stored_gmail_ids(app, rep) == [kept["id"]]
    assert report.skipped_internal == 2
    assert report.skipped_other == 1  # the draft; spam is never listed


def test_mail_links_to_a_contact_created_later(app, google, rep, box):
    add_external(box, 1, sender="Grace <Grace.Hopper@Customer.example>")
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)

    with app.app_context():
        database.connect(reuse_if_open=True)
        contact = crm.create_contact(rep.org_id, "Grace", ["grace.hopper@customer.example"])
        linked = (
            Email.select()
            .join(EmailParticipant)
            .join(ContactAddress, on=(ContactAddress.email_normalized == EmailParticipant.address_normalized))
            .where(ContactAddress.contact == contact.id)
        )
        assert [e.subject for e in linked] == ["Quote"]


def test_matched_counts_messages_with_known_contacts(app, google, rep, box):
    add_external(box, 1, sender="Known <known@customer.example>")
    add_external(box, 1, sender="Stranger <stranger@other.example>")
    with app.app_context():
        database.connect(reuse_if_open=True)
        crm.create_contact(rep.org_id, "Known", ["known@customer.example"])
    mailbox = connect(app, google, rep)

    report = run_sync(app, mailbox.id)

    assert (report.stored, report.matched) == (2, 1)


def test_bodies_are_stored_where_the_organisation_stores_bodies(app, google, rep, box):
    with app.app_context():
        database.connect(reuse_if_open=True)
        rep.org.store_bodies = True
        rep.org.save()
    add_external(box, 1, body="Our budget is 40k.")
    mailbox = connect(app, google, rep)

    run_sync(app, mailbox.id)

    assert [e.body for e in emails(app)] == ["Our budget is 40k."]


def test_incremental_sync_adds_new_and_removes_deleted_and_trashed(app, google, rep, box):
    first = add_external(box, 3)
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)

    new = add_external(box, 2, sender="Late <late@customer.example>", days_ago=0)
    box.delete_message(first[0])
    box.modify_message(first[1], add=["TRASH"], remove=["INBOX"])
    box.modify_message(first[2], add=["STARRED"])  # relabelled: nothing to do
    report = run_sync(app, mailbox.id)

    assert report.mode == "incremental"
    assert stored_gmail_ids(app, rep) == sorted([first[2], *new])
    assert report.removed == 2
    assert len(emails(app)) == 3  # synced mail no mailbox holds any more is gone

    box.modify_message(first[1], remove=["TRASH"], add=["INBOX"])  # restored from the bin
    run_sync(app, mailbox.id)
    assert stored_gmail_ids(app, rep) == sorted([first[1], first[2], *new])


def test_a_second_sync_with_no_changes_fetches_nothing(app, google, rep, box):
    add_external(box, 4)
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    google.state.reset_counters()

    report = run_sync(app, mailbox.id)

    assert (report.fetched, report.stored) == (0, 0)
    assert not google.state.calls_to("POST", "/batch")
    assert not google.state.calls_to("GET", "/messages/")


def test_deleting_in_gmail_keeps_mail_logged_by_hand(app, google, rep, box):
    ids = add_external(box, 1)
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    with app.app_context():
        database.connect(reuse_if_open=True)
        Email.update(source="manual").execute()
    box.delete_message(ids[0])

    run_sync(app, mailbox.id)

    assert stored_gmail_ids(app, rep) == []
    assert len(emails(app)) == 1


def test_expired_history_id_falls_back_to_a_full_sync(app, google, rep, box):
    add_external(box, 2)
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    missed = add_external(box, 1, sender="Missed <missed@customer.example>", days_ago=0)
    box.forget_history()  # a week later: Gmail answers 404 for the stored history id
    google.state.reset_counters()

    report = run_sync(app, mailbox.id)

    assert report.mode == "full"
    assert report.stored == 1 and report.fetched == 1  # the two already stored are not fetched again
    assert missed[0] in stored_gmail_ids(app, rep)
    row = mailbox_row(app, mailbox.id)
    assert row.backfill_done and int(row.history_id) == box.history_id
    # and the next run is incremental again
    assert run_sync(app, mailbox.id).mode == "incremental"


def test_rate_limits_and_server_errors_are_retried_with_backoff(app, google, rep, box):
    ids = add_external(box, 3)
    mailbox = connect(app, google, rep)
    google.state.fail(rate_limited(retry_after=7), times=2, path_contains="/messages")
    google.state.fail(backend_error(), times=1, path_contains="/profile")

    report = run_sync(app, mailbox.id)

    assert report.outcome == "synced"
    assert stored_gmail_ids(app, rep) == sorted(ids)
    assert report.retries == 3


def test_backoff_waits_for_retry_after_without_sleeping(app, google, rep, box):
    add_external(box, 1)
    mailbox = connect(app, google, rep)
    google.state.fail(rate_limited(retry_after=7), times=1, path_contains="/messages")

    sleeps = Sleeps()
    run_sync(app, mailbox.id, sleeps=sleeps)

    assert len(sleeps) == 1 and 7 <= sleeps[0] <= 32


def test_persistent_rate_limit_gives_up_and_keeps_the_position(app, google, rep, box):
    add_external(box, 2)
    mailbox = connect(app, google, rep)
    google.state.fail(rate_limited(), times=100, path_contains="/messages")

    report = run_sync(app, mailbox.id, retries=3)

    assert report.outcome == "error" and report.retries == 3
    row = mailbox_row(app, mailbox.id)
    assert "429" in row.last_error
    assert row.status == "active" and row.lease_owner is None
    google.state.failures.clear()
    assert run_sync(app, mailbox.id).outcome == "synced"
    assert mailbox_row(app, mailbox.id).messages_synced == 2


def test_quota_bucket_paces_calls(app, google, rep, box):
    add_external(box, 30)
    mailbox = connect(app, google, rep)
    sleeps = Sleeps()
    run_sync(app, mailbox.id, quota_units_per_second=10, sleeps=sleeps, page_size=10, batch_size=10)

    # 30 gets (150 units) + lists and labels, at 10 units a second and a 50-unit burst: it had to wait.
    assert sum(sleeps) >= 10


@pytest.mark.parametrize("revoke", ["refresh_token", "access_token"])
def test_revoked_authorisation_marks_the_mailbox_needs_reconnect(app, google, rep, box, client, factory, revoke):
    add_external(box, 1)
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    add_external(box, 1, days_ago=0, sender="New <new@customer.example>")
    if revoke == "refresh_token":
        google.oauth.revoke_user(rep.email)  # the user removed Threadbook's access in their Google account
    else:
        # Gmail answers 401 to every token, even one freshly refreshed.
        google.oauth.on_access_token = None
        for token in list(google.state.grants):
            google.state.expire(token)

    report = run_sync(app, mailbox.id)

    assert report.outcome == "needs_reconnect"
    body = client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()
    assert body["status"] == "needs_reconnect" and body["needs_reconnect"] is True
    assert "connect it again" in body["last_error"]
    assert run_sync(app, mailbox.id).outcome == "needs_reconnect"  # no more attempts until reconnected


def test_crash_after_a_page_resumes_without_loss_or_duplicates(app, google, rep, box):
    ids = add_external(box, 20)
    mailbox = connect(app, google, rep)

    class Crash(Exception):
        pass

    def crash_on_third_page(report):
        if report.pages == 3:
            raise Crash()

    with pytest.raises(Crash):
        run_sync(app, mailbox.id, page_size=4, on_page=crash_on_third_page, owner="worker-1")
    row = mailbox_row(app, mailbox.id)
    assert row.messages_synced == 12 and not row.backfill_done and row.backfill_page_token
    # The dead worker's lease runs out; another worker resumes from the committed page token.
    with app.app_context():
        database.connect(reuse_if_open=True)
        Mailbox.update(lease_until=None).execute()
    google.state.reset_counters()

    report = run_sync(app, mailbox.id, page_size=4, owner="worker-2")

    assert report.fetched == 8  # only the pages not yet committed
    assert stored_gmail_ids(app, rep) == sorted(ids)
    assert mailbox_row(app, mailbox.id).messages_synced == 20
    assert len(emails(app)) == 20


def test_pause_and_disabled_org_stop_sync(app, google, rep, box):
    add_external(box, 1)
    mailbox = connect(app, google, rep)
    with app.app_context():
        database.connect(reuse_if_open=True)
        rep.sync_paused = True
        rep.save()
    assert run_sync(app, mailbox.id).outcome == "paused"
    with app.app_context():
        database.connect(reuse_if_open=True)
        rep.sync_paused = False
        rep.save()
        rep.org.sync_enabled = False
        rep.org.save()
    assert run_sync(app, mailbox.id).outcome == "disabled"
    assert stored_gmail_ids(app, rep) == []
    assert google.state.calls == []


def test_pausing_mid_sync_stops_at_the_next_page(app, google, rep, box):
    add_external(box, 10)
    mailbox = connect(app, google, rep)

    def pause_after_first_page(report):
        from threadbook.models import User

        User.update(sync_paused=True).where(User.id == rep.id).execute()

    report = run_sync(app, mailbox.id, page_size=4, on_page=pause_after_first_page)

    assert report.outcome == "paused" and report.pages == 1
    assert len(stored_gmail_ids(app, rep)) == 4


def test_synced_messages_get_the_logged_label(app, google, rep, box):
    ids = add_external(box, 2)
    mailbox = connect(app, google, rep)

    run_sync(app, mailbox.id)

    label = box.label_by_name("Threadbook/Logged")
    assert label is not None
    assert all(label["id"] in box.messages[i]["labelIds"] for i in ids)


def test_history_changes_later_records_win():
    def msg(i, labels=("INBOX",)):
        return {"message": {"id": i, "threadId": i, "labelIds": list(labels)}}

    records = [
        {"id": "1", "messagesAdded": [msg("a"), msg("b"), msg("d", ["DRAFT"])]},
        {"id": "2", "messagesDeleted": [msg("a")], "labelsAdded": [{**msg("b"), "labelIds": ["TRASH"]}]},
        {"id": "3", "labelsRemoved": [{**msg("b"), "labelIds": ["TRASH"]}], "labelsAdded": [{**msg("c"), "labelIds": ["SPAM"]}]},
        {"id": "4", "labelsAdded": [{**msg("e"), "labelIds": ["STARRED"]}]},
    ]
    assert changes_in(records) == (["b"], ["a", "c"])


def test_rate_limited_parts_of_a_batch_are_fetched_again(app, google, rep, box):
    ids = add_external(box, 5)
    mailbox = connect(app, google, rep)
    google.state.fail(rate_limited(retry_after=2), times=3, path_contains="/messages/")  # three parts of the first batch

    report = run_sync(app, mailbox.id)

    assert report.outcome == "synced" and report.retries == 1
    assert stored_gmail_ids(app, rep) == sorted(ids)


def test_fake_listing_understands_the_queries_sync_uses(app, google, rep, box):
    from threadbook.google.gmail import Gmail

    recent = add_external(box, 3, days_ago=2)
    add_external(box, 2, days_ago=40, sender="Old <old@customer.example>")
    token = "listing-token"
    google.state.grant(token, rep.email, scopes=["gmail.modify"])
    gmail = Gmail.for_access_token(token, google.gmail.root)

    assert {m["id"] for m in gmail.list_messages("newer_than:7d")["messages"]} == set(recent)
    since = ago(days=10).strftime("%Y/%m/%d")
    first = gmail.list_messages(f"after:{since} -in:chats", max_results=2)
    second = gmail.list_messages(f"after:{since} -in:chats", page_token=first["nextPageToken"], max_results=2)
    assert [m["id"] for m in first["messages"] + second["messages"]] == recent  # newest first (each was added a minute older)
    assert "nextPageToken" not in second
    assert gmail.get_profile()["historyId"] == str(box.history_id)


def test_a_token_endpoint_outage_is_not_a_revoked_grant(app, google, rep, box, monkeypatch):
    import types

    import google.auth._exponential_backoff as google_auth_backoff

    # google-auth retries a failed token request itself, with real sleeps: skip them.
    monkeypatch.setattr(google_auth_backoff, "time", types.SimpleNamespace(sleep=lambda seconds: None))
    add_external(box, 1)
    mailbox = connect(app, google, rep)
    google.oauth.fail_next.extend([(503, "temporarily_unavailable", "Try again later.")] * 8)

    report = run_sync(app, mailbox.id, retries=1)

    assert report.outcome == "error"
    assert mailbox_row(app, mailbox.id).status == "active"  # tried again next time, not "needs_reconnect"
    google.oauth.fail_next.clear()
    assert run_sync(app, mailbox.id).outcome == "synced"
