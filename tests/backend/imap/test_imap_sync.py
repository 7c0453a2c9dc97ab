"""IMAP sync against a real Dovecot: incremental by UID, UIDVALIDITY changes, dropped connections, refusals, pause, filters, sharing, dedupe."""

import datetime

import pytest

from threadbook import crypto
from threadbook.db import database
from threadbook.mail.store import store_gmail_messages
from threadbook.models import BlockedAddress, Contact, ContactAddress, Email, ImapAccount, ImapFolder, Organization, User, utcnow
from threadbook.sync.imap.due import accounts_due, is_due
from threadbook.sync.imap.sync import ImapSyncSettings, sync_account

from ..support.imap import CuttingProxy, message


@pytest.fixture
def account(app, db, rep, mailbox):
    """The rep's account on the test Dovecot (STARTTLS), made without the first sync."""
    return _account(app, rep, mailbox)


def _account(app, user, mailbox, port=None, tls="starttls"):
    with app.app_context():
        return ImapAccount.create(
            org=user.org_id,
            user=user.id,
            host="127.0.0.1",
            port=port or mailbox.server.port,
            tls=tls,
            username=mailbox.user,
            password=crypto.encrypt(mailbox.password),
        )


def _sync(app, account, **overrides):
    with app.app_context():
        return sync_account(account.id, ImapSyncSettings.from_config(app.config, **overrides))


def _subjects(user):
    return sorted(e.subject for e in Email.select().where(Email.owner == user.id))


def test_first_sync_then_only_new_mail_from_inbox_and_sent(app, rep, mailbox, account):
    for n in range(5):
        mailbox.append(message(f"buyer{n}@buyer.example", "rep@acme.example", subject=f"in {n}"))
    mailbox.append(message("rep@acme.example", "ann@buyer.example", subject="out 1"), folder="Sent")

    first = _sync(app, account, batch_size=2)

    assert (first.outcome, first.stored, first.batches) == ("synced", 6, 4)
    folders = {f.role: f for f in ImapFolder.select().where(ImapFolder.account == account.id)}
    assert folders["inbox"].last_uid == 5 and folders["sent"].last_uid == 1
    mailbox.append(message("buyer9@buyer.example", "rep@acme.example", subject="in 9"))
    second = _sync(app, account)
    assert (second.outcome, second.fetched, second.stored) == ("synced", 1, 1)
    assert _subjects(rep) == ["in 0", "in 1", "in 2", "in 3", "in 4", "in 9", "out 1"]
    assert ImapAccount.get_by_id(account.id).messages_synced == 7
    assert _sync(app, account).fetched == 0


def test_a_recreated_folder_is_listed_again_and_nothing_is_stored_twice(app, rep, mailbox, account):
    sent = [message("rep@acme.example", "ann@buyer.example", subject=f"out {n}") for n in range(3)]
    for raw in sent:
        mailbox.append(raw, folder="Sent")
    assert _sync(app, account).stored == 3
    old = ImapFolder.get((ImapFolder.account == account.id) & (ImapFolder.role == "sent")).uidvalidity

    mailbox.run("delete", "Sent")
    mailbox.run("create", "Sent")
    for raw in sent[:2] + [message("rep@acme.example", "bob@buyer.example", subject="out new")]:
        mailbox.append(raw, folder="Sent")
    report = _sync(app, account)

    assert report.relisted == ["sent"]
    assert (report.fetched, report.stored) == (3, 1)
    folder = ImapFolder.get((ImapFolder.account == account.id) & (ImapFolder.role == "sent"))
    assert folder.uidvalidity != old and folder.last_uid == 3
    assert _subjects(rep) == ["out 0", "out 1", "out 2", "out new"]  # nothing lost, nothing twice


