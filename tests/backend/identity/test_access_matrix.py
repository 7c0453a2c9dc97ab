"""Who sees what of a colleague's mail, tried as a hostile colleague would (docs/access.md).

For every path that stores mail (panel/API log, mail sync, BCC dropbox, send)
and every sharing level, a victim's mail is stored; an attacker in the same
organisation then forges mail that claims to be it (the same Message-ID) or
to answer it (In-Reply-To, References), through the API log, the dropbox,
their own synced mailbox and a reply sent from the CRM, before and after the
victim's mail arrives. Every read route is then asked, as the attacker, a
bystander and an administrator: what they get must follow from the victim's
level alone, the attacker's answers must be the same as if the victim's mail
did not exist, and the victim's copy must be untouched. Runs on SQLite and
PostgreSQL.
"""

import pytest

from threadbook.models import Email

from ..support.access import ADA, FORGED_BODY, LEVELS, SECRET_BODY, SECRET_ID, VICTIM_PATHS


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


def _attacker_answers_reveal_nothing(answers, attacker, victim_email_id):
    """Every id the attacker was told of is one of their own copies, holding their own words."""
    for path, header, answer in answers:
        where = f"{path} with a forged {header}"
        if path == "log":
            told = set(answer["email_ids"]) | set(answer["linked_email_ids"]) | {e["id"] for e in answer["created"]}
            assert victim_email_id not in told, where
            rows = list(Email.select().where(Email.id.in_(told)))
            assert rows and all(e.owner_id == attacker.id and FORGED_BODY in e.snippet for e in rows), where
        elif path == "dropbox":
            code, text = answer
            assert code == 250 and text.startswith("2.0.0 "), where
            told = int(text.rsplit(" ", 1)[1])
            assert told != victim_email_id and Email.get_by_id(told).owner_id == attacker.id, where
        else:
            assert answer.outcome == "synced", where


def _what_each_role_sees(world, victim_email):
    """For each viewer: the victim's email as GET shows it, the timeline items that are it, and lookup's date."""
    seen = {}
    for role in ("attacker", "bystander", "admin"):
        single = world.call(role, "get", f"/api/v1/emails/{victim_email.id}")
        timeline = world.call(role, "get", f"/api/v1/contacts/{world.ada.id}/timeline?per_page=100").get_json()["items"]
        lookup = world.call(role, "post", "/api/v1/lookup", json={"participants": [{"email": ADA}], "thread_id": victim_email.gmail_thread_id or "ab"})
        assert lookup.status_code == 200
        answer = lookup.get_json()
        texts = [(i["email"]["snippet"] or "") + (i["email"]["body"] or "") for i in timeline if i["kind"] == "email"]
        seen[role] = {
            "status": single.status_code,
            "single": single.get_json(),
            "timeline_ids": [i["email"]["id"] for i in timeline if i["kind"] == "email"],
            "secret_in_timeline": any(SECRET_BODY in t for t in texts),
            "forged_in_timeline": any(FORGED_BODY in t for t in texts),
            "last_logged_at": answer["participants"][0]["last_logged_at"],
            "thread": answer["thread"],
        }
    return seen


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("path", VICTIM_PATHS)
def test_a_colleague_sees_of_my_mail_what_its_level_allows_whatever_they_forge(world, path, level):
    before = []
    world.forge_everywhere(SECRET_ID, before)  # forged first: the victim's mail arrives after
    victim_email = world.victim_mail(path, level)
    secret_id = victim_email.message_key
    after = []
    world.forge_everywhere(secret_id, after)  # and forged again once it is there
    if level != "private":
        # A reply from the CRM to the victim's visible mail carries its Message-ID in In-Reply-To and References.
        reply = world.send("attacker", reply_to_email_id=victim_email.id, body="Following up")
        assert reply["email"]["id"] != victim_email.id and reply["email"]["owner_id"] == world.users["attacker"].id
    else:
        assert world.call("attacker", "post", "/api/v1/emails/send", json={"reply_to_email_id": victim_email.id, "body": "x"}).status_code == 404

    _attacker_answers_reveal_nothing(before + after, world.users["attacker"], victim_email.id)
    # The victim's copy is the victim's, unchanged by any forgery.
    stored = Email.get_by_id(victim_email.id)
    assert (stored.owner_id, stored.visibility, stored.subject) == (world.users["victim"].id, level, "Secret terms")
    assert SECRET_BODY in stored.snippet and FORGED_BODY not in stored.snippet
    mine = world.call("victim", "get", f"/api/v1/emails/{victim_email.id}").get_json()
    assert SECRET_BODY in mine["snippet"] and mine["can_change_visibility"] is True

    seen = _what_each_role_sees(world, victim_email)
    victim_date = victim_email.date.replace(microsecond=0)
    for role, view in seen.items():
        assert view["thread"]["email_ids"] == [] or role == "attacker" and victim_email.id not in view["thread"]["email_ids"], role
        if level == "private":
            # Not even its existence: 404 as for an id that does not exist, absent from timelines and dates.
            assert view["status"] == 404 and view["single"]["error"] == "not_found", role
            assert victim_email.id not in view["timeline_ids"] and not view["secret_in_timeline"], role
            assert view["last_logged_at"] is None or view["last_logged_at"] < victim_date.isoformat() + "Z", role
        elif level == "team_metadata":
            assert view["status"] == 200 and view["single"]["redacted"] is True, role
            assert view["single"]["snippet"] is None and view["single"]["body"] is None, role
            assert view["single"]["subject"] == "Secret terms" and not view["secret_in_timeline"], role
        else:
            assert view["status"] == 200 and SECRET_BODY in view["single"]["snippet"], role
        # The attacker reads their own forgeries, and nobody else does.
        assert view["forged_in_timeline"] is (role == "attacker"), role
    # Only the victim, or the admin for mail the admin can see, may change the level.
    patch = world.call("attacker", "patch", f"/api/v1/emails/{victim_email.id}", json={"visibility": "team_full"})
    assert patch.status_code == (404 if level == "private" else 403)
    assert Email.get_by_id(victim_email.id).visibility == level
