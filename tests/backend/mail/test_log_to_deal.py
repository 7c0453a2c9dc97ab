"""Logging a thread to a deal, changing an email's deal later, and what an email says about itself (owner, logger, deal, can_unlog)."""

import pytest

from threadbook.models import AuditLog, Deal, Email

from ..support.access import ADA, ago


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


def token(role):
    return {"X-Google-Access-Token": f"token-{role}"}


def post_log(world, role, thread_id, body):
    return world.call(role, "post", f"/api/v1/threads/{thread_id}/log", json=body, headers=token(role))


def thread(world, role="victim", count=2):
    return world.workspace.gmail.mailbox(world.users[role].email).add_thread(count, sender=f"Ada <{ADA}>", date=ago(days=2))


def deals_of(email_ids):
    return sorted({Email.get_by_id(i).deal_id for i in email_ids}, key=str)


@pytest.fixture
def deal(world):
    return Deal.create(org=world.org, name="Renewal", stage="proposal", contact=world.ada.id)


def test_logging_to_a_deal_links_the_new_copies_and_says_which_deal(world, db, deal):
    thread_id = thread(world)

    response = post_log(world, "victim", thread_id, {"deal_id": deal.id})

    assert response.status_code == 201
    body = response.get_json()
    assert body["deal"] == {"id": deal.id, "name": "Renewal", "stage": "proposal", "status": "open"}
    assert [e["deal_id"] for e in body["created"]] == [deal.id, deal.id]
    assert deals_of(body["email_ids"]) == [deal.id]


def test_logging_again_links_already_logged_copies_and_null_unlinks_them(world, db, deal):
    thread_id = thread(world)
    first = post_log(world, "victim", thread_id, {}).get_json()
    assert first["deal"] is None and deals_of(first["email_ids"]) == [None]

    linked = post_log(world, "victim", thread_id, {"deal_id": deal.id})
    assert linked.status_code == 200 and linked.get_json()["deal"]["id"] == deal.id
    assert deals_of(first["email_ids"]) == [deal.id]

    kept = post_log(world, "victim", thread_id, {}).get_json()  # no deal_id: left as it is
    assert kept["deal"]["id"] == deal.id and deals_of(first["email_ids"]) == [deal.id]

    unlinked = post_log(world, "victim", thread_id, {"deal_id": None}).get_json()
    assert unlinked["deal"] is None and deals_of(first["email_ids"]) == [None]


def test_only_the_chosen_messages_are_linked(world, db, deal):
    thread_id = thread(world, count=3)
    gids = world.workspace.gmail.mailbox(world.users["victim"].email).threads[thread_id]
    post_log(world, "victim", thread_id, {})

    body = post_log(world, "victim", thread_id, {"deal_id": deal.id, "message_ids": [gids[1]]}).get_json()

    assert body["deal"]["id"] == deal.id
    linked = {e.gmail_message_id for e in Email.select().where(Email.deal == deal.id)}
    assert linked == {gids[1]}


def test_a_deal_of_another_organisation_or_none_is_404_and_nothing_is_logged(world, factory, db):
    other = Deal.create(org=factory.org(domain="other.example"), name="Theirs")
    thread_id = thread(world)

    for deal_id in (other.id, 999999):
        response = post_log(world, "victim", thread_id, {"deal_id": deal_id})
        assert response.status_code == 404
        assert response.get_json()["field"] == "deal_id"
    assert Email.select().count() == 0


@pytest.mark.parametrize("value", ["1", True, 1.5, 0, -3, 2**63, [1], {"id": 1}])
def test_a_deal_id_that_is_not_an_id_is_400(world, db, value):
    response = post_log(world, "victim", thread(world), {"deal_id": value})
    assert response.status_code == 400 and response.get_json()["field"] == "deal_id"


def test_colleagues_logging_their_own_copies_to_a_deal_never_touch_anothers_copy(world, db, deal):
    shared = "<shared@globex.example>"
    mine = world.log("victim", visibility="team_full", subject="Terms", message_id=shared, date=ago(days=1))["email_ids"][0]
    theirs_thread = world.workspace.gmail.mailbox(world.users["attacker"].email).add_message(
        sender=f"Ada <{ADA}>", to=[world.users["attacker"].email], subject="Terms", message_id=shared, date=ago(days=1)
    )["threadId"]

    body = post_log(world, "attacker", theirs_thread, {"deal_id": deal.id}).get_json()

    assert Email.get_by_id(mine).deal_id is None
    assert deals_of(body["email_ids"]) == [deal.id]


# -- PATCH /api/v1/emails/<id> {"deal_id"} ------------------------------------------------------


