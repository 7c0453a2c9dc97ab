"""Unlogging: an owner (or an admin) takes mail out of the CRM; nothing else is lost, and nothing logs it again by itself.

The organisation is the access tests' ``World`` (tests/backend/support/access.py):
members ``victim`` (here the owner), ``attacker`` (a colleague), ``bystander``
and an ``admin``, each with a fake Gmail mailbox and a gmail.modify token.
"""

import pytest

from threadbook.db import database
from threadbook.models import AuditLog, Contact, Deal, Email, MailboxMessage, Note, ThreadLabel, TrackedThread, UnloggedMessage

from ..support.access import ADA, ago
from ..support.sync import run_sync

LABEL = "Threadbook/Logged"


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


def token(role):
    return {"X-Google-Access-Token": f"token-{role}"}


def log_thread(world, role, thread_id, **body):
    response = world.call(role, "post", f"/api/v1/threads/{thread_id}/log", json=body or None, headers=token(role))
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def unlog_thread(world, role, thread_id, headers=None, **body):
    return world.call(role, "delete", f"/api/v1/threads/{thread_id}/log", json=body or None, headers=headers if headers is not None else token(role))


def box(world, role):
    return world.workspace.gmail.mailbox(world.users[role].email)


def labelled(world, role, gid):
    mailbox = box(world, role)
    label = mailbox.label_by_name(LABEL)
    return label is not None and label["id"] in mailbox.messages[gid]["labelIds"]


def owner_mail(world, level="team_metadata", message_id="<terms@globex.example>"):
    """The owner logs one mail from Ada at ``level``; return its Email id."""
    answer = world.log("victim", visibility=level, subject="Terms", body="the terms", message_id=message_id, date=ago(days=1))
    return answer["email_ids"][0]


def audit_entries(action):
    return [(row.user_id, row.detail) for row in AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id)]


# -- DELETE /api/v1/emails/<id> ----------------------------------------------------------------


def test_the_owner_unlogs_an_email_and_nothing_else_is_lost(world, db):
    email_id = owner_mail(world, message_id="<shared@globex.example>")
    # A colleague holds their own copy of the same mail; the contact has a note and a deal.
    theirs = world.log("bystander", visibility="team_full", subject="Terms", message_id="<shared@globex.example>", date=ago(days=1))["email_ids"][0]
    note = Note.create(org=world.org, author=world.users["victim"], body="Call back", contact=world.ada.id)
    deal = Deal.create(org=world.org, name="Renewal", contact=world.ada.id)
    answer = world.call("victim", "get", f"/api/v1/emails/{email_id}").get_json()
    assert answer["can_unlog"] is True

    response = world.call("victim", "delete", f"/api/v1/emails/{email_id}")

    assert response.status_code == 204 and response.data == b""
    assert world.call("victim", "get", f"/api/v1/emails/{email_id}").status_code == 404
    assert Email.get_or_none(Email.id == email_id) is None
    assert MailboxMessage.select().where(MailboxMessage.email == email_id).count() == 0
    assert Email.get_or_none(Email.id == theirs) is not None  # the colleague's copy is theirs
    assert Contact.get_or_none(Contact.id == world.ada.id) is not None
    assert Note.get_or_none(Note.id == note.id) is not None and Deal.get_or_none(Deal.id == deal.id) is not None
    victim = world.users["victim"]
    assert [(r.owner_id, r.message_key) for r in UnloggedMessage.select()] == [(victim.id, "<shared@globex.example>")]
    [(by, detail)] = audit_entries("email.unlogged")
    assert by == victim.id and detail["email_id"] == email_id and detail["owner_id"] == victim.id
    # The bystander still sees their copy; the owner still sees it too, shared in full.
    assert world.call("victim", "get", f"/api/v1/emails/{theirs}").status_code == 200


def test_a_colleague_who_can_see_the_email_may_not_unlog_it(world, db):
    email_id = owner_mail(world, level="team_full")
    seen = world.call("attacker", "get", f"/api/v1/emails/{email_id}").get_json()
    assert seen["can_unlog"] is False

    response = world.call("attacker", "delete", f"/api/v1/emails/{email_id}", headers=token("attacker"))

    assert response.status_code == 403 and "administrator" in response.get_json()["message"]
    assert Email.get_or_none(Email.id == email_id) is not None
    assert UnloggedMessage.select().count() == 0 and audit_entries("email.unlogged") == []


