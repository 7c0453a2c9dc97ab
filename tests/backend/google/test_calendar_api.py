"""google.calendar against the fake Calendar: recurrence, all-day events, replies, calendar lists and scopes in Google's wire format.

These pin down what the fake answers (tests/fakes/gcalendar*.py), through the
real client library, so the calendar sync tests rest on Google's shapes.
"""

import datetime

import pytest

from threadbook.google import errors as google_errors
from threadbook.google.calendar import CALENDAR_LIST_READONLY, Calendar

UTC = datetime.UTC
REP = "rep@acme.example"
BERLIN = "Europe/Berlin"


def _summer_time_starts(year):
    """The last Sunday of March: Europe/Berlin moves to summer time."""
    day = datetime.date(year, 3, 31)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


# Day 0 is a Thursday in the coming year's March; day 10 is the Sunday Berlin moves its clocks.
SWITCH = _summer_time_starts(datetime.date.today().year + 1)
BASE = SWITCH - datetime.timedelta(days=10)


def at(day, hour, zone=UTC):
    return datetime.datetime.combine(BASE + datetime.timedelta(days=day), datetime.time(hour), tzinfo=zone)


def gid(series, moment):
    """Google's id of an occurrence: the series' and the original start in UTC (a date for all-day ones)."""
    if isinstance(moment, datetime.datetime):
        return f"{series['id']}_{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{series['id']}_{moment:%Y%m%d}"


