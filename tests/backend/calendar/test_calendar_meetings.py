"""Meetings booked in the CRM: pushed to Google Calendar, edited and cancelled both ways without echo, never double-booked."""

import datetime

import pytest

from threadbook.crm import store as crm
from threadbook.models import Meeting, MeetingAttendee

from .test_calendar_sync import REP, at, naive

UTC = datetime.UTC


def iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def ada(rep, db):
    company = crm.create_company(rep.org_id, "Globex", ["globex.example"])
    return crm.create_contact(rep.org_id, "Ada Globex", ["ada@globex.example"], company=company)


def book(client, factory, user, **body):
    payload = {"title": "Globex demo", "start": iso(at(3, 10)), "end": iso(at(3, 11)), **body}
    return client.post("/api/v1/meetings", json=payload, headers=factory.headers(user))


def sync(client, factory, user):
    response = client.post("/api/v1/calendar/sync", headers=factory.headers(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def writes_to_google(workspace):
    return [(m, p) for m, p, _ in workspace.calendar.calls if m in ("POST", "PATCH", "DELETE") and "/events" in p]


def test_a_booked_meeting_goes_to_google_in_blueberry_marked_as_ours(client, factory, workspace, rep, ada, db):
    response = book(client, factory, rep, contact_id=ada.id, attendees=["bob@globex.example"], location="Zoom", description="Demo")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["calendar"] == {"pushed": True, "reason": None} and body["conflicts"] == [] and body["google_checked"] is True
    meeting = body["meeting"]
    assert meeting["source"] == "crm" and meeting["status"] == "confirmed" and meeting["owner_id"] == rep.id
    assert meeting["contact_ids"] == [ada.id] and meeting["company_ids"] == [ada.company_id]
    event = workspace.calendar.calendar(REP).events[meeting["google_event_id"]]
    assert event["colorId"] == "9" and event["summary"] == "Globex demo" and event["location"] == "Zoom"
    assert event["extendedProperties"]["private"] == {"threadbookMeetingId": str(meeting["id"]), "threadbookOrgId": str(rep.org_id)}
    assert {a["email"] for a in event["attendees"]} == {"bob@globex.example", "ada@globex.example"}
    assert event["start"]["dateTime"] == iso(at(3, 10))
    assert workspace.calendar.send_updates[-1] == ("POST", event["id"], "all")
    assert Meeting.get_by_id(meeting["id"]).google_etag == event["etag"]


def test_a_pushed_meeting_coming_back_through_sync_is_not_an_echo(client, factory, workspace, rep, ada, db):
    meeting_id = book(client, factory, rep, contact_id=ada.id).get_json()["meeting"]["id"]
    writes = len(writes_to_google(workspace))

    report = sync(client, factory, rep)
    again = sync(client, factory, rep)

    assert report["unchanged"] == 1 and report["created"] == report["updated"] == 0
    assert again["pages"] == 1 and again["unchanged"] + again["updated"] == 0
    assert len(writes_to_google(workspace)) == writes  # sync never wrote to Google
    assert Meeting.select().count() == 1 and Meeting.get_by_id(meeting_id).source == "crm"


def test_a_change_in_the_crm_is_sent_with_if_match_and_does_not_come_back(client, factory, workspace, rep, ada, db):
    meeting_id = book(client, factory, rep, contact_id=ada.id).get_json()["meeting"]["id"]
    sync(client, factory, rep)
    etag_before = Meeting.get_by_id(meeting_id).google_etag

    response = client.patch(
        f"/api/v1/meetings/{meeting_id}",
        json={"title": "Globex demo v2", "start": iso(at(3, 14)), "end": iso(at(3, 15)), "attendees": ["carol@globex.example"]},
        headers=factory.headers(rep),
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["calendar"]["pushed"] is True
    row = Meeting.get_by_id(meeting_id)
    event = workspace.calendar.calendar(REP).events[row.google_event_id]
    assert event["summary"] == "Globex demo v2" and event["start"]["dateTime"] == iso(at(3, 14)) and event["sequence"] == 1
    assert [a["email"] for a in event["attendees"]] == ["carol@globex.example"]
    assert row.google_etag == event["etag"] != etag_before
    assert [a.address for a in MeetingAttendee.select().where(MeetingAttendee.meeting == meeting_id)] == ["carol@globex.example"]
    writes = len(writes_to_google(workspace))
    report = sync(client, factory, rep)
    assert report["unchanged"] == 1 and report["updated"] == 0 and len(writes_to_google(workspace)) == writes


def test_a_change_in_google_updates_the_crm_and_is_not_pushed_back(client, factory, workspace, rep, ada, db):
    meeting_id = book(client, factory, rep, contact_id=ada.id).get_json()["meeting"]["id"]
    event_id = Meeting.get_by_id(meeting_id).google_event_id
    workspace.calendar.calendar(REP).edit_event(event_id, summary="Moved by Ada", start=at(4, 9), end=at(4, 10), colorId="2")
    writes = len(writes_to_google(workspace))

    report = sync(client, factory, rep)

    assert report["updated"] == 1
    row = Meeting.get_by_id(meeting_id)
    # A meeting booked in the CRM stays, whatever colour it is given.
    assert (row.title, row.start, row.source) == ("Moved by Ada", naive(at(4, 9)), "crm")
    assert len(writes_to_google(workspace)) == writes
    assert sync(client, factory, rep)["updated"] == 0


def test_a_change_in_both_places_answers_409_with_googles_version(client, factory, workspace, rep, ada, db):
    meeting_id = book(client, factory, rep, contact_id=ada.id).get_json()["meeting"]["id"]
    event_id = Meeting.get_by_id(meeting_id).google_event_id
    workspace.calendar.calendar(REP).edit_event(event_id, summary="Renamed in Google")

    response = client.patch(f"/api/v1/meetings/{meeting_id}", json={"title": "Renamed in the CRM"}, headers=factory.headers(rep))

    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "changed_in_google" and body["meeting"]["title"] == "Renamed in Google"
    event = workspace.calendar.calendar(REP).events[event_id]
    assert event["summary"] == "Renamed in Google"
    assert Meeting.get_by_id(meeting_id).google_etag == event["etag"]
    # Now that the CRM knows Google's version, the change goes through.
    retry = client.patch(f"/api/v1/meetings/{meeting_id}", json={"title": "Renamed in the CRM"}, headers=factory.headers(rep))
    assert retry.status_code == 200 and workspace.calendar.calendar(REP).events[event_id]["summary"] == "Renamed in the CRM"


def test_cancelling_flows_both_ways(client, factory, workspace, rep, ada, db):
    from_crm = book(client, factory, rep, contact_id=ada.id).get_json()["meeting"]
    from_google = book(client, factory, rep, start=iso(at(5, 10)), end=iso(at(5, 11))).get_json()["meeting"]

    response = client.delete(f"/api/v1/meetings/{from_crm['id']}", headers=factory.headers(rep))
    workspace.calendar.calendar(REP).cancel_event(from_google["google_event_id"])
    report = sync(client, factory, rep)

    assert response.status_code == 200 and response.get_json()["meeting"]["status"] == "cancelled"
    assert workspace.calendar.calendar(REP).events[from_crm["google_event_id"]]["status"] == "cancelled"
    assert Meeting.get_by_id(from_google["id"]).status == "cancelled"
    assert report["cancelled"] == 1  # the one cancelled in Google; the CRM's own cancellation is not news
    again = client.delete(f"/api/v1/meetings/{from_crm['id']}", headers=factory.headers(rep))
    assert again.status_code == 200
    changed = client.patch(f"/api/v1/meetings/{from_crm['id']}", json={"title": "x"}, headers=factory.headers(rep))
    assert changed.status_code == 409 and changed.get_json()["error"] == "meeting_cancelled"


def test_booking_over_a_busy_time_answers_409_unless_allowed(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    cal.add_event("Board meeting", at(3, 9, 30), at(3, 10, 30))  # any colour is busy
    cal.add_event("Focus time", at(3, 10), at(3, 12), transparency="transparent")  # shown as free

    refused = book(client, factory, rep)
    conflicts = client.post("/api/v1/meetings/conflicts", json={"start": iso(at(3, 10)), "end": iso(at(3, 11))}, headers=factory.headers(rep))
    busy = client.get(f"/api/v1/calendar/busy?start={iso(at(3, 0))}&end={iso(at(4, 0))}", headers=factory.headers(rep))
    free = client.post("/api/v1/meetings/conflicts", json={"start": iso(at(3, 11)), "end": iso(at(3, 12))}, headers=factory.headers(rep))

    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "meeting_conflict" and body["google_checked"] is True
    assert body["conflicts"] == [{"start": iso(at(3, 10)), "end": iso(at(3, 10, 30)), "source": "google", "meeting_id": None, "title": None}]
    assert Meeting.select().count() == 0 and writes_to_google(workspace) == []
    assert conflicts.get_json()["conflicts"] == body["conflicts"]
    assert busy.get_json()["busy"] == [{"start": iso(at(3, 9, 30)), "end": iso(at(3, 10, 30)), "source": "google", "meeting_id": None, "title": None}]
    assert free.get_json() == {"conflicts": [], "google_checked": True, "reason": None}

    allowed = book(client, factory, rep, allow_conflict=True)
    assert allowed.status_code == 201 and len(allowed.get_json()["conflicts"]) == 1


def test_crm_meetings_count_as_busy_and_a_meeting_does_not_clash_with_itself(client, factory, workspace, rep, db):
    first = book(client, factory, rep).get_json()["meeting"]

    clash = book(client, factory, rep, start=iso(at(3, 10, 30)), end=iso(at(3, 11, 30)))
    nudge = client.patch(f"/api/v1/meetings/{first['id']}", json={"start": iso(at(3, 10, 15)), "end": iso(at(3, 11, 15))}, headers=factory.headers(rep))
    moving = client.post(
        "/api/v1/meetings/conflicts", json={"start": iso(at(3, 10)), "end": iso(at(3, 11)), "meeting_id": first["id"]}, headers=factory.headers(rep)
    )

    assert clash.status_code == 409
    sources = {c["source"] for c in clash.get_json()["conflicts"]}
    assert "threadbook" in sources and {c["meeting_id"] for c in clash.get_json()["conflicts"]} >= {first["id"]}
    assert nudge.status_code == 200, nudge.get_json()
    assert moving.get_json()["conflicts"] == []


def test_without_calendar_access_a_meeting_is_booked_and_pushed_at_the_next_sync(app, client, factory, workspace, db):
    org = factory.org(domain="solo.example")
    loner = factory.user(org, email="solo@solo.example")

    response = book(client, factory, loner, attendees=["ada@globex.example"])

    assert response.status_code == 201
    body = response.get_json()
    assert body["calendar"]["pushed"] is False and "connect" in body["calendar"]["reason"]
    assert body["google_checked"] is False and body["meeting"]["google_event_id"] is None
    workspace.connect(app, loner)
    report = sync(client, factory, loner)
    assert report["pushed"] == 1
    event_id = Meeting.get_by_id(body["meeting"]["id"]).google_event_id
    assert workspace.calendar.calendar(loner.email).events[event_id]["colorId"] == "9"
    assert sync(client, factory, loner)["pushed"] == 0


def test_an_event_whose_insert_answer_was_lost_is_linked_not_duplicated(client, factory, workspace, rep, db):
    meeting = Meeting.create(org=rep.org_id, owner=rep.id, title="Lost answer", start=naive(at(2, 9)), end=naive(at(2, 10)), source="crm")
    marker = {"private": {"threadbookMeetingId": str(meeting.id), "threadbookOrgId": str(rep.org_id)}}
    event = workspace.calendar.calendar(REP).add_event("Lost answer", at(2, 9), at(2, 10), color_id="9", extendedProperties=marker)

    report = sync(client, factory, rep)

    assert report["pushed"] == 0 and Meeting.select().count() == 1
    assert Meeting.get_by_id(meeting.id).google_event_id == event["id"]
    assert len(workspace.calendar.calendar(REP).events) == 1


def test_a_google_failure_while_booking_keeps_the_meeting_for_the_next_sync(client, factory, workspace, rep, db):
    from ...fakes.google_common import backend_error

    workspace.calendar.fail(backend_error(), method="POST", path_contains="/events")

    response = book(client, factory, rep)

    assert response.status_code == 201
    body = response.get_json()
    assert body["calendar"]["pushed"] is False and "next calendar sync" in body["calendar"]["reason"]
    assert sync(client, factory, rep)["pushed"] == 1


def test_google_down_while_checking_busy_times_answers_503_and_books_nothing(client, factory, workspace, rep, db):
    from ...fakes.google_common import backend_error

    workspace.calendar.fail(backend_error(), path_contains="freeBusy")

    response = book(client, factory, rep)

    assert response.status_code == 503 and response.headers["Retry-After"]
    assert Meeting.select().count() == 0


def test_only_the_owner_changes_a_meeting(client, factory, workspace, rep, db):
    meeting_id = book(client, factory, rep).get_json()["meeting"]["id"]
    colleague = factory.user(rep.org, email="col@acme.example")

    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=factory.headers(colleague)).status_code == 200
    assert client.patch(f"/api/v1/meetings/{meeting_id}", json={"title": "mine"}, headers=factory.headers(colleague)).status_code == 403
    assert client.delete(f"/api/v1/meetings/{meeting_id}", headers=factory.headers(colleague)).status_code == 403


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"start": "2026-03-02T10:00:00"}, "start"),  # no offset
        ({"start": "next tuesday"}, "start"),
        ({"end": 12}, "end"),
        ({"end": "2020-01-01T00:00:00Z"}, "end"),  # before start
        ({"end": "2099-01-01T00:00:00Z"}, "end"),  # far too long
        ({"attendees": "ada@globex.example"}, "attendees"),
        ({"attendees": ["not an address"]}, "attendees"),
        ({"attendees": [{"name": "no email"}]}, "attendees"),
        ({"allow_conflict": "yes"}, "allow_conflict"),
        ({"contact_id": "7"}, "contact_id"),
    ],
)
def test_bad_bookings_answer_400_saying_which_field(client, factory, workspace, rep, db, body, field):
    response = book(client, factory, rep, **body)

    assert response.status_code == 400, response.get_json()
    assert response.get_json()["field"] == field
    assert Meeting.select().count() == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "start=2026-03-02T10:00:00Z",
        "start=2026-03-02T10:00:00Z&end=2026-03-01T10:00:00Z",
        "start=2026-03-02T10:00:00Z&end=2026-09-01T10:00:00Z",
        "start=x&end=y",
    ],
)
def test_busy_times_need_a_sensible_range(client, factory, workspace, rep, db, query):
    response = client.get(f"/api/v1/calendar/busy?{query}", headers=factory.headers(rep))

    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_an_unknown_contact_answers_404(client, factory, workspace, rep, db):
    assert book(client, factory, rep, contact_id=999999).status_code == 404
    assert client.get("/api/v1/meetings?contact_id=999999", headers=factory.headers(rep)).status_code == 404


