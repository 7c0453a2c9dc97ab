"""Calendar direction: one-way (Google Calendar → CRM only) never writes to Google; two-way (the default) pushes as before."""

from threadbook.models import Meeting, Organization, User

from .test_calendar_meetings import book, sync, writes_to_google
from .test_calendar_sync import REP, at


def one_way(user):
    User.update(calendar_direction="one_way").where(User.id == user.id).execute()


def test_a_meeting_booked_one_way_stays_in_the_crm_and_says_so(client, factory, workspace, rep, db):
    one_way(rep)

    response = book(client, factory, rep)
    report = sync(client, factory, rep)

    assert response.status_code == 201, response.get_json()
    calendar = response.get_json()["calendar"]
    assert calendar["pushed"] is False and "one-way" in calendar["reason"] and "Google Calendar yourself" in calendar["reason"]
    assert response.get_json()["google_checked"] is True  # Google is still read for busy times
    assert report["pushed"] == 0 and writes_to_google(workspace) == []
    assert Meeting.get_by_id(response.get_json()["meeting"]["id"]).google_event_id is None


def test_one_way_still_imports_from_google_and_refuses_to_change_googles_meetings(client, factory, workspace, rep, db):
    workspace.calendar.calendar(REP).add_event("Board", at(3, 9), at(3, 10), color_id="9")
    Organization.update(calendar_direction="one_way").where(Organization.id == rep.org_id).execute()  # the organisation's default

    report = sync(client, factory, rep)
    meeting = Meeting.get(Meeting.title == "Board")
    moved = client.patch(f"/api/v1/meetings/{meeting.id}", json={"title": "Board (moved)"}, headers=factory.headers(rep))
    cancelled = client.delete(f"/api/v1/meetings/{meeting.id}", headers=factory.headers(rep))

    assert report["created"] == 1
    assert moved.status_code == 409 and moved.get_json()["error"] == "calendar_one_way" and "change it in Google Calendar" in moved.get_json()["message"]
    assert cancelled.status_code == 409 and "cancel it in Google Calendar" in cancelled.get_json()["message"]
    assert writes_to_google(workspace) == [] and Meeting.get_by_id(meeting.id).status == "confirmed"


def test_back_to_two_way_pushes_what_waited(client, factory, workspace, rep, db):
    one_way(rep)
    meeting_id = book(client, factory, rep).get_json()["meeting"]["id"]
    User.update(calendar_direction=None).where(User.id == rep.id).execute()  # follows the organisation: two-way

    report = sync(client, factory, rep)

    assert report["pushed"] == 1 and Meeting.get_by_id(meeting_id).google_event_id
    assert len(writes_to_google(workspace)) == 1