def test_mail_without_a_message_id_is_recognised_after_a_uidvalidity_change(app, rep, mailbox, account):
    raw = message("ann@buyer.example", "rep@acme.example", subject="no id", message_id=False)
    mailbox.append(raw, folder="Sent")
    assert _sync(app, account).stored == 1
    mailbox.run("delete", "Sent")
    mailbox.run("create", "Sent")
    mailbox.append(raw, folder="Sent")
    assert _sync(app, account).stored == 0
    assert _subjects(rep) == ["no id"]


def test_a_connection_dropped_mid_fetch_ends_the_run_and_the_next_resumes_without_duplicates(app, rep, mailbox):
    for n in range(6):
        mailbox.append(message(f"buyer{n}@buyer.example", "rep@acme.example", subject=f"m{n}"))
    # Each batch sends two UID FETCH (headers, then the kept messages): the third is the second batch's headers.
    proxy = CuttingProxy(mailbox.server.port, cut_at=3)
    try:
        account = _account(app, rep, mailbox, port=proxy.port, tls="none")  # plain, so the proxy can read the commands
        first = _sync(app, account, batch_size=2)
        assert first.outcome == "error" and "dropped" in first.error
        state = ImapAccount.get_by_id(account.id)
        assert (state.status, state.failures, state.messages_synced) == ("error", 1, 2)
        assert state.last_error and state.lease_owner is None
        assert ImapFolder.get(ImapFolder.account == account.id).last_uid == 2  # the committed batch only
        assert _subjects(rep) == ["m0", "m1"]

        second = _sync(app, account, batch_size=2)
        assert (second.outcome, second.stored) == ("synced", 4)
        assert _subjects(rep) == [f"m{n}" for n in range(6)]
        state = ImapAccount.get_by_id(account.id)
        assert (state.status, state.failures, state.last_error) == ("active", 0, None)
    finally:
        proxy.close()


def test_a_refused_password_needs_reconnecting_and_stops_periodic_sync(app, rep, mailbox, account):
    assert _sync(app, account).outcome == "synced"
    mailbox.set_password("changed-on-the-server")
    report = _sync(app, account)
    assert report.outcome == "needs_reconnect" and "Authentication failed" in report.error
    assert ImapAccount.get_by_id(account.id).status == "needs_reconnect"
    with app.app_context():
        assert account.id not in accounts_due(now=utcnow() + datetime.timedelta(days=1))
        assert _sync(app, account).outcome == "needs_reconnect"  # no connection either


def test_an_unreachable_server_is_an_error_with_back_off(app, rep, mailbox):
    from ... import imap_server

    account = _account(app, rep, mailbox, port=imap_server.free_port())
    report = _sync(app, account)
    assert report.outcome == "error" and "Could not connect" in report.error
    state = ImapAccount.get_by_id(account.id)
    assert (state.status, state.failures) == ("error", 1)
    assert not is_due(state, now=state.last_error_at + datetime.timedelta(minutes=10))
    assert is_due(state, now=state.last_error_at + datetime.timedelta(minutes=20))
    state.failures = 3
    assert not is_due(state, now=state.last_error_at + datetime.timedelta(minutes=79))
    assert is_due(state, now=state.last_error_at + datetime.timedelta(minutes=80))


def test_pause_and_a_disabled_organisation_mean_no_connection_at_all(app, rep, org, mailbox):
    proxy = CuttingProxy(mailbox.server.port)
    try:
        account = _account(app, rep, mailbox, port=proxy.port, tls="none")  # plain, so the proxy can read the commands
        User.update(sync_paused=True).where(User.id == rep.id).execute()
        with app.app_context():
            assert account.id not in accounts_due()
        assert _sync(app, account).outcome == "paused"
        User.update(sync_paused=False).where(User.id == rep.id).execute()
        Organization.update(sync_enabled=False).where(Organization.id == org.id).execute()
        with app.app_context():
            assert account.id not in accounts_due()
        assert _sync(app, account).outcome == "disabled"
        assert proxy.connections == 0
        Organization.update(sync_enabled=True).where(Organization.id == org.id).execute()
        with app.app_context():
            assert account.id in accounts_due()
        assert _sync(app, account).outcome == "synced" and proxy.connections == 1
    finally:
        proxy.close()


