"""Reading content live (GET /emails/<id>/content): only from the viewer's own Gmail, only for mail they may read in full."""

import pytest

from threadbook.models import Email, Organization

from ...fakes.google_common import backend_error
from ..support.access import ADA, FORGED_BODY, SECRET_BODY, SECRET_ID, ago


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


@pytest.fixture
def world(world):
    Organization.update(no_copy_mode=True).where(Organization.id == world.org.id).execute()
    return world


def read(world, role, email_id, token=True):
    headers = {"X-Google-Access-Token": f"token-{role}"} if token else {}
    return world.call(role, "get", f"/api/v1/emails/{email_id}/content", headers=headers)


def test_the_owner_reads_their_own_copy_from_their_gmail_as_text(world):
    world.log("victim", subject="Terms", body="forty percent", html_body="<p>forty <b>percent</b></p>", date=ago(days=1))
    email = Email.get()
    assert (email.snippet, email.body, email.subject) == ("", None, "")

    answer = read(world, "victim", email.id).get_json()

    assert (answer["reason"], answer["found_by"]) == (None, "your_copy")
    assert answer["content"]["body"] == "forty percent" and answer["content"]["subject"] == "Terms"
    assert answer["content"]["from"]["email"] == ADA
    assert Email.get_by_id(email.id).body is None  # read, never stored


def test_a_colleagues_shared_copy_is_read_from_the_viewers_own_mailbox(world):
    world.log("victim", visibility="team_full", subject="Terms", body=SECRET_BODY, message_id=SECRET_ID, date=ago(days=1))
    victims = Email.get()
    # The bystander was on the same mail: their own Gmail holds their own copy of it (not logged by them).
    world.workspace.gmail.mailbox("bystander@acme.example").add_message(
        sender=f"Ada <{ADA}>", to=["victim@acme.example", "bystander@acme.example"], subject="Terms", body="the bystander's copy", message_id=SECRET_ID
    )
    world.workspace.gmail.reset_counters()

    answer = read(world, "bystander", victims.id).get_json()

    assert (answer["found_by"], answer["content"]["body"]) == ("message_id", "the bystander's copy")
    assert world.workspace.gmail.calls_for("victim@acme.example") == []  # never the owner's mailbox
    assert any("rfc822msgid" in path or "messages" in path for _, path in world.workspace.gmail.calls_for("bystander@acme.example"))


def test_a_shared_copy_not_in_the_viewers_gmail_says_so(world):
    world.log("victim", visibility="team_full", subject="Terms", body=SECRET_BODY, message_id=SECRET_ID, date=ago(days=1))
    answer = read(world, "bystander", Email.get().id).get_json()
    assert (answer["content"], answer["reason"]) == (None, "not_in_your_gmail")
    assert "not in your Gmail" in answer["message"]


def test_metadata_only_sharing_is_not_widened(world):
    world.log("victim", visibility="team_metadata", subject="Terms", body=SECRET_BODY, message_id=SECRET_ID, date=ago(days=1))
    world.workspace.gmail.mailbox("bystander@acme.example").add_message(sender=f"Ada <{ADA}>", to=["bystander@acme.example"], body="x", message_id=SECRET_ID)
    answer = read(world, "bystander", Email.get().id).get_json()
    assert (answer["content"], answer["reason"]) == (None, "not_shared")


def test_a_colleagues_private_mail_is_never_returned_even_to_a_forged_message_id(world):
    world.log("victim", visibility="private", subject="Terms", body=SECRET_BODY, message_id=SECRET_ID, date=ago(days=1))
    victims = Email.get()
    # The attacker forges mail claiming the secret's Message-ID and References, and logs it as their own.
    world.log("attacker", subject="Terms", body=FORGED_BODY, message_id=SECRET_ID, date=ago(days=2))
    world.log("attacker", subject="Re: Terms", body=FORGED_BODY, message_id="<f2@acme.example>", in_reply_to=SECRET_ID, references=SECRET_ID, date=ago(days=3))
    forged = list(Email.select().where(Email.owner == world.users["attacker"].id))

    assert read(world, "attacker", victims.id).status_code == 404  # as if it did not exist
    for row in forged:
        answer = read(world, "attacker", row.id).get_json()
        assert answer["content"]["body"] == FORGED_BODY and SECRET_BODY not in str(answer)
    assert read(world, "admin", victims.id).status_code == 404  # administrators do not read private mail either


def test_a_viewer_without_a_token_or_mailbox_gets_no_mailbox(world):
    world.log("victim", subject="Terms", body="forty percent", date=ago(days=1))
    answer = read(world, "victim", Email.get().id, token=False)
    assert answer.status_code == 200 and (answer.get_json()["content"], answer.get_json()["reason"]) == (None, "no_mailbox")


def test_gmail_failing_or_refusing_is_a_state_not_an_error(world):
    world.log("victim", subject="Terms", body="forty percent", date=ago(days=1))
    email_id = Email.get().id
    world.workspace.gmail.fail(backend_error(), times=1, path_contains="/messages/")
    assert read(world, "victim", email_id).get_json()["reason"] == "gmail_unavailable"
    world.workspace.gmail.grant("token-victim", "victim@acme.example", scopes=("gmail.metadata",))
    assert read(world, "victim", email_id).get_json()["reason"] == "gmail_refused"


def test_unknown_ids_and_other_organisations_are_404(world):
    world.log("victim", subject="Terms", body="x", date=ago(days=1))
    stranger = world.factory.user(world.factory.org(domain="other.example"))
    assert world.client.get(f"/api/v1/emails/{Email.get().id}/content", headers=world.factory.headers(stranger)).status_code == 404
    assert read(world, "victim", 999999).status_code == 404