def test_a_colleague_who_cannot_see_the_email_is_told_it_does_not_exist(world, db):
    email_id = owner_mail(world, level="private")

    assert world.call("attacker", "delete", f"/api/v1/emails/{email_id}").status_code == 404
    assert world.call("admin", "delete", f"/api/v1/emails/{email_id}").status_code == 404  # private: not even an admin knows it
    assert Email.get_or_none(Email.id == email_id) is not None


def test_an_admin_unlogs_a_members_email_audited_and_the_label_comes_off_through_the_owners_mailbox(world, db):
    email_id = owner_mail(world, level="team_metadata")
    gid = Email.get_by_id(email_id).gmail_message_id
    assert labelled(world, "victim", gid)
    world.workspace.connect(world.app, world.users["victim"])  # the admin's token is not the owner's Gmail
    assert world.call("admin", "get", f"/api/v1/emails/{email_id}").get_json()["can_unlog"] is True

    response = world.call("admin", "delete", f"/api/v1/emails/{email_id}", headers=token("admin"))

    assert response.status_code == 204
    assert Email.get_or_none(Email.id == email_id) is None
    [(by, detail)] = audit_entries("email.unlogged")
    assert by == world.users["admin"].id and detail["owner_id"] == world.users["victim"].id
    assert not labelled(world, "victim", gid)
    assert UnloggedMessage.get().owner_id == world.users["victim"].id  # remembered for the owner, not the admin


def test_another_organisation_and_ids_that_name_nothing_get_404(world, factory, client, db):
    email_id = owner_mail(world, level="team_full")
    stranger = factory.user(factory.org(domain="other.example"), role="admin")

    assert client.delete(f"/api/v1/emails/{email_id}", headers=factory.headers(stranger)).status_code == 404
    for bad in ("0", "999999999"):
        assert world.call("victim", "delete", f"/api/v1/emails/{bad}").status_code == 404
    for bad in (str(2**63), str(2**70), "abc", "-1"):  # no such route: a 4xx from the router, never a 500
        assert world.call("victim", "delete", f"/api/v1/emails/{bad}").status_code in (404, 405)
    assert world.call("victim", "delete", f"/api/v1/emails/{email_id}", headers={"X-Google-Access-Token": "not a token\x01"}).status_code == 400
    assert Email.get_or_none(Email.id == email_id) is not None


def test_unlogging_twice_is_404_the_second_time(world, db):
    email_id = owner_mail(world)
    assert world.call("victim", "delete", f"/api/v1/emails/{email_id}").status_code == 204
    assert world.call("victim", "delete", f"/api/v1/emails/{email_id}").status_code == 404


# -- DELETE /api/v1/threads/<thread_id>/log ----------------------------------------------------


def test_the_caller_unlogs_chosen_messages_then_the_whole_thread_and_the_label_follows(world, db):
    mailbox = box(world, "victim")
    thread_id = mailbox.add_thread(3, sender=f"Ada <{ADA}>", date=ago(days=2))
    logged = log_thread(world, "victim", thread_id)
    gids = mailbox.threads[thread_id]
    assert all(labelled(world, "victim", gid) for gid in gids)
    by_gid = {Email.get_by_id(i).gmail_message_id: i for i in logged["email_ids"]}

    first = unlog_thread(world, "victim", thread_id, message_ids=[gids[0]])

    assert first.status_code == 200
    body = first.get_json()
    assert body["unlogged"] == [by_gid[gids[0]]] and body["label"] == "removed" and body["label_reason"] is None
    assert not labelled(world, "victim", gids[0]) and labelled(world, "victim", gids[1])
    assert ThreadLabel.select().where(ThreadLabel.gmail_thread_id == thread_id).count() == 1  # the thread still holds logged mail

    rest = unlog_thread(world, "victim", thread_id).get_json()

    assert rest["unlogged"] == sorted(by_gid[g] for g in gids[1:]) and rest["label"] == "removed"
    assert not any(labelled(world, "victim", gid) for gid in gids)
    assert ThreadLabel.select().where(ThreadLabel.gmail_thread_id == thread_id).count() == 0
    assert Email.select().where(Email.owner == world.users["victim"].id).count() == 0
    assert [detail["email_ids"] for _, detail in audit_entries("thread.unlogged")] == [body["unlogged"], rest["unlogged"]]
    lookup = world.call("victim", "post", "/api/v1/lookup", json={"participants": [], "thread_id": thread_id}).get_json()["thread"]
    assert lookup["logged"] is False and lookup["emails"] == []


