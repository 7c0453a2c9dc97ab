"""Match corrections: one member says "this address is not that record", and the whole organisation's lookup and timelines follow."""

import datetime

import pytest

from threadbook.crm import store as crm
from threadbook.mail.store import store_gmail_messages
from threadbook.models import AuditLog, Lead, MatchCorrection, Meeting, MeetingAttendee

from ...fakes.gmail_store import FakeMailbox

UTC = datetime.UTC


@pytest.fixture
def acme(team, db):
    """Acme Widgets (acme.example) with Ada (a work address and a Gmail one), and a lead, Kat."""
    org = team["org"]
    company = crm.create_company(org.id, "Acme Widgets", ["acme.example"])
    ada = crm.create_contact(org.id, "Ada Lovelace", ["ada@acme.example", "ada.lovelace@gmail.com"], company=company, owner=team["rep"])
    kat = Lead.create(org=org, name="Kat Johnson", email="kat@nasa.example", email_normalized="kat@nasa.example", owner=team["rep"])
    return {"company": company, "ada": ada, "kat": kat}


@pytest.fixture
def call(client, factory):
    def call(user, method, path, **kwargs):
        return client.open(path, method=method, headers=factory.headers(user), **kwargs)

    return call


def correct(call, user, address, expect=201, **record):
    response = call(user, "POST", "/api/v1/match-corrections", json={"address": address, **record})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def lookup(call, user, *addresses):
    response = call(user, "POST", "/api/v1/lookup", json={"participants": [{"email": a} for a in addresses]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["participants"]


@pytest.fixture
def log_mail():
    """Store a message of a user's mailbox as if they had logged it, shared with the team: log_mail(user, day, ...)."""
    boxes = {}

    def log(user, day, **message):
        box = boxes.setdefault(user.id, FakeMailbox(user.email))
        message.setdefault("to", [user.email])
        resource = box.add_message(date=datetime.datetime(2026, 1, day, 12, tzinfo=UTC), **message)
        created, _ = store_gmail_messages(user.org, user, user, [resource], visibility="team_full")
        return created[0]

    return log


def timeline(call, user, path):
    response = call(user, "GET", path)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# -- making one -----------------------------------------------------------------------------


def test_a_correction_names_its_record_and_its_maker(call, team, acme):
    made = correct(call, team["rep"], "Ada.Lovelace@gmail.com", contact_id=acme["ada"].id)

    assert made["address"] == "Ada.Lovelace@gmail.com"
    assert made["kind"] == "contact"
    assert made["record"] == {"id": acme["ada"].id, "name": "Ada Lovelace"}
    assert made["created_by"] == {"id": team["rep"].id, "name": "Rep", "email": "rep@us.example"}
    assert made["created_at"].endswith("Z")
    entry = AuditLog.get(AuditLog.action == "match.corrected")
    assert entry.user_id == team["rep"].id
    assert entry.detail == {"correction_id": made["id"], "address": "Ada.Lovelace@gmail.com", "kind": "contact", "record_id": acme["ada"].id}


def test_the_same_correction_twice_is_one(call, team, acme):
    first = correct(call, team["rep"], "kat@nasa.example", lead_id=acme["kat"].id)
    again = correct(call, team["colleague"], "KAT@nasa.example", expect=200, lead_id=acme["kat"].id)
    assert again == first
    assert MatchCorrection.select().count() == 1
    assert AuditLog.select().where(AuditLog.action == "match.corrected").count() == 1


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"contact_id": 1}, 400, "address"),
        ({"address": "not an address", "contact_id": 1}, 400, "address"),
        ({"address": 5, "contact_id": 1}, 400, "address"),
        ({"address": "x@acme.example"}, 400, "contact_id"),
        ({"address": "x@acme.example", "contact_id": None, "lead_id": None}, 400, "contact_id"),
        ({"address": "x@acme.example", "contact_id": "ada", "lead_id": None}, 400, "contact_id"),
        ({"address": "x@acme.example", "contact_id": 0}, 400, "contact_id"),
        ({"address": "x@acme.example", "contact_id": True}, 400, "contact_id"),
        ({"address": "x@acme.example", "company_id": 999999}, 404, "company_id"),
        ({"address": "x@acme.example", "lead_id": 2**63}, 400, "lead_id"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(call, team, acme, body, status, field):
    response = call(team["rep"], "POST", "/api/v1/match-corrections", json=body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["field"] == field
    assert MatchCorrection.select().count() == 0


def test_two_records_at_once_is_a_400(call, team, acme):
    body = {"address": "ada@acme.example", "contact_id": acme["ada"].id, "company_id": acme["company"].id}
    response = call(team["rep"], "POST", "/api/v1/match-corrections", json=body)
    assert response.status_code == 400
    assert response.get_json()["field"] == "company_id"


def test_a_body_that_is_not_json_is_a_415(call, team, acme):
    response = call(team["rep"], "POST", "/api/v1/match-corrections", data="address=x", content_type="text/plain")
    assert response.status_code == 415


def test_another_organisations_records_and_corrections_are_not_found(call, factory, team, acme):
    other = factory.org(domain="them.example")
    stranger = factory.user(other, email="boss@them.example", role="admin")
    theirs = crm.create_contact(other.id, "Theirs", ["theirs@them.example"])
    mine = correct(call, team["rep"], "ada@acme.example", contact_id=acme["ada"].id)

    response = call(team["rep"], "POST", "/api/v1/match-corrections", json={"address": "theirs@them.example", "contact_id": theirs.id})
    assert response.status_code == 404 and response.get_json()["field"] == "contact_id"
    response = call(stranger, "POST", "/api/v1/match-corrections", json={"address": "ada@acme.example", "contact_id": acme["ada"].id})
    assert response.status_code == 404 and response.get_json()["field"] == "contact_id"
    assert call(stranger, "DELETE", f"/api/v1/match-corrections/{mine['id']}").status_code == 404
    assert call(stranger, "GET", "/api/v1/match-corrections").get_json()["items"] == []
    assert MatchCorrection.get_by_id(mine["id"]) is not None
    # Nor does their lookup change: corrections are per organisation.
    theirs_too = crm.create_contact(other.id, "Ada elsewhere", ["ada@acme.example"])
    [found] = lookup(call, stranger, "ada@acme.example")
    assert found["kind"] == "contact" and found["record"]["id"] == theirs_too.id


# -- what it changes, for everyone --------------------------------------------------------


def test_a_colleagues_lookup_falls_through_to_the_company_by_domain(call, team, acme):
    [before] = lookup(call, team["colleague"], "ada@acme.example")
    assert before["kind"] == "contact" and before["match"]["rule"] == "address"

    correct(call, team["rep"], "ADA@acme.example", contact_id=acme["ada"].id)

    for user in (team["colleague"], team["admin"], team["rep"]):
        [after] = lookup(call, user, "ada@acme.example")
        assert after["kind"] == "unknown" and after["record"] is None
        assert after["company"]["id"] == acme["company"].id
        assert after["match"]["rule"] == "domain" and after["match"]["matched"] == "acme.example"
        assert after["prefill"]["email"] == "ada@acme.example"


def test_a_correction_covers_every_spelling_of_the_address_but_not_the_records_other_addresses(call, team, acme):
    correct(call, team["rep"], "ada.lovelace@gmail.com", contact_id=acme["ada"].id)

    spellings = [lookup(call, team["colleague"], a)[0] for a in ("Ada.Lovelace@gmail.com", "adalovelace+crm@googlemail.com", "ada@acme.example")]
    assert [p["kind"] for p in spellings] == ["unknown", "unknown", "contact"]
    assert spellings[0]["company"] is None and spellings[0]["match"] is None  # free mail: no company to fall to
    assert spellings[2]["record"]["id"] == acme["ada"].id


def test_a_corrected_lead_is_unknown_and_a_corrected_company_no_longer_claims_the_domain(call, team, acme):
    correct(call, team["rep"], "kat@nasa.example", lead_id=acme["kat"].id)
    correct(call, team["rep"], "bob@acme.example", company_id=acme["company"].id)

    kat, bob, carol = lookup(call, team["colleague"], "kat@nasa.example", "bob@acme.example", "carol@acme.example")
    assert kat["kind"] == "unknown" and kat["record"] is None and kat["match"] is None
    assert bob["kind"] == "unknown" and bob["company"] is None and bob["match"] is None and bob["deals"] == []
    assert carol["company"]["id"] == acme["company"].id and carol["match"]["rule"] == "domain"


def test_a_company_corrected_away_from_a_contacts_address_leaves_the_contact(call, team, acme):
    correct(call, team["rep"], "ada@acme.example", company_id=acme["company"].id)
    [ada] = lookup(call, team["colleague"], "ada@acme.example")
    assert ada["kind"] == "contact" and ada["record"]["id"] == acme["ada"].id
    assert ada["company"] is None


def test_the_contacts_timeline_drops_mail_that_reached_it_only_through_the_corrected_address(call, team, acme, log_mail):
    rep, colleague = team["rep"], team["colleague"]
    log_mail(rep, 2, sender="ada@acme.example", subject="Work")
    log_mail(rep, 3, sender="ada.lovelace@gmail.com", subject="Personal")
    log_mail(rep, 4, sender="ada.lovelace@gmail.com", cc=["ada@acme.example"], subject="Both")
    meeting = Meeting.create(org=team["org"], owner=rep, title="Coffee", start=datetime.datetime(2026, 1, 5, 9), end=datetime.datetime(2026, 1, 5, 10))
    MeetingAttendee.create(org=team["org"], meeting=meeting, address="Ada.Lovelace@gmail.com", address_normalized="adalovelace@gmail.com")
    path = f"/api/v1/contacts/{acme['ada'].id}/timeline"
    assert [i["kind"] for i in timeline(call, colleague, path)["items"]] == ["meeting", "email", "email", "email"]

    correct(call, rep, "AdaLovelace@gmail.com", contact_id=acme["ada"].id)  # another spelling of the same mailbox

    items = timeline(call, colleague, path)["items"]
    assert [i["email"]["subject"] for i in items] == ["Both", "Work"]
    assert [i["email"]["subject"] for i in timeline(call, team["admin"], path)["items"]] == ["Both", "Work"]


def test_removing_a_correction_brings_the_match_and_the_mail_back(call, team, acme, log_mail):
    rep = team["rep"]
    log_mail(rep, 2, sender="kat@nasa.example", subject="Hello")
    made = correct(call, rep, "kat@nasa.example", lead_id=acme["kat"].id)
    path = f"/api/v1/leads/{acme['kat'].id}/timeline"
    assert timeline(call, team["colleague"], path)["items"] == []

    assert call(rep, "DELETE", f"/api/v1/match-corrections/{made['id']}").status_code == 204

    [kat] = lookup(call, team["colleague"], "kat@nasa.example")
    assert kat["kind"] == "lead" and kat["match"]["rule"] == "address"
    assert [i["email"]["subject"] for i in timeline(call, team["colleague"], path)["items"]] == ["Hello"]
    entry = AuditLog.get(AuditLog.action == "match.correction_removed")
    assert entry.user_id == rep.id and entry.detail["correction_id"] == made["id"] and entry.detail["created_by_id"] == rep.id


# -- who may remove one -------------------------------------------------------------------


def test_only_its_maker_or_an_administrator_removes_a_correction(call, team, acme):
    rep, colleague, admin = team["rep"], team["colleague"], team["admin"]
    by_rep = correct(call, rep, "ada@acme.example", contact_id=acme["ada"].id)
    by_colleague = correct(call, colleague, "kat@nasa.example", lead_id=acme["kat"].id)

    refused = call(colleague, "DELETE", f"/api/v1/match-corrections/{by_rep['id']}")
    assert refused.status_code == 403
    assert "made this correction or an administrator" in refused.get_json()["message"]
    assert call(rep, "DELETE", f"/api/v1/match-corrections/{by_colleague['id']}").status_code == 403
    assert MatchCorrection.select().count() == 2
    assert lookup(call, rep, "ada@acme.example")[0]["kind"] == "unknown"  # still corrected

    assert call(admin, "DELETE", f"/api/v1/match-corrections/{by_rep['id']}").status_code == 204
    assert call(colleague, "DELETE", f"/api/v1/match-corrections/{by_colleague['id']}").status_code == 204
    assert call(colleague, "DELETE", f"/api/v1/match-corrections/{by_colleague['id']}").status_code == 404
    assert MatchCorrection.select().count() == 0


def test_a_correction_whose_maker_left_is_an_administrators_to_remove(call, factory, team, acme):
    leaver = factory.user(team["org"], email="gone@us.example")
    made = correct(call, leaver, "ada@acme.example", contact_id=acme["ada"].id)
    leaver.delete_instance()
    [listed] = timeline(call, team["rep"], "/api/v1/match-corrections")["items"]
    assert listed["id"] == made["id"] and listed["created_by"] is None
    assert call(team["rep"], "DELETE", f"/api/v1/match-corrections/{made['id']}").status_code == 403
    assert call(team["admin"], "DELETE", f"/api/v1/match-corrections/{made['id']}").status_code == 204


# -- the list, and records that go ----------------------------------------------------------


def test_the_list_pages_newest_first_for_everyone(call, team, acme):
    made = [correct(call, team["rep"], f"person{n}@acme.example", company_id=acme["company"].id) for n in range(3)]

    page1 = timeline(call, team["colleague"], "/api/v1/match-corrections?per_page=2")
    page2 = timeline(call, team["colleague"], "/api/v1/match-corrections?per_page=2&page=2")

    assert [c["id"] for c in page1["items"] + page2["items"]] == [m["id"] for m in reversed(made)]
    assert page1["has_more"] is True and page2["has_more"] is False
    assert page1["items"][0]["record"] == {"id": acme["company"].id, "name": "Acme Widgets"}
    assert call(team["rep"], "GET", "/api/v1/match-corrections?per_page=0").status_code == 400


def test_a_deleted_record_takes_its_corrections(call, team, acme):
    correct(call, team["rep"], "kat@nasa.example", lead_id=acme["kat"].id)
    assert call(team["rep"], "DELETE", f"/api/v1/leads/{acme['kat'].id}").status_code == 204
    assert MatchCorrection.select().count() == 0
