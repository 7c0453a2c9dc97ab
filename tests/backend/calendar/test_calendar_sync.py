"""Calendar sync: Blueberry events from the fake Google Calendar become meetings, kept current with sync tokens."""

import datetime

import pytest

from threadbook.calendar.sync import calendar_mailboxes_due, sync_calendar_mailbox
from threadbook.crm import store as crm
from threadbook.jobs import tasks
from threadbook.models import Lead, Mailbox, Meeting, MeetingAttendee, SyncedCalendar

from ..support.workspace import GMAIL_MODIFY

UTC = datetime.UTC
REP = "rep@acme.example"


def at(day, hour, minute=0):
    """An aware time in the near future (so 'upcoming' logic always applies)."""
    base = datetime.datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + datetime.timedelta(days=day)
    return base.replace(hour=hour, minute=minute)


def naive(moment):
    return moment.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def crm_people(rep, db):
    """A contact at globex.example (with its company) and a lead."""
    company = crm.create_company(rep.org_id, "Globex", ["globex.example"])
    contact = crm.create_contact(rep.org_id, "Ada Globex", ["ada@globex.example"], company=company)
    lead = Lead.create(org=rep.org_id, name="Lee Lead", email="lee@initech.example", email_normalized="lee@initech.example")
    return contact, lead, company


def primary_row(user):
    return SyncedCalendar.get((SyncedCalendar.user == user.id) & (SyncedCalendar.calendar_id == "primary"))


