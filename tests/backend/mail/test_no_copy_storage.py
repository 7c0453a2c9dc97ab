"""No-copy mode: every path that stores mail keeps no body or snippet (nor subject unless allowed); switching it on purges, once confirmed."""

import pytest

from threadbook.models import AuditLog, Email, Notification, Organization

from ..support.access import ADA, ago


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


def _set(world, **settings):
    Organization.update(**settings).where(Organization.id == world.org.id).execute()


def _store_through_every_path(world):
    """Mail from the panel's log, sync, the dropbox, a send from the CRM and a tracked reply to it; return the subjects used."""
    world.log("victim", subject="logged", body="logged body", date=ago(days=1))
    world.sync("bystander", subject="synced", body="synced body", date=ago(days=1))
    assert world.dropbox_deliver("victim", "dropboxed", "dropbox body", ago(days=1))[0] == 250
    sent = world.send("attacker", to=[f"Ada <{ADA}>"], subject="sent", body="sent body")
    world.workspace.gmail.mailbox("attacker@acme.example").add_message(
        sender=f"Ada <{ADA}>", to=["attacker@acme.example"], subject="Re: sent", body="reply body", thread_id=sent["gmail_thread_id"]
    )
    check = world.call("attacker", "post", "/api/v1/tracked-threads/check", headers={"X-Google-Access-Token": "token-attacker"})
    assert check.get_json()["stored"] == 1
    return {"logged", "synced", "dropboxed", "sent", "Re: sent"}


@pytest.mark.parametrize("keep_subjects", [False, True])
def test_every_path_stores_no_body_or_snippet_in_no_copy_mode(world, keep_subjects):
    _set(world, store_bodies=True, no_copy_mode=True, no_copy_keep_subjects=keep_subjects)

    subjects = _store_through_every_path(world)

    rows = list(Email.select().where(Email.org == world.org.id))
    assert {e.source for e in rows} == {"manual", "sync", "dropbox", "sent"} and len(rows) == 5
    for e in rows:
        assert (e.body, e.snippet, e.content_stored) == (None, "", False), e.source
        assert e.subject_stored is keep_subjects and (e.subject in subjects if keep_subjects else e.subject == ""), e.source
        assert e.rfc_message_id and e.from_email and e.date  # what links and lists it stays
    assert {e.gmail_message_id is not None for e in rows} == {True, False}  # the dropbox copy has no Gmail id
    victims_own = next(e for e in rows if e.source == "manual")  # one the victim logged, so surely theirs to read
    answered = world.call("victim", "get", f"/api/v1/emails/{victims_own.id}")
    assert answered.status_code == 200, answered.get_json()
    answer = answered.get_json()
    assert (answer["content_stored"], answer["subject_stored"], answer["snippet"]) == (False, keep_subjects, "")


def test_without_no_copy_mode_mail_is_stored_in_full(world):
    _set(world, store_bodies=True)
    _store_through_every_path(world)
    rows = list(Email.select().where(Email.org == world.org.id))
    assert all(e.content_stored and e.subject_stored and e.snippet and e.body for e in rows)


def _patch_org(world, role="admin", **body):
    return world.call(role, "patch", "/api/v1/org", json=body)


