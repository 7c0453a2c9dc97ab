"""Calendar sync of recurring series, moved and cancelled occurrences, all-day events and replies: each a meeting, once.

The fake Calendar answers these the way Google does (tests/fakes/gcalendar_recurrence.py):
sync asks for ``singleEvents``, so every occurrence is an event of its own
(id ``<series>_<original start>``), and an incremental sync lists a cancelled
occurrence in Google's short form. Every test syncs more than once, and
through a full resync, to show nothing is ever counted twice.
"""

import datetime

from threadbook.models import Meeting, MeetingAttendee

from .test_calendar_sync import REP, at, naive, sync

UTC = datetime.UTC


def meetings():
    return list(Meeting.select().order_by(Meeting.start, Meeting.id))


def resync(client, factory, workspace, rep):
    """Google expires the sync token: the next run is a full one."""
    workspace.calendar.expire_sync_tokens(REP)
    report = sync(client, factory, rep)
    assert report["mode"] == "resync"
    return report


def test_every_occurrence_of_a_blueberry_series_is_one_meeting_however_often_it_syncs(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    series = cal.add_series(
        "Weekly pipeline",
        at(1, 9),
        at(1, 10),
        "RRULE:FREQ=WEEKLY;COUNT=3",
        color_id="9",
        attendees=[{"email": REP, "responseStatus": "accepted"}, "ada@globex.example"],
        time_zone="Europe/London",
    )
    cal.add_series("Gym", at(1, 18), at(1, 19), "RRULE:FREQ=DAILY;COUNT=5")  # not Blueberry: never a meeting

    first = sync(client, factory, rep)

    assert (first["created"], first["ignored"]) == (3, 5)
    rows = meetings()
    assert [m.google_event_id for m in rows] == [cal.instance_id(series["id"], at(day, 9)) for day in (1, 8, 15)]
    assert [(m.start, m.end) for m in rows] == [(naive(at(day, 9)), naive(at(day, 10))) for day in (1, 8, 15)]
    assert {m.title for m in rows} == {"Weekly pipeline"} and {m.source for m in rows} == {"calendar"}
    assert [a.address_normalized for a in MeetingAttendee.select()] == ["ada@globex.example"] * 3  # the rep is the owner, not an attendee

    again = sync(client, factory, rep)
    assert (again["mode"], again["created"], again["updated"]) == ("incremental", 0, 0)
    full = resync(client, factory, workspace, rep)
    assert (full["created"], full["updated"], full["removed"], full["unchanged"]) == (0, 0, 0, 3)
    assert [m.id for m in meetings()] == [m.id for m in rows]

    # The whole series renamed: every occurrence's meeting changes, none is added.
    cal.edit_event(series["id"], summary="Pipeline review")
    renamed = sync(client, factory, rep)
    assert (renamed["created"], renamed["updated"]) == (0, 3)
    assert [(m.id, m.title) for m in meetings()] == [(m.id, "Pipeline review") for m in rows]


def test_a_moved_occurrence_moves_its_meeting_and_a_cancelled_one_cancels_it(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    series = cal.add_series("Stand-up", at(1, 9), at(1, 10), "RRULE:FREQ=DAILY;COUNT=4", color_id="9", attendees=["ada@globex.example"])
    sync(client, factory, rep)
    before = {m.google_event_id: m.id for m in meetings()}

    moved = cal.move_occurrence(series["id"], at(2, 9), at(2, 15), at(2, 16), summary="Stand-up (afternoon)")
    cal.cancel_occurrence(series["id"], at(3, 9))
    report = sync(client, factory, rep)

    assert (report["mode"], report["created"], report["updated"], report["cancelled"]) == ("incremental", 0, 1, 1)
    rows = {m.google_event_id: m for m in meetings()}
    assert {k: m.id for k, m in rows.items()} == before  # the same four meetings
    assert (rows[moved["id"]].start, rows[moved["id"]].title) == (naive(at(2, 15)), "Stand-up (afternoon)")
    assert rows[cal.instance_id(series["id"], at(3, 9))].status == "cancelled"
    assert [m.status for m in meetings()].count("confirmed") == 3

    # A full resync agrees: the cancelled occurrence is not listed, and its meeting stays cancelled (not removed, not revived).
    full = resync(client, factory, workspace, rep)
    assert (full["created"], full["removed"], full["cancelled"]) == (0, 0, 0)
    assert {m.google_event_id: (m.status, m.start) for m in meetings()} == {k: (m.status, m.start) for k, m in rows.items()}


def test_all_day_events_and_all_day_series_span_whole_utc_days_once_each(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    first_day = at(2, 0).date()
    offsite = cal.add_all_day("Globex offsite", first_day, days=2, color_id="9", attendees=["ada@globex.example"])
    series = cal.add_series("Month-end close", first_day, first_day + datetime.timedelta(days=1), "RRULE:FREQ=WEEKLY;COUNT=2", color_id="9")

    report = sync(client, factory, rep)
    sync(client, factory, rep)
    resync(client, factory, workspace, rep)

    assert report["created"] == 3 and Meeting.select().count() == 3
    midnight = datetime.datetime.combine(first_day, datetime.time())
    whole = Meeting.get(Meeting.google_event_id == offsite["id"])
    assert (whole.start, whole.end) == (midnight, midnight + datetime.timedelta(days=2))
    weekly = [m for m in meetings() if m.title == "Month-end close"]
    assert [m.google_event_id for m in weekly] == [f"{series['id']}_{d:%Y%m%d}" for d in (first_day, first_day + datetime.timedelta(days=7))]
    assert [(m.start, m.end - m.start) for m in weekly] == [(midnight + datetime.timedelta(days=n), datetime.timedelta(days=1)) for n in (0, 7)]


def test_attendee_replies_reach_the_meeting_without_a_second_one(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    demo = cal.add_event("Demo", at(2, 10), at(2, 11), color_id="9", attendees=["ada@globex.example", "bob@globex.example"])
    series = cal.add_series("1:1", at(1, 14), at(1, 15), "RRULE:FREQ=WEEKLY;COUNT=2", color_id="9", attendees=["lee@initech.example"])
    sync(client, factory, rep)

    cal.respond(demo["id"], "ada@globex.example", "accepted")
    cal.respond(demo["id"], "bob@globex.example", "declined")
    cal.respond(cal.instance_id(series["id"], at(8, 14)), "lee@initech.example", "tentative")
    report = sync(client, factory, rep)

    assert (report["created"], report["updated"]) == (0, 2) and Meeting.select().count() == 3

    def replies(event_id):
        meeting = Meeting.get(Meeting.google_event_id == event_id)
        return {a.address_normalized: a.response_status for a in MeetingAttendee.select().where(MeetingAttendee.meeting == meeting.id)}

    assert replies(demo["id"]) == {"ada@globex.example": "accepted", "bob@globex.example": "declined"}
    assert replies(cal.instance_id(series["id"], at(1, 14))) == {"lee@initech.example": "needsAction"}
    assert replies(cal.instance_id(series["id"], at(8, 14))) == {"lee@initech.example": "tentative"}
    assert resync(client, factory, workspace, rep)["created"] == 0


def test_an_occurrence_recoloured_alone_leaves_the_crm_and_the_rest_stay(client, factory, workspace, rep, db):
    cal = workspace.calendar.calendar(REP)
    series = cal.add_series("Review", at(1, 11), at(1, 12), "RRULE:FREQ=DAILY;COUNT=3", color_id="9")
    sync(client, factory, rep)

    cal.edit_occurrence(series["id"], at(2, 11), colorId="5")
    report = sync(client, factory, rep)

    assert report["removed"] == 1
    assert [m.google_event_id for m in meetings()] == [cal.instance_id(series["id"], at(day, 11)) for day in (1, 3)]