def sync(client, factory, user):
    response = client.post("/api/v1/calendar/sync", headers=factory.headers(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_blueberry_events_become_meetings_linked_to_attendees_and_other_colours_are_ignored(client, factory, workspace, rep, crm_people, db):
    contact, lead, company = crm_people
    cal = workspace.calendar.calendar(REP)
    demo = cal.add_event(
        "Globex demo",
        at(2, 10),
        at(2, 11),
        color_id="9",
        attendees=[
            {"email": REP, "responseStatus": "accepted"},
            {"email": "Ada@Globex.example", "displayName": "Ada", "responseStatus": "accepted"},
            "lee@initech.example",
            {"email": "room-1@resource.calendar.google.com", "resource": True},
        ],
        location="Room 1",
        description="Agenda",
    )
    cal.add_event("Dentist", at(2, 14), at(2, 15), color_id="5", attendees=["ada@globex.example"])
    cal.add_event("No colour", at(3, 9), at(3, 10), attendees=["ada@globex.example"])

    report = sync(client, factory, rep)

    assert report["mode"] == "full" and report["created"] == 1 and report["ignored"] == 2
    meeting = Meeting.get(Meeting.google_event_id == demo["id"])
    assert (meeting.title, meeting.location, meeting.description, meeting.source, meeting.status) == (
        "Globex demo",
        "Room 1",
        "Agenda",
        "calendar",
        "confirmed",
    )
    assert (meeting.start, meeting.end) == (naive(at(2, 10)), naive(at(2, 11)))
    assert meeting.owner_id == rep.id and meeting.google_etag == demo["etag"]
    # The rep and the room are not attendees; the addresses are kept as written, matched normalised.
    assert {(a.address_normalized, a.response_status) for a in MeetingAttendee.select()} == {
        ("ada@globex.example", "accepted"),
        ("lee@initech.example", "needsAction"),
    }

    detail = client.get(f"/api/v1/meetings/{meeting.id}", headers=factory.headers(rep)).get_json()
    assert detail["contact_ids"] == [contact.id] and detail["lead_ids"] == [lead.id] and detail["company_ids"] == [company.id]
    kinds = {a["email"]: (a["kind"], a["record_id"]) for a in detail["attendees"]}
    assert kinds == {"Ada@Globex.example": ("contact", contact.id), "lee@initech.example": ("lead", lead.id)}
    timeline = client.get(f"/api/v1/contacts/{contact.id}/timeline", headers=factory.headers(rep)).get_json()
    assert [i["meeting"]["id"] for i in timeline["items"] if i["kind"] == "meeting"] == [meeting.id]
    for name, record in (("contact_id", contact), ("lead_id", lead), ("company_id", company)):
        listed = client.get(f"/api/v1/meetings?{name}={record.id}", headers=factory.headers(rep)).get_json()
        assert [m["id"] for m in listed["items"]] == [meeting.id], name


def test_later_syncs_read_only_changes_with_the_sync_token(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    first = cal.add_event("Kick-off", at(1, 9), at(1, 10), color_id="9", attendees=["ada@globex.example"])
    sync(client, factory, rep)
    token = primary_row(rep).sync_token
    assert token

    second = cal.add_event("Follow-up", at(4, 9), at(4, 10), color_id="9")
    cal.edit_event(first["id"], summary="Kick-off (moved)", start=at(1, 13), end=at(1, 14))
    report = sync(client, factory, rep)

    assert report["mode"] == "incremental" and report["created"] == 1 and report["updated"] == 1
    listed = [q for m, p, q in workspace.calendar.calls if m == "GET" and p.endswith("/events")]
    assert "syncToken=" not in listed[0] and f"syncToken={token}" in listed[-1]
    moved = Meeting.get(Meeting.google_event_id == first["id"])
    assert moved.title == "Kick-off (moved)" and moved.start == naive(at(1, 13))
    assert Meeting.get(Meeting.google_event_id == second["id"]).title == "Follow-up"

    # Nothing changed: nothing written.
    quiet = sync(client, factory, rep)
    assert (quiet["mode"], quiet["created"], quiet["updated"], quiet["unchanged"]) == ("incremental", 0, 0, 0)


def test_cancelled_and_recoloured_events_leave_the_crm(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    cancelled = cal.add_event("Lunch", at(1, 12), at(1, 13), color_id="9", attendees=["ada@globex.example"])
    recoloured = cal.add_event("Call", at(1, 15), at(1, 16), color_id="9", attendees=["ada@globex.example"])
    sync(client, factory, rep)

    cal.cancel_event(cancelled["id"])
    cal.edit_event(recoloured["id"], colorId="3")
    report = sync(client, factory, rep)

    assert report["cancelled"] == 1 and report["removed"] == 1
    assert Meeting.get(Meeting.google_event_id == cancelled["id"]).status == "cancelled"
    assert Meeting.get_or_none(Meeting.google_event_id == recoloured["id"]) is None
    assert MeetingAttendee.select().join(Meeting).where(Meeting.google_event_id == recoloured["id"]).count() == 0


def test_an_expired_sync_token_answers_410_and_a_full_sync_puts_things_right(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    keep = cal.add_event("Review", at(2, 9), at(2, 10), color_id="9")
    gone = cal.add_event("Workshop", at(2, 11), at(2, 12), color_id="9")
    sync(client, factory, rep)
    old_token = primary_row(rep).sync_token

    workspace.calendar.expire_sync_tokens(REP)
    cal.cancel_event(gone["id"])  # a full listing no longer shows it at all
    cal.edit_event(keep["id"], summary="Review v2")
    added = cal.add_event("Planning", at(5, 9), at(5, 10), color_id="9")
    report = sync(client, factory, rep)

    assert report["mode"] == "resync" and report["outcome"] == "synced"
    assert Meeting.get(Meeting.google_event_id == keep["id"]).title == "Review v2"
    assert Meeting.get_or_none(Meeting.google_event_id == gone["id"]) is None
    assert Meeting.get_or_none(Meeting.google_event_id == added["id"]) is not None
    new_token = primary_row(rep).sync_token
    assert new_token and new_token != old_token
    assert sync(client, factory, rep)["mode"] == "incremental"


def test_a_google_failure_keeps_the_sync_token_for_next_time(client, factory, workspace, rep, db):
    from ...fakes.google_common import backend_error

    workspace.calendar.calendar(REP).add_event("Review", at(2, 9), at(2, 10), color_id="9")
    sync(client, factory, rep)
    token = primary_row(rep).sync_token
    workspace.calendar.fail(backend_error(), method="GET")

    response = client.post("/api/v1/calendar/sync", headers=factory.headers(rep))

    assert response.status_code == 503 and response.get_json()["error"] == "google_unavailable"
    assert primary_row(rep).sync_token == token
    assert Mailbox.get(Mailbox.user == rep.id).status == "active"  # calendar trouble never disconnects mail sync


def test_the_periodic_task_syncs_every_mailbox_that_granted_calendar_access(app, factory, workspace, rep, db):
    other = factory.user(factory.org(domain="beta.example"), email="amy@beta.example")
    workspace.connect(app, other, scopes=(GMAIL_MODIFY,))  # mail only
    workspace.calendar.calendar(REP).add_event("Review", at(2, 9), at(2, 10), color_id="9")
    workspace.calendar.calendar("amy@beta.example").add_event("Private", at(2, 9), at(2, 10), color_id="9")

    with app.app_context():
        due = calendar_mailboxes_due()
        tasks.bind_app(app)
        scheduled = tasks.schedule_calendar_syncs.call_local()

    assert due == [Mailbox.get(Mailbox.user == rep.id).id] and scheduled == 1
    assert [m.title for m in Meeting.select()] == ["Review"]
    amy_box = Mailbox.get(Mailbox.user == other.id)
    with app.app_context():
        assert sync_calendar_mailbox(amy_box.id).outcome == "unavailable"


def test_sync_needs_some_calendar_access(client, factory, workspace, db):
    org = factory.org(domain="solo.example")
    loner = factory.user(org, email="solo@solo.example")

    response = client.post("/api/v1/calendar/sync", headers=factory.headers(loner))

    assert response.status_code == 400 and response.get_json()["error"] == "google_token_required"


def test_an_access_token_from_the_extension_works_without_a_connected_mailbox(client, factory, workspace, db):
    org = factory.org(domain="solo.example")
    loner = factory.user(org, email="solo@solo.example")
    workspace.calendar.add_calendar(loner.email).add_event("Pitch", at(3, 9), at(3, 10), color_id="9")
    workspace.calendar.grant("ya29.solo", loner.email)

    response = client.post("/api/v1/calendar/sync", headers=factory.headers(loner, **{"X-Google-Access-Token": "ya29.solo"}))

    assert response.status_code == 200 and response.get_json()["created"] == 1
    assert Meeting.get().owner_id == loner.id
