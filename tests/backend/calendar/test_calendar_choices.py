"""Choosing calendars: Google's calendar list (its own scope, asked only to choose), each chosen calendar synced with its own token.

A Blueberry event on a shared "Sales team" calendar becomes one meeting; each
calendar's last success and error are kept and shown by ``GET /api/v1/calendars``.
"""

import pytest

from threadbook.google.calendar import CALENDAR_LIST_READONLY
from threadbook.models import Meeting, MeetingAttendee, SyncedCalendar

from ..support.workspace import ALL_SCOPES
from .test_calendar_sync import REP, at, naive, sync

LIST_TOKEN = "ya29.list"
COLLEAGUE = "amy@acme.example"


@pytest.fixture
def team(workspace, rep):
    """A "Sales team" calendar the rep may write to, and a "Holidays" one they may read."""
    state = workspace.calendar
    sales = state.add_shared_calendar("Sales team", {REP: "writer", "boss@acme.example": "owner"})
    state.add_shared_calendar("Holidays", {REP: "reader"})
    state.add_shared_calendar("Boss's busy times", {REP: "freeBusyReader"})
    state.grant(LIST_TOKEN, REP, scopes=(CALENDAR_LIST_READONLY,))
    return sales


def calendars(client, factory, user, token=None):
    headers = factory.headers(user, **({"X-Google-Access-Token": token} if token else {}))
    response = client.get("/api/v1/calendars", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def choose(client, factory, user, ids, token=LIST_TOKEN):
    headers = factory.headers(user, **({"X-Google-Access-Token": token} if token else {}))
    return client.put("/api/v1/calendars/selection", json={"calendar_ids": ids}, headers=headers)


def test_without_the_list_scope_the_primary_calendar_shows_and_choosing_asks_for_the_scope(client, factory, workspace, rep, team, db):
    answer = calendars(client, factory, rep)

    assert [(c["id"], c["primary"], c["selected"], c["state"], c["listed"]) for c in answer["calendars"]] == [("primary", True, True, "never_synced", None)]
    assert answer["choosing"]["available"] is False and answer["choosing"]["error"] == "google_scope_required"
    assert answer["choosing"]["scope"] == CALENDAR_LIST_READONLY and "list of your Google calendars" in answer["choosing"]["message"]
    assert workspace.calendar.calls == []  # the mailbox's grant lacks the scope: Google is not even asked

    refused = choose(client, factory, rep, [team.id], token=None)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "google_scope_required" and refused.get_json()["scope"] == CALENDAR_LIST_READONLY
    # The extension's token without the list scope: Google says so, and so do we.
    workspace.calendar.grant("ya29.events", REP)
    refused = choose(client, factory, rep, [team.id], token="ya29.events")
    assert (refused.status_code, refused.get_json()["error"]) == (403, "google_scope_required")
    assert SyncedCalendar.select().count() == 0


def test_a_blueberry_event_on_the_shared_sales_team_calendar_becomes_a_meeting(client, factory, workspace, rep, team, db):
    listed = calendars(client, factory, rep, LIST_TOKEN)
    assert listed["choosing"] == {"available": True, "error": None, "message": None, "scope": CALENDAR_LIST_READONLY}
    assert [(c["summary"], c["access_role"], c["selected"]) for c in listed["calendars"]] == [
        (REP, "owner", True),
        ("Holidays", "reader", False),
        ("Sales team", "writer", False),
    ]  # the free/busy-only calendar cannot sync events: not offered

    chosen = choose(client, factory, rep, ["primary", team.id])
    assert chosen.status_code == 200, chosen.get_json()
    assert {c["summary"]: c["selected"] for c in chosen.get_json()["calendars"]} == {REP: True, "Holidays": False, "Sales team": True}

    review = team.add_event("Blueberry deal review", at(2, 10), at(2, 11), color_id="9", attendees=["ada@globex.example", REP])
    team.add_event("Team lunch", at(2, 12), at(2, 13))
    own = workspace.calendar.calendar(REP).add_event("Globex demo", at(3, 10), at(3, 11), color_id="9")
    report = sync(client, factory, rep)

    assert (report["outcome"], report["created"], report["ignored"]) == ("synced", 2, 1)
    assert [(c["calendar_id"], c["mode"]) for c in report["calendars"]] == [("primary", "full"), (team.id, "full")]
    meeting = Meeting.get(Meeting.google_event_id == review["id"])
    assert (meeting.owner_id, meeting.google_calendar_id, meeting.source, meeting.start) == (rep.id, team.id, "calendar", naive(at(2, 10)))
    # The rep is its owner, not an attendee; the team calendar (its organiser) is nobody.
    assert [a.address_normalized for a in MeetingAttendee.select().where(MeetingAttendee.meeting == meeting.id)] == ["ada@globex.example"]
    assert Meeting.get(Meeting.google_event_id == own["id"]).google_calendar_id is None

    rows = {r.calendar_id: r for r in SyncedCalendar.select()}
    assert rows["primary"].sync_token and rows[team.id].sync_token and rows["primary"].sync_token != rows[team.id].sync_token
    team.edit_event(review["id"], summary="Deal review")
    again = sync(client, factory, rep)
    assert (again["mode"], again["created"], again["updated"]) == ("incremental", 0, 1) and Meeting.select().count() == 2
    health = {c["id"]: c for c in calendars(client, factory, rep)["calendars"]}
    assert health[team.id]["state"] == "ok" and health[team.id]["last_synced_at"] and health[team.id]["last_error"] is None


def test_the_same_event_on_two_chosen_calendars_is_one_meeting(client, factory, workspace, rep, team, db):
    choose(client, factory, rep, ["primary", team.id])
    shared = workspace.calendar.calendar(REP).add_event("Pipeline", at(2, 9), at(2, 10), color_id="9")
    team.add_event("Pipeline", at(2, 9), at(2, 10), color_id="9", id=shared["id"])  # the team calendar is invited: the same event

    sync(client, factory, rep)
    workspace.calendar.expire_sync_tokens(team.id)
    sync(client, factory, rep)

    assert Meeting.select().count() == 1 and Meeting.get().google_calendar_id is None


def test_a_team_calendar_event_is_one_meeting_for_the_organisation(app, client, factory, workspace, rep, team, db):
    amy = factory.user(rep.org, email=COLLEAGUE, name="Amy")
    workspace.connect(app, amy)
    workspace.calendar.share(team, COLLEAGUE, "writer")
    workspace.calendar.grant("ya29.amy", COLLEAGUE, scopes=(CALENDAR_LIST_READONLY,))
    review = team.add_event("Deal review", at(2, 10), at(2, 11), color_id="9", attendees=["ada@globex.example"])
    choose(client, factory, rep, ["primary", team.id])
    choose(client, factory, amy, ["primary", team.id], token="ya29.amy")

    sync(client, factory, rep)
    theirs = sync(client, factory, amy)

    assert theirs["created"] == 0 and Meeting.select().count() == 1 and Meeting.get().owner_id == rep.id
    # The rep stops syncing the team calendar: Amy's sync takes the meeting over and keeps it current.
    choose(client, factory, rep, ["primary"])
    team.edit_event(review["id"], summary="Deal review (moved)", start=at(2, 14), end=at(2, 15))
    sync(client, factory, rep)
    sync(client, factory, amy)
    meeting = Meeting.get()
    assert (Meeting.select().count(), meeting.owner_id, meeting.title, meeting.start) == (1, amy.id, "Deal review (moved)", naive(at(2, 14)))


def test_calendars_not_chosen_do_not_sync_and_their_meetings_stay(client, factory, workspace, rep, team, db):
    choose(client, factory, rep, [team.id])  # not even the primary one
    workspace.calendar.calendar(REP).add_event("Own", at(2, 9), at(2, 10), color_id="9")
    team.add_event("Team", at(2, 11), at(2, 12), color_id="9")
    sync(client, factory, rep)
    assert [m.title for m in Meeting.select()] == ["Team"]

    assert choose(client, factory, rep, []).status_code == 200
    report = sync(client, factory, rep)
    assert (report["calendars"], report["mode"]) == ([], "")
    assert [m.title for m in Meeting.select()] == ["Team"]
    assert {c["id"]: c["state"] for c in calendars(client, factory, rep)["calendars"]} == {"primary": "not_selected", team.id: "not_selected"}


def test_a_calendar_that_fails_says_why_and_the_others_still_sync(app, client, factory, workspace, rep, team, db):
    choose(client, factory, rep, ["primary", team.id])
    sync(client, factory, rep)
    workspace.calendar.unshare(team, REP)
    workspace.calendar.calendar(REP).add_event("Globex demo", at(3, 10), at(3, 11), color_id="9")

    report = sync(client, factory, rep)

    assert report["outcome"] == "partial" and report["created"] == 1
    assert 'no longer shows you the calendar "Sales team"' in report["error"]
    listed = {c["id"]: c for c in calendars(client, factory, rep, LIST_TOKEN)["calendars"]}
    failing = listed[team.id]
    assert (failing["state"], failing["listed"], failing["selected"]) == ("failing", False, True)
    assert "Choose your calendars again" in failing["last_error"] and failing["last_error_at"]
    assert listed["primary"]["state"] == "ok"

    # Google revokes the grant: every chosen calendar says so, with what to do.
    from threadbook.calendar.sync import sync_calendar_mailbox
    from threadbook.models import Mailbox

    workspace.oauth.revoke_user(REP)
    with app.app_context():
        revoked = sync_calendar_mailbox(Mailbox.get(Mailbox.user == rep.id).id)
    assert revoked.outcome == "error" and "reconnect Google" in revoked.error
    stored = calendars(client, factory, rep)["calendars"]
    assert {c["state"] for c in stored} == {"failing"} and all("reconnect Google" in c["last_error"] for c in stored)


def test_a_wrong_choice_is_refused_with_the_field_and_nothing_changes(client, factory, workspace, rep, team, db):
    busy_only = [c for c in workspace.calendar.calendars.values() if c.summary == "Boss's busy times"][0]
    secret = workspace.calendar.add_shared_calendar("Board", {"boss@acme.example": "owner"})
    for ids in ([busy_only.id], [secret.id], ["nobody@group.calendar.google.com"]):
        refused = choose(client, factory, rep, ids)
        assert (refused.status_code, refused.get_json()["field"]) == (400, "calendar_ids"), ids
    for body in ({"calendar_ids": "primary"}, {"calendar_ids": [""]}, {"calendar_ids": [7]}, {"calendar_ids": ["x" * 256]}, {}):
        refused = client.put("/api/v1/calendars/selection", json=body, headers=factory.headers(rep, **{"X-Google-Access-Token": LIST_TOKEN}))
        assert (refused.status_code, refused.get_json().get("field")) == (400, "calendar_ids"), body
    too_many = [f"c{n}@group.calendar.google.com" for n in range(51)]
    assert choose(client, factory, rep, too_many).status_code == 400
    assert SyncedCalendar.select().count() == 0


def test_colleagues_and_admins_see_and_choose_only_their_own_calendars(app, client, factory, workspace, rep, team, db):
    admin = factory.user(rep.org, email="admin@acme.example", role="admin")
    workspace.connect(app, admin, scopes=ALL_SCOPES)
    workspace.calendar.grant("ya29.admin", admin.email, scopes=(CALENDAR_LIST_READONLY,))
    choose(client, factory, rep, ["primary", team.id])
    team.add_event("Deal review", at(2, 10), at(2, 11), color_id="9")
    sync(client, factory, rep)

    theirs = calendars(client, factory, admin, "ya29.admin")
    assert [c["id"] for c in theirs["calendars"]] == ["primary"] and team.id not in str(theirs)
    # The admin may not choose the rep's team calendar: it is not on their list.
    refused = choose(client, factory, admin, [team.id], token="ya29.admin")
    assert (refused.status_code, refused.get_json()["field"]) == (400, "calendar_ids")
    # The rep's primary calendar by its id is not the admin's either.
    assert choose(client, factory, admin, [REP], token="ya29.admin").status_code == 400
    assert SyncedCalendar.select().where(SyncedCalendar.user == admin.id).count() == 0
    assert sync(client, factory, admin)["created"] == 0 and Meeting.select().count() == 1


def test_a_meeting_from_the_team_calendar_is_changed_in_that_calendar(client, factory, workspace, rep, team, db):
    choose(client, factory, rep, [team.id])
    review = team.add_event("Deal review", at(2, 10), at(2, 11), color_id="9")
    sync(client, factory, rep)
    meeting = Meeting.get()

    response = client.patch(f"/api/v1/meetings/{meeting.id}", json={"title": "Deal review (Ada too)"}, headers=factory.headers(rep))

    assert response.status_code == 200, response.get_json()
    assert team.events[review["id"]]["summary"] == "Deal review (Ada too)"
    assert workspace.calendar.calls_to("PATCH", f"/calendars/{team.id}/events/{review['id']}")
    assert sync(client, factory, rep)["updated"] == 0  # our own change coming back

    # A team calendar's meeting is not the rep's own time: booking over it is no conflict.
    booking = {"title": "Globex call", "start": at(2, 10).isoformat(), "end": at(2, 11).isoformat()}
    booked = client.post("/api/v1/meetings", json=booking, headers=factory.headers(rep))
    assert booked.status_code == 201, booked.get_json()
    assert booked.get_json()["conflicts"] == [] and booked.get_json()["google_checked"] is True


def test_a_deleted_series_cancels_every_meeting_even_beyond_what_google_lists(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    series = cal.add_series("Weekly forever", at(1, 9), at(1, 10), "RRULE:FREQ=WEEKLY", color_id="9")
    created = sync(client, factory, rep)["created"]
    assert created > 60  # every week for the two years Google expands

    cal.cancel_event(series["id"])
    report = sync(client, factory, rep)

    assert report["cancelled"] == created
    assert {m.status for m in Meeting.select()} == {"cancelled"} and {m.google_series_id for m in Meeting.select()} == {series["id"]}
    assert workspace.calendar.calls_to("GET", f"/events/{series['id']}")  # the series was read once
    assert len(workspace.calendar.calls_to("GET", f"/events/{series['id']}")) == 1


def test_when_every_chosen_calendar_fails_the_sync_answers_as_google_failed_with_the_report(client, factory, workspace, rep, team, db):
    choose(client, factory, rep, [team.id])
    workspace.calendar.unshare(team, REP)

    response = client.post("/api/v1/calendar/sync", headers=factory.headers(rep))

    body = response.get_json()
    assert (response.status_code, body["error"]) == (404, "not_found")  # gone for good: no "try again"
    assert "Choose your calendars again" in body["message"] and body["report"]["calendars"][0]["outcome"] == "error"


def test_a_colleagues_shared_primary_calendar_adds_no_second_meeting_and_takes_none_of_theirs(app, client, factory, workspace, rep, db):
    amy = factory.user(rep.org, email=COLLEAGUE, name="Amy")
    workspace.connect(app, amy)
    amys = workspace.calendar.calendar(COLLEAGUE)
    workspace.calendar.share(amys, REP, "reader")
    workspace.calendar.grant(LIST_TOKEN, REP, scopes=(CALENDAR_LIST_READONLY,))
    booking = {"title": "Globex pitch", "start": at(2, 9).isoformat(), "end": at(2, 10).isoformat()}
    booked = client.post("/api/v1/meetings", json=booking, headers=factory.headers(amy))
    assert booked.status_code == 201 and booked.get_json()["calendar"]["pushed"] is True
    amys.add_event("Globex follow-up", at(3, 9), at(3, 10), color_id="9")
    sync(client, factory, amy)
    assert choose(client, factory, rep, ["primary", COLLEAGUE]).status_code == 200

    report = sync(client, factory, rep)
    assert (report["created"], report["unchanged"]) == (0, 2)

    # Amy stops syncing her calendar: the rep's sync takes over the meeting read from it, never the one she booked.
    workspace.calendar.grant("ya29.amy", COLLEAGUE, scopes=(CALENDAR_LIST_READONLY,))
    choose(client, factory, amy, [], token="ya29.amy")
    workspace.calendar.expire_sync_tokens(COLLEAGUE)
    sync(client, factory, rep)
    owners = {m.title: m.owner_id for m in Meeting.select()}
    assert owners == {"Globex pitch": amy.id, "Globex follow-up": rep.id}
    # She syncs her calendar again: what was read from it is hers again, still one meeting each.
    choose(client, factory, amy, ["primary"], token="ya29.amy")
    amys.edit_event(next(e["id"] for e in amys.blueberry() if e["summary"] == "Globex follow-up"), location="Zoom")
    sync(client, factory, amy)
    sync(client, factory, rep)
    rows = {m.title: (m.owner_id, m.google_calendar_id) for m in Meeting.select()}
    assert rows == {"Globex pitch": (amy.id, None), "Globex follow-up": (amy.id, None)}