def test_unlogging_a_thread_touches_only_the_callers_own_copies(world, db):
    mailbox = box(world, "victim")
    thread_id = mailbox.add_thread(2, sender=f"Ada <{ADA}>", date=ago(days=2))
    logged = log_thread(world, "victim", thread_id, visibility="team_full")

    for role in ("attacker", "admin"):
        response = unlog_thread(world, role, thread_id)
        assert response.status_code == 200
        assert response.get_json()["unlogged"] == [] and response.get_json()["label"] == "skipped"

    assert sorted(e.id for e in Email.select()) == sorted(logged["email_ids"])
    assert UnloggedMessage.select().count() == 0
    assert audit_entries("thread.unlogged") == []


def test_message_ids_that_name_nothing_logged_are_ignored(world, db):
    mailbox = box(world, "victim")
    thread_id = mailbox.add_thread(2, sender=f"Ada <{ADA}>", date=ago(days=2))
    log_thread(world, "victim", thread_id)

    body = unlog_thread(world, "victim", thread_id, message_ids=["abcdef0123"]).get_json()

    assert body["unlogged"] == [] and Email.select().count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"message_ids": []},
        {"message_ids": "18c2a0f5b7e40001"},
        {"message_ids": ["not-hex"]},
        {"message_ids": [12]},
        {"message_ids": ["a"] * 501},
        {"message_ids": None},
    ],
)
def test_bad_message_ids_are_400(world, db, body):
    response = unlog_thread(world, "victim", "18c2a0f5b7e40001", **body)
    assert response.status_code == 400 and response.get_json()["field"] == "message_ids"


def test_an_unknown_field_is_400_and_never_widens_the_unlog_to_the_whole_thread(world, db):
    mailbox = box(world, "victim")
    thread_id = mailbox.add_thread(2, sender=f"Ada <{ADA}>", date=ago(days=2))
    logged = log_thread(world, "victim", thread_id)

    response = unlog_thread(world, "victim", thread_id, email_ids=logged["email_ids"][:1])

    assert response.status_code == 400 and response.get_json()["field"] == "email_ids"
    assert Email.select().count() == 2


def test_a_bad_thread_id_or_body_is_4xx(world, db):
    assert unlog_thread(world, "victim", "not-a-thread").status_code == 400
    assert unlog_thread(world, "victim", "1" * 33).status_code == 400
    not_json = world.call("victim", "delete", "/api/v1/threads/abc/log", data="message_ids=1", headers={"Content-Type": "text/plain"})
    assert not_json.status_code == 415
    a_list = world.call("victim", "delete", "/api/v1/threads/abc/log", json=["abc"])
    assert a_list.status_code == 400


def test_without_a_token_or_connected_mailbox_the_label_stays_and_the_answer_says_why(world, db):
    mailbox = box(world, "victim")
    thread_id = mailbox.add_thread(1, sender=f"Ada <{ADA}>", date=ago(days=2))
    log_thread(world, "victim", thread_id)

    body = unlog_thread(world, "victim", thread_id, headers={}).get_json()

    assert len(body["unlogged"]) == 1
    assert body["label"] == "skipped" and "connected mailbox" in body["label_reason"]
    assert labelled(world, "victim", mailbox.threads[thread_id][0])


def test_a_read_only_token_removes_the_label_through_the_connected_mailbox(world, db):
    world.workspace.gmail.grant("read-only", world.users["victim"].email, scopes=("gmail.readonly",))
    world.workspace.connect(world.app, world.users["victim"])
    mailbox = box(world, "victim")
    thread_id = mailbox.add_thread(2, sender=f"Ada <{ADA}>", date=ago(days=2))
    log_thread(world, "victim", thread_id)

    body = unlog_thread(world, "victim", thread_id, headers={"X-Google-Access-Token": "read-only"}).get_json()

    assert body["label"] == "removed"
    assert not any(labelled(world, "victim", gid) for gid in mailbox.threads[thread_id])