def stamp(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def fake(workspace):
    state = workspace.calendar
    state.add_calendar(REP)
    state.grant("tok", REP)
    return state


@pytest.fixture
def client(fake, workspace):
    return Calendar.for_access_token("tok", workspace.root)


def listed(client, **kwargs):
    items, token = [], None
    while True:
        page = client.list_events(page_token=token, **kwargs)
        items.extend(page["items"])
        token = page.get("nextPageToken")
        if not token:
            return items, page["nextSyncToken"]


def raw_list(client, **kwargs):
    return client._execute(client._service.events().list(calendarId=client.calendar_id, **kwargs))


def test_a_series_comes_as_instances_with_google_ids_and_original_start_times(fake, client):
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo(BERLIN)
    cal = fake.calendar(REP)
    series = cal.add_series("Weekly pipeline", at(3, 10, berlin), at(3, 11, berlin), "RRULE:FREQ=WEEKLY;COUNT=3", color_id="9", time_zone=BERLIN)

    items, _ = listed(client, time_min=at(0, 0))

    starts = [at(3, 10, berlin), at(10, 10, berlin), at(17, 10, berlin)]
    assert [i["id"] for i in items] == [gid(series, s) for s in starts]
    assert [gid(series, s)[-7:] for s in starts] == ["090000Z", "080000Z", "080000Z"]  # the same local time, an hour less UTC offset
    first = items[0]
    assert first["recurringEventId"] == series["id"] and "recurrence" not in first
    assert first["originalStartTime"] == {"dateTime": f"{at(3, 10):%Y-%m-%d}T10:00:00+01:00", "timeZone": BERLIN}
    # 10:00 in Berlin every week, across the change to summer time.
    assert [i["start"]["dateTime"] for i in items] == [
        f"{at(3, 10):%Y-%m-%d}T10:00:00+01:00",
        f"{SWITCH}T10:00:00+02:00",
        f"{at(17, 10):%Y-%m-%d}T10:00:00+02:00",
    ]
    assert {i["colorId"] for i in items} == {"9"} and {i["iCalUID"] for i in items} == {series["iCalUID"]}

    # Not expanded: the series itself, with its rule.
    unexpanded = raw_list(client, singleEvents=False)["items"]
    assert [(e["id"], e["recurrence"]) for e in unexpanded] == [(series["id"], ["RRULE:FREQ=WEEKLY;COUNT=3"])]


def test_a_timed_series_needs_a_time_zone_and_a_rule_google_can_read(fake, client):
    body = {"summary": "x", "start": {"dateTime": stamp(at(3, 10))}, "end": {"dateTime": stamp(at(3, 11))}, "recurrence": ["RRULE:FREQ=WEEKLY"]}
    with pytest.raises(google_errors.GoogleApiError) as raised:
        client.insert_event(body)
    assert raised.value.status == 400 and "time zone" in raised.value.message
    body["start"]["timeZone"] = body["end"]["timeZone"] = "UTC"
    body["recurrence"] = ["RRULE:FREQ=SOMETIMES"]
    with pytest.raises(google_errors.GoogleApiError) as raised:
        client.insert_event(body)
    assert raised.value.status == 400


def test_moved_and_cancelled_occurrences_are_exceptions_and_sync_lists_them_in_googles_short_form(fake, client):
    cal = fake.calendar(REP)
    series = cal.add_series("Stand-up", at(3, 9), at(3, 10), "RRULE:FREQ=DAILY;COUNT=4", color_id="9", attendees=["ada@globex.example"])
    _, token = listed(client, time_min=at(0, 0))

    moved = cal.move_occurrence(series["id"], at(4, 9), at(4, 15), at(4, 16))
    cal.cancel_occurrence(series["id"], at(5, 9))
    changes, token = listed(client, sync_token=token)

    assert [c["id"] for c in changes] == [moved["id"], gid(series, at(5, 9))]
    assert changes[0]["start"]["dateTime"] == stamp(at(4, 15)) and changes[0]["originalStartTime"]["dateTime"] == stamp(at(4, 9))
    assert changes[0]["id"] == gid(series, at(4, 9)) and changes[0]["summary"] == "Stand-up"
    assert changes[1] == {
        "kind": "calendar#event",
        "etag": changes[1]["etag"],
        "id": gid(series, at(5, 9)),
        "status": "cancelled",
        "recurringEventId": series["id"],
        "originalStartTime": {"dateTime": stamp(at(5, 9)), "timeZone": "UTC"},
    }
    # A full listing no longer shows the cancelled one, and shows the moved one at its new time.
    items, _ = listed(client, time_min=at(0, 0))
    assert [i["start"]["dateTime"] for i in items] == [stamp(at(3, 9)), stamp(at(4, 15)), stamp(at(6, 9))]
    # Unexpanded, the exceptions come beside the series, the cancelled one too.
    unexpanded = raw_list(client, singleEvents=False)["items"]
    assert sorted(e.get("status") for e in unexpanded) == ["cancelled", "confirmed", "confirmed"]

    # A change of the whole series lists every instance again; the moved one keeps its time.
    cal.edit_event(series["id"], summary="Daily stand-up")
    changes, token = listed(client, sync_token=token)
    assert sorted(c["id"] for c in changes) == sorted(gid(series, at(day, 9)) for day in (3, 4, 5, 6))
    renamed = {c["id"]: c for c in changes}
    assert renamed[moved["id"]]["summary"] == "Daily stand-up" and renamed[moved["id"]]["start"]["dateTime"] == stamp(at(4, 15))
    assert renamed[gid(series, at(5, 9))]["status"] == "cancelled"
    assert listed(client, sync_token=token)[0] == []


def test_all_day_events_and_series_use_dates(fake, client):
    cal = fake.calendar(REP)
    offsite = cal.add_all_day("Offsite", at(3, 0).date(), days=2, color_id="9")
    review = cal.add_series("Month end", at(5, 0).date(), at(6, 0).date(), "RRULE:FREQ=MONTHLY;COUNT=2", color_id="9")

    items, _ = listed(client, time_min=at(0, 0))

    by_id = {i["id"]: i for i in items}
    day = lambda n: at(n, 0).date().isoformat()  # noqa: E731
    assert by_id[offsite["id"]]["start"] == {"date": day(3)} and by_id[offsite["id"]]["end"] == {"date": day(5)}
    first = by_id[gid(review, at(5, 0).date())]
    assert first["start"] == {"date": day(5)} and first["end"] == {"date": day(6)} and first["originalStartTime"] == {"date": day(5)}
    next_month = at(5, 0).date().replace(month=at(5, 0).month + 1)
    assert gid(review, next_month) in by_id


def test_a_reply_changes_the_etag_and_comes_back_in_sync(fake, client):
    cal = fake.calendar(REP)
    demo = cal.add_event("Demo", at(3, 10), at(3, 11), color_id="9", attendees=["ada@globex.example", REP])
    series = cal.add_series("1:1", at(3, 14), at(3, 15), "RRULE:FREQ=WEEKLY;COUNT=2", color_id="9", attendees=["bob@globex.example"])
    _, token = listed(client, time_min=at(0, 0))

    cal.respond(demo["id"], "ada@globex.example", "declined")
    cal.respond(cal.instance_id(series["id"], at(10, 14)), "bob@globex.example", "tentative")
    changes, _ = listed(client, sync_token=token)

    replies = {c["id"]: {a["email"]: a["responseStatus"] for a in c["attendees"]} for c in changes}
    assert replies == {demo["id"]: {"ada@globex.example": "declined", REP: "needsAction"}, gid(series, at(10, 14)): {"bob@globex.example": "tentative"}}
    assert [a.get("self") for a in changes[0]["attendees"]] == [None, True]  # self: the calendar this copy is on


def test_an_occurrence_is_changed_and_deleted_through_the_api_with_its_etag(fake, client):
    cal = fake.calendar(REP)
    series = cal.add_series("Sync", at(3, 9), at(3, 10), "RRULE:FREQ=DAILY;COUNT=3")
    instance = cal.instance(series["id"], at(4, 9))

    changed = client.patch_event(instance["id"], {"summary": "Sync (Ada away)"}, etag=instance["etag"])
    assert changed["id"] == instance["id"] and changed["summary"] == "Sync (Ada away)" and changed["etag"] != instance["etag"]
    with pytest.raises(google_errors.PreconditionFailed):
        client.patch_event(instance["id"], {"summary": "stale"}, etag=instance["etag"])
    client.delete_event(instance["id"])
    assert client.get_event(instance["id"])["status"] == "cancelled"
    with pytest.raises(google_errors.Gone):
        client.delete_event(instance["id"])
    with pytest.raises(google_errors.NotFound):
        client.get_event(gid(series, at(3, 10)))  # no occurrence starts then


def test_calendar_list_needs_its_own_scope_and_events_need_theirs(fake, workspace):
    team = fake.add_shared_calendar("Sales team", {REP: "writer", "boss@acme.example": "owner"})
    fake.add_shared_calendar("Holidays", {REP: "reader"})
    fake.add_shared_calendar("Boss's busy times", {REP: "freeBusyReader"})
    events_only = Calendar.for_access_token("tok", workspace.root)
    fake.grant("list-only", REP, scopes=(CALENDAR_LIST_READONLY,))
    list_only = Calendar.for_access_token("list-only", workspace.root)

    with pytest.raises(google_errors.InsufficientScope):
        events_only.list_calendars()
    entries = list_only.list_calendars()
    assert [(e["summary"], e["accessRole"], e.get("primary", False)) for e in entries] == [
        (REP, "owner", True),
        ("Holidays", "reader", False),
        ("Sales team", "writer", False),
    ]
    assert entries[2]["id"] == team.id and entries[2]["id"].endswith("@group.calendar.google.com")
    assert len(list_only.list_calendars(min_access_role="freeBusyReader")) == 4
    with pytest.raises(google_errors.InsufficientScope):
        list_only.on(team.id).list_events()

    team.add_event("Blueberry deal review", at(3, 10), at(3, 11), color_id="9")
    assert [e["summary"] for e in events_only.on(team.id).list_events()["items"]] == ["Blueberry deal review"]


def test_calendars_the_account_cannot_see_or_write_answer_as_google_does(fake, workspace):
    secret = fake.add_shared_calendar("Board", {"boss@acme.example": "owner"})
    holidays = fake.add_shared_calendar("Holidays", {REP: "reader"})
    client = Calendar.for_access_token("tok", workspace.root)
    body = {"summary": "x", "start": {"dateTime": stamp(at(3, 10))}, "end": {"dateTime": stamp(at(3, 11))}}

    with pytest.raises(google_errors.NotFound):
        client.on(secret.id).list_events()
    with pytest.raises(google_errors.GoogleApiError) as raised:
        client.on(holidays.id).insert_event(body)
    assert raised.value.status == 403 and "writer access" in raised.value.message

    # calendar.events.owned covers only calendars the account owns.
    fake.grant("owned", REP, scopes=("calendar.events.owned",))
    owned = Calendar.for_access_token("owned", workspace.root)
    assert owned.list_events()["items"] == []
    with pytest.raises(google_errors.GoogleApiError) as raised:
        owned.on(holidays.id).list_events()
    assert raised.value.status == 403

    # Unshared: gone from the list, its events 404.
    fake.grant("both", REP, scopes=("calendar.events", CALENDAR_LIST_READONLY))
    both = Calendar.for_access_token("both", workspace.root)
    fake.unshare(holidays, REP)
    assert holidays.id not in [e["id"] for e in both.list_calendars()]
    with pytest.raises(google_errors.NotFound):
        both.on(holidays.id).list_events()


def test_a_deleted_series_lists_its_cancelled_occurrences_only_so_far_ahead(fake, client):
    cal = fake.calendar(REP)
    now = datetime.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    series = cal.add_series("Forever weekly", now + datetime.timedelta(days=1), now + datetime.timedelta(days=1, hours=1), "RRULE:FREQ=WEEKLY")
    everything, token = listed(client, time_min=now)
    assert 100 <= len(everything) <= 106  # open-ended: expanded two years ahead

    cal.cancel_event(series["id"])
    changes, _ = listed(client, sync_token=token)

    assert {c["status"] for c in changes} == {"cancelled"} and 25 <= len(changes) <= 28  # about six months of them
    assert listed(client, time_min=now)[0] == []
