"""Timelines the panel pages through: a lead's (mail with its address, its notes, its meetings) and the item shape both share."""

import datetime

import pytest

from threadbook.mail.store import store_gmail_messages
from threadbook.models import Lead, Meeting, MeetingAttendee, Note

from ...fakes.gmail_store import FakeMailbox

UTC = datetime.UTC


@pytest.fixture
def kat(team, db):
    return Lead.create(org=team["org"], name="Kat", email="Kat@NASA.example", email_normalized="kat@nasa.example", owner=team["rep"])


@pytest.fixture
def log_mail():
    boxes = {}

    def log(user, visibility, day, **message):
        box = boxes.setdefault(user.id, FakeMailbox(user.email))
        message.setdefault("to", [user.email])
        resource = box.add_message(date=datetime.datetime(2026, 1, day, 12, tzinfo=UTC), **message)
        created, _ = store_gmail_messages(user.org, user, user, [resource], visibility=visibility)
        return created[0]

    return log


def get(client, factory, user, path):
    return client.get(path, headers=factory.headers(user))


def test_a_leads_timeline_merges_mail_notes_and_meetings_newest_first(client, factory, team, kat, log_mail):
    rep = team["rep"]
    log_mail(rep, "team_full", 2, sender="kat@nasa.example", subject="First contact", body="Hello there")
    log_mail(rep, "team_full", 4, sender="rep@us.example", to=["KAT@nasa.example"], subject="Follow-up")
    log_mail(rep, "team_full", 5, sender="someone@else.example", subject="Not with Kat")
    meeting = Meeting.create(org=team["org"], owner=rep, title="Demo", start=datetime.datetime(2026, 1, 3, 9), end=datetime.datetime(2026, 1, 3, 10))
    MeetingAttendee.create(org=team["org"], meeting=meeting, address="kat@nasa.example", address_normalized="kat@nasa.example")
    Note.create(org=team["org"], author=rep, lead=kat, body="Wants a pilot", created_at=datetime.datetime(2026, 1, 6))

    response = get(client, factory, team["colleague"], f"/api/v1/leads/{kat.id}/timeline")

    assert response.status_code == 200
    page = response.get_json()
    assert (page["page"], page["per_page"], page["has_more"]) == (1, 25, False)
    items = page["items"]
    assert [i["kind"] for i in items] == ["note", "email", "meeting", "email"]
    note, follow_up, demo, first = items
    # What the panel shows of each kind.
    assert note["at"] == "2026-01-06T00:00:00Z" and note["note"]["body"] == "Wants a pilot" and note["note"]["author"]["name"] == "Rep"
    assert follow_up["email"]["subject"] == "Follow-up" and follow_up["at"] == "2026-01-04T12:00:00Z"
    assert first["email"]["snippet"] == "Hello there"
    assert first["email"]["from"]["email"] == "kat@nasa.example"
    assert first["email"]["visibility"] == "team_full" and isinstance(first["email"]["id"], int)
    assert first["email"]["date"] == "2026-01-02T12:00:00Z"
    assert demo["meeting"]["title"] == "Demo" and demo["meeting"]["start"] == "2026-01-03T09:00:00Z"


def test_a_leads_timeline_pages(client, factory, team, kat, log_mail):
    for day in range(1, 6):
        log_mail(team["rep"], "team_full", day, sender="kat@nasa.example", subject=f"Day {day}")
    path = f"/api/v1/leads/{kat.id}/timeline"

    pages = [get(client, factory, team["rep"], f"{path}?per_page=2&page={n}").get_json() for n in (1, 2, 3)]

    assert [p["has_more"] for p in pages] == [True, True, False]
    assert [i["email"]["subject"] for p in pages for i in p["items"]] == [f"Day {d}" for d in (5, 4, 3, 2, 1)]
    assert get(client, factory, team["rep"], f"{path}?page=4&per_page=2").get_json()["items"] == []


def test_a_leads_timeline_shows_each_email_as_its_visibility_allows(client, factory, team, kat, log_mail):
    log_mail(team["rep"], "private", 1, sender="kat@nasa.example", subject="Private")
    log_mail(team["rep"], "team_metadata", 2, sender="kat@nasa.example", subject="Metadata", body="numbers")

    mine = get(client, factory, team["rep"], f"/api/v1/leads/{kat.id}/timeline").get_json()["items"]
    theirs = get(client, factory, team["colleague"], f"/api/v1/leads/{kat.id}/timeline").get_json()["items"]

    assert [i["email"]["subject"] for i in mine] == ["Metadata", "Private"]
    assert [(i["email"]["subject"], i["email"]["snippet"], i["email"]["redacted"]) for i in theirs] == [("Metadata", None, True)]


def test_another_organisations_lead_is_not_found_and_bad_pages_are_400(client, factory, team, kat):
    other = factory.org(domain="them.example")
    stranger = factory.user(other, email="x@them.example", role="admin")
    assert get(client, factory, stranger, f"/api/v1/leads/{kat.id}/timeline").status_code == 404
    assert get(client, factory, team["rep"], "/api/v1/leads/999999/timeline").status_code == 404
    for query in ("page=0", "per_page=101", "page=x"):
        assert get(client, factory, team["rep"], f"/api/v1/leads/{kat.id}/timeline?{query}").status_code == 400