# -- automatic paths do not log unlogged mail again; logging by hand does ----------------------


def _force_full_sync(world, role):
    with world.app.app_context():
        database.connect(reuse_if_open=True)
        mailbox = world.mailboxes[role]
        type(mailbox).update(backfill_done=False, history_id=None, backfill_since=None, backfill_page_token=None).where(
            type(mailbox).id == mailbox.id
        ).execute()


def test_mail_sync_does_not_log_unlogged_mail_again_but_logging_by_hand_does(world, db):
    victim = world.users["victim"]
    world.sync("victim", subject="Terms", message_id="<synced@globex.example>", date=ago(days=1))
    email = Email.get((Email.owner == victim.id) & (Email.message_key == "<synced@globex.example>"))
    assert world.call("victim", "delete", f"/api/v1/emails/{email.id}").status_code == 204

    _force_full_sync(world, "victim")  # the backfill lists the message again
    report = run_sync(world.app, world.mailboxes["victim"].id)

    assert report.outcome == "synced" and report.stored == 0
    assert Email.select().where(Email.owner == victim.id).count() == 0
    assert not labelled(world, "victim", email.gmail_message_id)  # neither stored nor labelled again

    answer = log_thread(world, "victim", email.gmail_thread_id)

    assert len(answer["created"]) == 1 and UnloggedMessage.select().count() == 0
    _force_full_sync(world, "victim")
    run_sync(world.app, world.mailboxes["victim"].id)
    assert Email.select().where(Email.owner == victim.id).count() == 1


def test_a_colleagues_sync_of_the_same_mail_is_not_affected(world, db):
    world.sync("victim", subject="Terms", message_id="<both@globex.example>", date=ago(days=1))
    mine = Email.get((Email.owner == world.users["victim"].id) & (Email.message_key == "<both@globex.example>"))
    world.call("victim", "delete", f"/api/v1/emails/{mine.id}")

    world.sync("bystander", subject="Terms", message_id="<both@globex.example>", date=ago(days=1))

    assert Email.select().where((Email.owner == world.users["bystander"].id) & (Email.message_key == "<both@globex.example>")).count() == 1


def test_the_dropbox_does_not_log_unlogged_mail_again(world, db):
    code, _ = world.dropbox_deliver("victim", "Terms", "the terms", ago(days=1), message_id="<bcc@acme.example>")
    assert code == 250
    email = Email.get(Email.message_key == "<bcc@acme.example>")
    assert world.call("victim", "delete", f"/api/v1/emails/{email.id}").status_code == 204

    code, text = world.dropbox_deliver("victim", "Terms", "the terms", ago(days=1), message_id="<bcc@acme.example>")

    assert code == 250 and "unlogged" in text  # accepted, and left out
    assert Email.select().where(Email.message_key == "<bcc@acme.example>").count() == 0


def test_tracked_replies_do_not_log_unlogged_mail_again_and_unlogging_the_thread_stops_tracking(world, db):
    sent = world.send("victim", to=[f"Ada <{ADA}>"], subject="Offer", body="Our offer")
    thread_id = sent["gmail_thread_id"]
    mailbox = box(world, "victim")
    reply = mailbox.add_message(sender=f"Ada <{ADA}>", to=[world.users["victim"].email], subject="Re: Offer", thread_id=thread_id, date=ago(days=0))
    check = world.call("victim", "post", "/api/v1/tracked-threads/check", headers=token("victim")).get_json()
    assert check["stored"] == 1
    reply_email = Email.get(Email.gmail_message_id == reply["id"])

    assert world.call("victim", "delete", f"/api/v1/emails/{reply_email.id}").status_code == 204
    again = world.call("victim", "post", "/api/v1/tracked-threads/check", headers=token("victim")).get_json()

    assert again["stored"] == 0 and Email.get_or_none(Email.gmail_message_id == reply["id"]) is None

    unlog_thread(world, "victim", thread_id)
    assert TrackedThread.select().where(TrackedThread.gmail_thread_id == thread_id).count() == 0