def test_answers_match_the_documented_schemas(app, client, factory, workspace, rep, ada, db):
    from ..api.test_openapi import ConformanceChecker

    checker = ConformanceChecker(app, client.get("/api/v1/openapi.json").get_json())
    workspace.calendar.calendar(REP).add_event("Board", at(6, 9), at(6, 10), color_id="9", attendees=["ada@globex.example"])

    def call(method, path, body=None, expect=None):
        response = client.open(path, method=method, json=body, headers=factory.headers(rep))
        checker.check(method, path, response)
        assert expect is None or response.status_code == expect, (method, path, response.get_json())
        return response.get_json()

    call("POST", "/api/v1/calendar/sync", expect=200)
    meeting = call("POST", "/api/v1/meetings", {"title": "Demo", "start": iso(at(3, 10)), "end": iso(at(3, 11)), "contact_id": ada.id}, 201)["meeting"]
    call("POST", "/api/v1/meetings", {"title": "Clash", "start": iso(at(3, 10)), "end": iso(at(3, 11))}, 409)
    call("POST", "/api/v1/meetings", {"title": "", "start": iso(at(3, 10)), "end": iso(at(3, 11))}, 400)
    call("GET", "/api/v1/meetings", expect=200)
    call("GET", f"/api/v1/meetings?contact_id={ada.id}&status=confirmed", expect=200)
    call("GET", f"/api/v1/meetings/{meeting['id']}", expect=200)
    call("GET", "/api/v1/meetings/999999", expect=404)
    call("PATCH", f"/api/v1/meetings/{meeting['id']}", {"location": "Zoom"}, 200)
    workspace.calendar.calendar(REP).edit_event(meeting["google_event_id"], summary="Changed in Google")
    call("PATCH", f"/api/v1/meetings/{meeting['id']}", {"location": "Meet"}, 409)
    call("POST", "/api/v1/meetings/conflicts", {"start": iso(at(3, 10)), "end": iso(at(3, 11)), "meeting_id": meeting["id"]}, 200)
    call("GET", f"/api/v1/calendar/busy?start={iso(at(3, 0))}&end={iso(at(7, 0))}", expect=200)
    call("GET", "/api/v1/calendar/busy?start=x", expect=400)
    call("DELETE", f"/api/v1/meetings/{meeting['id']}", expect=200)
    assert len(checker.checked) == 13  # distinct (method, path, status) answers