def test_the_same_filters_as_gmail_sync_internal_automated_and_blocked_mail_is_left_out(app, rep, colleague, org, mailbox, account):
    BlockedAddress.create(org=org.id, user=rep.id, pattern="spy@blocked.example")
    BlockedAddress.create(org=org.id, user=None, pattern="competitor.example")
    mailbox.append(message("ann@buyer.example", "rep@acme.example", subject="kept"))
    mailbox.append(message("col@acme.example", "rep@acme.example", subject="internal"))
    mailbox.append(message("news@shop.example", "rep@acme.example", subject="list", extra={"List-Unsubscribe": "<mailto:u@shop.example>"}))
    mailbox.append(message("noreply@service.example", "rep@acme.example", subject="robot"))
    mailbox.append(message("ann@buyer.example", "rep@acme.example", cc="spy@blocked.example", subject="blocked address"))
    mailbox.append(message("x@sales.competitor.example", "rep@acme.example", subject="blocked domain"))

    report = _sync(app, account)

    assert _subjects(rep) == ["kept"]
    assert (report.skipped_internal, report.skipped_automated, report.skipped_blocked) == (1, 2, 2)
    assert report.fetched == 6


def test_matched_mail_is_counted_and_links_to_the_contact(app, rep, org, mailbox, account):
    contact = Contact.create(org=org.id, owner=rep.id, name="Ann Buyer", name_lower="ann buyer")
    ContactAddress.create(org=org.id, contact=contact.id, email="ann@buyer.example", email_normalized="ann@buyer.example")
    mailbox.append(message("Ann <ann@buyer.example>", "rep@acme.example", subject="from ann"))
    mailbox.append(message("zed@other.example", "rep@acme.example", subject="from zed"))
    report = _sync(app, account)
    assert (report.stored, report.matched) == (2, 1)


def test_sharing_follows_the_owners_level_and_a_colleague_cannot_read_private_mail(app, client, factory, rep, colleague, mailbox, account):
    User.update(default_visibility="private").where(User.id == rep.id).execute()
    mailbox.append(message("ann@buyer.example", "rep@acme.example", subject="secret terms", body="The price is 42."))
    _sync(app, account)
    email = Email.get(Email.owner == rep.id)
    assert (email.visibility, email.source) == ("private", "sync")
    assert client.get(f"/api/v1/emails/{email.id}", headers=factory.headers(colleague)).status_code == 404
    mine = client.get(f"/api/v1/emails/{email.id}", headers=factory.headers(rep)).json
    assert mine["snippet"].startswith("The price is 42")


def test_team_metadata_shows_a_colleague_who_and_when_not_the_text(app, client, factory, rep, colleague, mailbox, account):
    mailbox.append(message("ann@buyer.example", "rep@acme.example", subject="terms", body="The price is 42."))
    _sync(app, account)
    email = Email.get(Email.owner == rep.id)
    theirs = client.get(f"/api/v1/emails/{email.id}", headers=factory.headers(colleague)).json
    assert theirs["redacted"] is True and theirs["snippet"] is None and theirs["body"] is None


def test_mail_already_logged_from_gmail_or_the_dropbox_is_one_copy(app, rep, org, mailbox, account):
    gmail_copy = {
        "id": "18a1",
        "threadId": "18a1",
        "labelIds": ["INBOX"],
        "snippet": "hi",
        "payload": {
            "headers": [
                {"name": "From", "value": "ann@buyer.example"},
                {"name": "To", "value": "rep@acme.example"},
                {"name": "Subject", "value": "seen in gmail"},
                {"name": "Message-ID", "value": "<same-1@buyer.example>"},
            ]
        },
    }
    with app.app_context():
        store_gmail_messages(Organization.get_by_id(org.id), rep, None, [gmail_copy], source="sync")
    mailbox.append(message("ann@buyer.example", "rep@acme.example", subject="seen in gmail", message_id="<same-1@buyer.example>"))
    mailbox.append(message("rep@acme.example", "ann@buyer.example", subject="seen in gmail", message_id="<same-1@buyer.example>"), folder="Sent")
    report = _sync(app, account)
    assert report.stored == 0
    assert Email.select().where((Email.owner == rep.id) & (Email.message_key == "<same-1@buyer.example>")).count() == 1


