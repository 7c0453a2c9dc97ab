"""The level new mail gets, on every path that stores it (access.level_for_new_mail).

In order: the level chosen when logging or sending, else private for a thread
its owner keeps private, else the user's own default, else the
organisation's. Sync, the dropbox, sending and replies to sent mail honour it;
only the owner, or an admin (audited), changes a level later.
"""

import pytest

from threadbook.models import AuditLog, Email, TrackedThread

from ..support.access import ADA, LEVELS, ago


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


PATHS = ("log", "sync", "dropbox", "send")


def store(world, path, subject, choose=None):
    """Store one mail of the victim's through ``path``; return its Email row."""
    if path == "log":
        world.log("victim", visibility=choose, subject=subject, date=ago(days=1))
    elif path == "sync":
        world.sync("victim", subject=subject, date=ago(days=1))
    elif path == "dropbox":
        code, text = world.dropbox_deliver("victim", subject, "Hello", ago(days=1))
        assert code == 250, text
    else:
        body = {"to": [f"Ada <{ADA}>"], "subject": subject, "body": "Hello", **({"visibility": choose} if choose else {})}
        world.send("victim", **body)
    return Email.get((Email.owner == world.users["victim"].id) & (Email.subject == subject))


def set_org_default(world, level):
    response = world.call("admin", "patch", "/api/v1/org", json={"default_visibility": level})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("path", PATHS)
def test_the_organisations_default_applies_when_nobody_chose(world, path, level):
    set_org_default(world, level)
    assert store(world, path, f"org default {level}").visibility == level


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("path", PATHS)
def test_the_users_default_wins_over_the_organisations(world, path, level):
    set_org_default(world, "team_full" if level != "team_full" else "private")
    world.set_default("victim", level)
    assert store(world, path, f"user default {level}").visibility == level
    # Back to the organisation's when the user clears theirs.
    world.set_default("victim", None)
    org_level = "team_full" if level != "team_full" else "private"
    assert store(world, path, f"cleared {level}").visibility == org_level


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("path", ["log", "send"])
def test_the_choice_made_when_logging_or_sending_wins(world, path, level):
    world.set_default("victim", "team_full" if level != "team_full" else "private")
    assert store(world, path, f"chosen {level}", choose=level).visibility == level


def test_a_thread_kept_private_keeps_its_later_messages_private_whatever_the_defaults(world):
    world.set_default("victim", "team_full")
    box = world.workspace.gmail.mailbox(world.users["victim"].email)
    first = box.add_message(sender=f"Ada <{ADA}>", to=[world.users["victim"].email], subject="Health plan", date=ago(days=3))
    thread_id = first["threadId"]
    world.sync("victim")
    [synced] = Email.select().where(Email.owner == world.users["victim"].id)
    assert synced.visibility == "team_full"

    response = world.call("victim", "patch", f"/api/v1/threads/{thread_id}", json={"private": True})

    assert response.status_code == 200 and response.get_json() == {"thread_id": thread_id, "private": True, "email_ids": [synced.id]}
    assert Email.get_by_id(synced.id).visibility == "private"
    # A later message of the thread, by sync and by logging without a choice: private.
    box.add_message(sender=f"Ada <{ADA}>", to=[world.users["victim"].email], subject="Re: Health plan", thread_id=thread_id, date=ago(days=2))
    world.sync("victim")
    box.add_message(sender=f"Ada <{ADA}>", to=[world.users["victim"].email], subject="Re: Health plan", thread_id=thread_id, date=ago(days=1))
    log = world.call("victim", "post", f"/api/v1/threads/{thread_id}/log", json={}, headers={"X-Google-Access-Token": "token-victim"})
    assert log.status_code == 201
    assert {e.visibility for e in Email.select().where(Email.owner == world.users["victim"].id)} == {"private"}
    assert Email.select().where(Email.owner == world.users["victim"].id).count() == 3
    lookup = world.call("victim", "post", "/api/v1/lookup", json={"participants": [], "thread_id": thread_id}).get_json()["thread"]
    assert (lookup["private"], lookup["visibility"], len(lookup["emails"])) == (True, "private", 3)
    entry = AuditLog.get(AuditLog.action == "thread.privacy_changed")
    assert (entry.user_id, entry.detail["private"], entry.detail["email_ids"]) == (world.users["victim"].id, True, [synced.id])
    # Unmarked: new mail follows the defaults again; what was made private stays so.
    assert world.call("victim", "patch", f"/api/v1/threads/{thread_id}", json={"private": False}).get_json()["private"] is False
    assert world.call("victim", "post", "/api/v1/lookup", json={"participants": [], "thread_id": thread_id}).get_json()["thread"]["visibility"] == "team_full"