def test_switching_on_asks_for_confirmation_naming_what_is_lost_then_purges_and_audits(world):
    _set(world, store_bodies=True)
    world.log("victim", subject="Terms", body="forty percent", date=ago(days=1))
    world.sync("bystander", subject="Pilot", body="next week", date=ago(days=2))
    Notification.create(
        org=world.org.id, user=world.users["victim"].id, email=Email.select().first(), message_key="k", record_kind="contact", record_id=1, subject="Terms"
    )

    asked = _patch_org(world, no_copy_mode=True)
    assert asked.status_code == 409
    answer = asked.get_json()
    assert (answer["error"], answer["emails"], answer["parts"]) == ("purge_not_confirmed", 2, ["body", "snippet", "subject"])
    assert "2 logged emails" in answer["message"] and '"confirm": "purge"' in answer["message"]
    assert Organization.get_by_id(world.org.id).no_copy_mode is False
    assert Email.select().where(Email.content_stored == True).count() == 2  # noqa: E712

    assert _patch_org(world, role="victim", no_copy_mode=True, confirm="purge").status_code == 403  # members never
    assert _patch_org(world, no_copy_mode=True, confirm="yes").status_code == 400

    done = _patch_org(world, no_copy_mode=True, confirm="purge")
    assert done.status_code == 200 and done.get_json()["no_copy_mode"] is True and done.get_json()["no_copy_keep_subjects"] is False
    assert [(e.body, e.snippet, e.subject, e.content_stored, e.subject_stored) for e in Email.select()] == [(None, "", "", False, False)] * 2
    assert Notification.get().subject == ""
    entry = AuditLog.get(AuditLog.action == "org.content_purged")
    assert (entry.user_id, entry.detail["emails"], entry.detail["parts"]) == (world.users["admin"].id, 2, ["body", "snippet", "subject"])
    assert entry.created_at is not None

    # Nothing left to purge: saying it again needs no confirmation and purges nothing more.
    assert _patch_org(world, no_copy_mode=True).status_code == 200
    assert AuditLog.select().where(AuditLog.action == "org.content_purged").count() == 1


def test_subjects_kept_then_dropped_under_no_copy_mode_purge_only_subjects(world):
    _set(world, store_bodies=True)
    world.log("victim", subject="Terms", body="forty percent", date=ago(days=1))
    assert _patch_org(world, no_copy_mode=True, no_copy_keep_subjects=True, confirm="purge").status_code == 200
    assert [(e.subject, e.snippet) for e in Email.select()] == [("Terms", "")]

    asked = _patch_org(world, no_copy_keep_subjects=False)
    assert (asked.status_code, asked.get_json()["parts"], asked.get_json()["emails"]) == (409, ["subject"], 1)
    assert _patch_org(world, no_copy_keep_subjects=False, confirm="purge").status_code == 200
    assert [(e.subject, e.subject_stored) for e in Email.select()] == [("", False)]


def test_switching_off_brings_nothing_back_and_new_mail_is_stored_in_full(world):
    _set(world, store_bodies=True)
    world.log("victim", subject="Old", body="old words", date=ago(days=2))
    _patch_org(world, no_copy_mode=True, confirm="purge")

    assert _patch_org(world, no_copy_mode=False).status_code == 200
    world.log("victim", subject="New", body="new words", date=ago(days=1))

    old, new = Email.select().order_by(Email.date)
    assert (old.subject, old.snippet, old.content_stored) == ("", "", False)
    assert (new.subject, new.snippet, new.body, new.content_stored) == ("New", "new words", "new words", True)


def test_members_read_the_switches(world):
    answer = world.call("bystander", "get", "/api/v1/org").get_json()
    assert (answer["no_copy_mode"], answer["no_copy_keep_subjects"]) == (False, False)


def test_the_store_follows_the_policy_as_committed_not_as_the_caller_loaded_it(world):
    """A sync run loads its organisation once; an administrator switching no-copy mode on meanwhile still binds it."""
    from threadbook.mail.store import store_gmail_messages

    from ...fakes.gmail_store import FakeMailbox

    loaded = Organization.get_by_id(world.org.id)  # as a long sync run holds it
    assert _patch_org(world, no_copy_mode=True).status_code == 200  # nothing stored yet: no confirmation needed
    message = FakeMailbox("victim@acme.example").add_message(sender=f"Ada <{ADA}>", to=["victim@acme.example"], subject="Late", body="late words")

    [email], _ = store_gmail_messages(loaded, world.users["victim"], None, [message], source="sync", store_body=True)

    assert (email.snippet, email.body, email.subject, email.content_stored) == ("", None, "", False)