def test_the_colleagues_copy_of_the_same_mail_is_their_own(app, rep, colleague, mailbox, dovecot, account):
    from ..support.imap import Mailbox

    raw = message("ann@buyer.example", "rep@acme.example, col@acme.example", subject="to both", message_id="<both@buyer.example>")
    mailbox.append(raw)
    dovecot.add_user(mailbox.user + "c", "pw-col")
    theirs = Mailbox(dovecot, mailbox.user + "c", "pw-col")
    theirs.append(raw)
    _sync(app, account)
    _sync(app, _account(app, colleague, theirs))
    owners = sorted(e.owner_id for e in Email.select().where(Email.message_key == "<both@buyer.example>"))
    assert owners == sorted([rep.id, colleague.id])
    database.close()


def test_mail_logged_through_the_dropbox_is_recognised_in_sent(app, rep, mailbox, account):
    from threadbook.dropbox.ingest import ingest

    raw = message("Rep <rep@acme.example>", "Ann <ann@buyer.example>", subject="proposal", message_id="<sent-1@acme.example>")
    with app.app_context():
        logged = ingest(raw, User.get_by_id(rep.id), "in.acme.example")
    mailbox.append(raw, folder="Sent")
    assert _sync(app, account).stored == 0
    assert [e.id for e in Email.select().where(Email.owner == rep.id)] == [logged.email_id]


def test_the_periodic_schedule_queues_due_accounts_only(app, rep, mailbox, account):
    from threadbook.jobs import tasks

    mailbox.append(message("ann@buyer.example", "rep@acme.example"))
    tasks.bind_app(app)  # the queue runs tasks at once (QUEUE_IMMEDIATE), as the worker would
    with app.app_context():
        assert tasks.schedule_imap_syncs.call_local() == 1  # never synced: due, and run at once (immediate queue)
    assert Email.select().where(Email.owner == rep.id).count() == 1
    with app.app_context():
        assert tasks.schedule_imap_syncs.call_local() == 0  # just synced: due again in 10 minutes
        assert is_due(ImapAccount.get_by_id(account.id), now=utcnow() + datetime.timedelta(minutes=10))


def test_hostile_headers_neither_smuggle_a_participant_past_the_blocklist_nor_stop_the_run(app, rep, org, mailbox, account):
    from threadbook.models import EmailParticipant

    BlockedAddress.create(org=org.id, user=None, pattern="evil.example")
    # A display name that decodes to "Zoë, mallory@evil.example": a name, never a second address.
    mailbox.append(message("=?utf-8?q?Zo=C3=AB=2C_mallory=40evil=2Eexample?= <ann@buyer.example>", "rep@acme.example", subject="encoded name"))
    mailbox.append(message("ann@buyer.example", "rep@acme.example", cc=", ".join(f"p{n}@x.example" for n in range(3000)), subject="huge cc"))
    mailbox.append(message("ann@buyer.example", "rep@acme.example", subject="after"))

    report = _sync(app, account)

    assert report.outcome == "synced" and report.skipped_other == 1  # the header too long to parse
    assert _subjects(rep) == ["after", "encoded name"]
    email = Email.get(Email.subject == "encoded name")
    assert sorted(p.address_normalized for p in EmailParticipant.select().where(EmailParticipant.email == email.id)) == [
        "ann@buyer.example",
        "rep@acme.example",
    ]
    assert email.from_name == "Zoë, mallory@evil.example"