def test_replies_to_mail_sent_from_the_crm_keep_a_private_thread_private(world):
    world.set_default("victim", "team_full")
    sent = world.send("victim", to=[f"Ada <{ADA}>"], subject="Offer", body="Our offer")
    thread_id = sent["gmail_thread_id"]
    assert sent["email"]["visibility"] == "team_full" and TrackedThread.get().gmail_thread_id == thread_id
    assert world.call("victim", "patch", f"/api/v1/threads/{thread_id}", json={"private": True}).status_code == 200
    box = world.workspace.gmail.mailbox(world.users["victim"].email)
    box.add_message(sender=f"Ada <{ADA}>", to=[world.users["victim"].email], subject="Re: Offer", thread_id=thread_id, date=ago(days=0))

    report = world.call("victim", "post", "/api/v1/tracked-threads/check", headers={"X-Google-Access-Token": "token-victim"})

    assert report.status_code == 200 and report.get_json()["stored"] == 1
    reply = Email.get(Email.subject == "Re: Offer")
    assert (reply.owner_id, reply.visibility) == (world.users["victim"].id, "private")


def test_a_thread_id_names_only_the_callers_own_copies(world):
    """Marking a colleague's thread id private (ids are per mailbox) touches nothing of theirs."""
    world.set_default("victim", "team_full")
    victim_copy = store(world, "log", "Victim's")
    response = world.call("attacker", "patch", f"/api/v1/threads/{victim_copy.gmail_thread_id}", json={"private": True})
    assert response.status_code == 200 and response.get_json()["email_ids"] == []
    assert Email.get_by_id(victim_copy.id).visibility == "team_full"


@pytest.mark.parametrize("body", [{}, {"private": "yes"}, {"private": None}])
def test_a_thread_privacy_change_needs_true_or_false(world, body):
    response = world.call("victim", "patch", "/api/v1/threads/18c2a0f5b7e40001", json=body)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request" and "private" in response.get_json()["message"]


def test_only_the_owner_or_an_admin_changes_a_level_and_the_admin_is_audited(world):
    world.set_default("victim", "team_metadata")
    mine = store(world, "log", "Level changes")
    path = f"/api/v1/emails/{mine.id}"

    refused = world.call("bystander", "patch", path, json={"visibility": "team_full"})
    assert refused.status_code == 403 and "administrator" in refused.get_json()["message"]
    assert world.call("victim", "patch", path, json={"visibility": "team_full"}).get_json()["visibility"] == "team_full"
    by_admin = world.call("admin", "patch", path, json={"visibility": "team_metadata"})
    assert by_admin.status_code == 200 and by_admin.get_json()["can_change_visibility"] is True

    entries = [
        (e.user_id, e.detail["old"], e.detail["new"]) for e in AuditLog.select().where(AuditLog.action == "email.visibility_changed").order_by(AuditLog.id)
    ]
    assert entries == [(world.users["victim"].id, "team_metadata", "team_full"), (world.users["admin"].id, "team_full", "team_metadata")]
    # Made private by its owner, it is gone even for the admin: nobody learns it exists.
    world.call("victim", "patch", path, json={"visibility": "private"})
    assert world.call("admin", "patch", path, json={"visibility": "team_full"}).status_code == 404
    assert Email.get_by_id(mine.id).visibility == "private"


@pytest.mark.parametrize("value", ["public", "", 3, ["private"]])
def test_bad_levels_are_refused_everywhere_with_nothing_stored(world, value):
    before = Email.select().count()
    for method, path, body in (
        ("patch", "/api/v1/me", {"default_visibility": value}),
        ("post", "/api/v1/threads/18c2a0f5b7e40001/log", {"visibility": value}),
        ("post", "/api/v1/emails/send", {"to": [ADA], "subject": "x", "body": "x", "visibility": value}),
    ):
        response = world.call("victim", method, path, json=body, headers={"X-Google-Access-Token": "token-victim"})
        assert response.status_code == 400, (path, response.get_json())
        assert "private" in response.get_json()["message"], path
    assert Email.select().count() == before