def shared_email(world, level="team_full"):
    return world.log("victim", visibility=level, subject="Terms", date=ago(days=1))["email_ids"][0]


def test_the_owner_changes_an_emails_deal_and_a_member_colleague_may_not(world, db, deal):
    email_id = shared_email(world)

    owner = world.call("victim", "patch", f"/api/v1/emails/{email_id}", json={"deal_id": deal.id})
    assert owner.status_code == 200 and owner.get_json()["deal_id"] == deal.id

    colleague = world.call("attacker", "patch", f"/api/v1/emails/{email_id}", json={"deal_id": None})
    assert colleague.status_code == 403
    assert Email.get_by_id(email_id).deal_id == deal.id

    cleared = world.call("victim", "patch", f"/api/v1/emails/{email_id}", json={"deal_id": None}).get_json()
    assert cleared["deal_id"] is None


def test_an_admin_changes_a_members_email_deal_audited(world, db, deal):
    email_id = shared_email(world, level="team_metadata")

    response = world.call("admin", "patch", f"/api/v1/emails/{email_id}", json={"deal_id": deal.id})

    assert response.status_code == 200 and Email.get_by_id(email_id).deal_id == deal.id
    entry = AuditLog.get(AuditLog.action == "email.deal_changed")
    assert entry.user_id == world.users["admin"].id
    assert entry.detail == {"email_id": email_id, "owner_id": world.users["victim"].id, "old": None, "new": deal.id}


def test_a_private_email_is_404_to_a_colleague_and_a_foreign_deal_is_404_with_field(world, factory, db, deal):
    email_id = shared_email(world, level="private")
    assert world.call("attacker", "patch", f"/api/v1/emails/{email_id}", json={"deal_id": deal.id}).status_code == 404

    other = Deal.create(org=factory.org(domain="other.example"), name="Theirs")
    response = world.call("victim", "patch", f"/api/v1/emails/{email_id}", json={"deal_id": other.id})
    assert response.status_code == 404 and response.get_json()["field"] == "deal_id"


@pytest.mark.parametrize("body", [{}, {"deal_id": "x"}, {"deal_id": 0}, {"visibility": None}, {"visibility": "public", "deal_id": 1}])
def test_bad_patch_bodies_are_400(world, db, body):
    assert world.call("victim", "patch", f"/api/v1/emails/{shared_email(world)}", json=body).status_code == 400


def test_deleting_the_deal_keeps_the_mail_unlinked(world, db, deal):
    email_id = shared_email(world)
    world.call("victim", "patch", f"/api/v1/emails/{email_id}", json={"deal_id": deal.id})

    deal.delete_instance()

    assert Email.get_by_id(email_id).deal_id is None


# -- what an email says about itself, everywhere it is shown ----------------------------------


def test_an_email_names_its_owner_its_logger_its_deal_and_who_may_unlog_it(world, db, deal):
    thread_id = thread(world, count=1)
    [email_id] = post_log(world, "victim", thread_id, {"deal_id": deal.id, "visibility": "team_full"}).get_json()["email_ids"]
    victim = world.users["victim"]
    person = {"id": victim.id, "email": victim.email, "name": victim.name}

    def seen_by(role):
        return world.call(role, "get", f"/api/v1/emails/{email_id}").get_json()

    mine = seen_by("victim")
    assert (mine["owner"], mine["logged_by"], mine["deal_id"], mine["can_unlog"]) == (person, person, deal.id, True)
    assert seen_by("attacker")["can_unlog"] is False
    assert seen_by("admin")["can_unlog"] is True

    in_thread = world.call("victim", "post", "/api/v1/lookup", json={"participants": [], "thread_id": thread_id}).get_json()["thread"]["emails"]
    assert [(e["id"], e["owner"], e["logged_by"], e["deal_id"], e["can_unlog"]) for e in in_thread] == [(email_id, person, person, deal.id, True)]

    items = world.call("attacker", "get", f"/api/v1/contacts/{world.ada.id}/timeline").get_json()["items"]
    [item] = [i["email"] for i in items if i["kind"] == "email"]
    assert (item["id"], item["owner"], item["logged_by"], item["deal_id"], item["can_unlog"]) == (email_id, person, person, deal.id, False)


def test_synced_mail_was_logged_by_nobody(world, db):
    world.sync("victim", subject="Synced", date=ago(days=1))
    email = Email.get(Email.owner == world.users["victim"].id)

    seen = world.call("victim", "get", f"/api/v1/emails/{email.id}").get_json()

    assert seen["logged_by"] is None and seen["owner"]["id"] == world.users["victim"].id and seen["can_unlog"] is True
