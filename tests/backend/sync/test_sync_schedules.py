"""Sync schedules: who is due (time injected, no sleeping), the periodic fan-outs, the settings API and "Sync now" for every kind."""

import datetime

import pytest

from threadbook.db import database
from threadbook.identity import sync_schedules
from threadbook.jobs import queue, tasks
from threadbook.models import Email, Organization, SyncRun, User, utcnow
from threadbook.sync.due import mailboxes_due

from ..support.sync import ago

NOW = datetime.datetime(2026, 3, 14, 9, 0)


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


@pytest.fixture
def acme(factory):
    return factory.org(name="Acme", domain="acme.example")


@pytest.fixture
def admin(factory, acme):
    return factory.user(acme, email="boss@acme.example", role="admin")


@pytest.fixture
def rep(app, factory, workspace, acme):
    user = factory.user(acme, email="rep@acme.example")
    workspace.connect(app, user)
    return user


def before(**delta):
    """A naive UTC time that long ago, as the database stores times (utcnow)."""
    return utcnow() - datetime.timedelta(**delta)


def minutes(n):
    return NOW - datetime.timedelta(minutes=n)


# -- the rule -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("schedule", "last_run", "due"),
    [
        ("10m", None, True),
        ("10m", minutes(9), True),  # finished just after the last tick: due at the next one, not the one after
        ("10m", minutes(7), False),
        ("10m", minutes(4), False),
        ("30m", minutes(28), True),
        ("30m", minutes(25), False),
        ("2h", minutes(118), True),
        ("2h", minutes(100), False),
        ("2h", minutes(60 * 24), True),
        ("manual", None, False),  # manual never runs by itself, not even the first time
        ("manual", minutes(60 * 24 * 30), False),
    ],
)
def test_due_by_each_choice(schedule, last_run, due):
    assert sync_schedules.due_by(schedule, last_run, NOW) is due


def test_the_users_choice_overrides_the_organisations_default_per_kind(factory, acme, db):
    Organization.update(mail_schedule="2h", calendar_schedule="30m").where(Organization.id == acme.id).execute()
    user = factory.user(acme, mail_schedule="manual")

    assert sync_schedules.effective_schedule(user.id, "mail") == "manual"
    assert sync_schedules.effective_schedule(user.id, "calendar") == "30m"
    assert sync_schedules.effective_schedule(user.id, "contacts") == "10m"
    assert sync_schedules.effective_schedule(user.id, "tasks") == "10m"
    assert sync_schedules.is_due(user.id, "mail", None, NOW) is False
    assert sync_schedules.is_due(user.id, "calendar", minutes(29), NOW) is True
    assert sync_schedules.is_due(user.id, "calendar", minutes(20), NOW) is False
    assert sync_schedules.effective_direction(user.id) == "two_way"
    with pytest.raises(sync_schedules.UnknownKind):
        sync_schedules.effective_schedule(user.id, "faxes")


# -- the fan-out query -----------------------------------------------------------------------
def test_the_due_query_agrees_with_the_rule_for_many_users_in_one_statement(app, factory, db, monkeypatch):
    orgs = [factory.org(domain=f"o{n}.example", mail_schedule=s) for n, s in enumerate(("10m", "30m", "2h", "manual"))]
    choices = (None, "10m", "30m", "2h", "manual")
    runs = (None, 5, 9, 29, 60, 119, 600)
    users = []
    for n in range(240):
        org = orgs[n % len(orgs)]
        user = factory.user(org, email=f"u{n}@{org.domain}", mail_schedule=choices[n % len(choices)])
        last = runs[n % len(runs)]
        if last is not None:
            SyncRun.create(org=org.id, user=user.id, kind="mail", last_run_at=minutes(last))
        users.append((user.id, last))
    expected = {uid for uid, last in users if sync_schedules.is_due(uid, "mail", None if last is None else minutes(last), NOW)}

    statements = []
    real = database.obj.execute_sql
    monkeypatch.setattr(database.obj, "execute_sql", lambda sql, *a, **k: statements.append(sql) or real(sql, *a, **k))
    due = {uid for (uid,) in sync_schedules.due_user_ids("mail", NOW).tuples()}

    assert due == expected and 0 < len(due) < len(users)
    assert len(statements) == 1


def test_mailboxes_due_skips_users_not_due_and_manual_ones_in_one_query(app, factory, workspace, acme, db, monkeypatch):
    people = {name: factory.user(acme, email=f"{name}@acme.example") for name in ("never", "recent", "old", "manual")}
    boxes = {name: workspace.connect(app, user).id for name, user in people.items()}
    User.update(mail_schedule="manual").where(User.id == people["manual"].id).execute()
    for name, last in (("recent", 3), ("old", 45), ("manual", 600)):
        SyncRun.create(org=acme.id, user=people[name].id, kind="mail", last_run_at=minutes(last))
    Organization.update(mail_schedule="30m").where(Organization.id == acme.id).execute()

    statements = []
    real = database.obj.execute_sql
    monkeypatch.setattr(database.obj, "execute_sql", lambda sql, *a, **k: statements.append(sql) or real(sql, *a, **k))
    scheduled = set(mailboxes_due(by_schedule=True, now=NOW))
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    assert scheduled == {boxes["never"], boxes["old"]}
    assert len(selects) == 2  # the service-account check, then one query for every mailbox
    # The label round and reconciliation leave manual users alone, whatever their last run.
    assert boxes["manual"] not in mailboxes_due() and boxes["recent"] in mailboxes_due()


def test_the_tick_runs_a_mailbox_once_per_interval_and_never_a_manual_one(app, workspace, factory, acme, db):
    rep = factory.user(acme, email="rep@acme.example")
    workspace.connect(app, rep)
    box = workspace.gmail.mailbox(rep.email)
    box.add_message(sender="Ada <ada@customer.example>", to=[rep.email], subject="Hello", date=ago(days=1))
    tasks.bind_app(app)

    assert tasks.schedule_syncs.call_local() == 1  # never ran: due
    assert Email.select().count() == 1
    assert tasks.schedule_syncs.call_local() == 0  # just ran: not due for 10 minutes
    SyncRun.update(last_run_at=before(minutes=9)).execute()
    assert tasks.schedule_syncs.call_local() == 1

    User.update(mail_schedule="manual").where(User.id == rep.id).execute()
    SyncRun.update(last_run_at=before(days=30)).execute()
    box.add_message(sender="Ada <ada@customer.example>", to=[rep.email], subject="Again", date=ago(minutes=1))
    assert tasks.schedule_syncs.call_local() == 0
    assert Email.select().count() == 1


def test_the_calendar_tick_asks_who_is_due(app, workspace, factory, acme, rep, db):
    tasks.bind_app(app)
    assert tasks.schedule_calendar_syncs.call_local() == 1
    assert SyncRun.get((SyncRun.user == rep.id) & (SyncRun.kind == "calendar")).last_run_at is not None
    assert tasks.schedule_calendar_syncs.call_local() == 0
    User.update(calendar_schedule="2h").where(User.id == rep.id).execute()
    SyncRun.update(last_run_at=before(minutes=100)).where(SyncRun.kind == "calendar").execute()
    assert tasks.schedule_calendar_syncs.call_local() == 0
    SyncRun.update(last_run_at=before(minutes=119)).where(SyncRun.kind == "calendar").execute()
    assert tasks.schedule_calendar_syncs.call_local() == 1


# -- the settings API -----------------------------------------------------------------------
def test_a_member_chooses_their_own_schedules_and_direction(client, factory, admin, rep, db):
    headers = factory.headers(rep)
    before = client.get("/api/v1/me/sync-schedule", headers=headers).get_json()
    assert before["schedules"]["mail"] == {"schedule": "10m", "choice": None, "org_default": "10m", "last_run_at": None, "sync_queued": False}
    assert set(before["schedules"]) == {"mail", "calendar", "contacts", "tasks"}
    assert before["calendar_direction"] == {"direction": "two_way", "choice": None, "org_default": "two_way"}

    changed = client.put("/api/v1/me/sync-schedule", json={"mail_schedule": "manual", "calendar_direction": "one_way"}, headers=headers)
    org = client.patch("/api/v1/org", json={"mail_schedule": "2h", "calendar_schedule": "30m"}, headers=factory.headers(admin))
    after = client.get("/api/v1/me/sync-schedule", headers=headers).get_json()

    assert changed.status_code == 200 and org.status_code == 200, (changed.get_json(), org.get_json())
    assert org.get_json()["mail_schedule"] == "2h" and org.get_json()["calendar_direction"] == "two_way"
    assert after["schedules"]["mail"]["schedule"] == "manual" and after["schedules"]["mail"]["org_default"] == "2h"
    assert after["schedules"]["calendar"] == {**before["schedules"]["calendar"], "schedule": "30m", "org_default": "30m"}
    assert after["calendar_direction"] == {"direction": "one_way", "choice": "one_way", "org_default": "two_way"}
    # null follows the organisation again
    reset = client.put("/api/v1/me/sync-schedule", json={"mail_schedule": None}, headers=headers).get_json()
    assert reset["schedules"]["mail"] == {**after["schedules"]["mail"], "schedule": "2h", "choice": None}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mail_schedule": "5m"}, "mail_schedule"),
        ({"tasks_schedule": 10}, "tasks_schedule"),
        ({"calendar_direction": "both"}, "calendar_direction"),
        ({"mail_schedule": "10m", "colour": "red"}, None),
        ({}, None),
    ],
)
def test_bad_values_are_a_400_naming_the_field_and_the_choices(client, factory, rep, body, field, db):
    response = client.put("/api/v1/me/sync-schedule", json=body, headers=factory.headers(rep))

    assert response.status_code == 400, response.get_json()
    if field:
        answer = response.get_json()
        assert answer["field"] == field and field in answer["message"]
        allowed = "two_way, one_way" if field == "calendar_direction" else "10m, 30m, 2h, manual"
        assert allowed in answer["message"]
    assert User.get_by_id(rep.id).mail_schedule is None


@pytest.mark.parametrize("body", [{"mail_schedule": "hourly"}, {"mail_schedule": None}, {"calendar_direction": "sideways"}])
def test_bad_organisation_defaults_are_a_400(client, factory, admin, body, db):
    response = client.patch("/api/v1/org", json=body, headers=factory.headers(admin))

    assert response.status_code == 400 and response.get_json()["field"] == next(iter(body))
    assert "10m, 30m, 2h, manual" in response.get_json()["message"] or "two_way, one_way" in response.get_json()["message"]


def test_a_member_cannot_change_the_organisations_defaults(client, factory, acme, rep, db):
    response = client.patch("/api/v1/org", json={"mail_schedule": "manual"}, headers=factory.headers(rep))

    assert response.status_code == 403
    assert Organization.get_by_id(acme.id).mail_schedule == "10m"


# -- Sync now -------------------------------------------------------------------------------
def test_sync_now_runs_a_manual_mailbox(app, client, factory, workspace, rep, db):
    workspace.gmail.mailbox(rep.email).add_message(sender="Ada <ada@customer.example>", to=[rep.email], subject="Hello", date=ago(days=1))
    headers = factory.headers(rep)
    client.put("/api/v1/me/sync-schedule", json={"mail_schedule": "manual"}, headers=headers)
    tasks.bind_app(app)
    assert tasks.schedule_syncs.call_local() == 0 and Email.select().count() == 0

    response = client.post("/api/v1/me/sync", json={"kind": "mail"}, headers=headers)

    assert response.status_code == 202
    assert response.get_json() == {"kind": "mail", "queued": True, "already_queued": False}
    assert Email.select().count() == 1  # the queue runs at once in tests
    assert client.get("/api/v1/me/sync-schedule", headers=headers).get_json()["schedules"]["mail"]["last_run_at"]


def test_sync_now_of_the_calendar_imports_its_events(client, factory, workspace, rep, db):
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    workspace.calendar.calendar(rep.email).add_event("Demo", start, start + datetime.timedelta(hours=1), color_id="9")

    response = client.post("/api/v1/me/sync", json={"kind": "calendar"}, headers=factory.headers(rep))

    assert response.status_code == 202 and response.get_json()["kind"] == "calendar"
    assert SyncRun.get((SyncRun.user == rep.id) & (SyncRun.kind == "calendar")).last_run_at is not None
    assert workspace.calendar.calls_for(rep.email)


@pytest.mark.parametrize("kind", ["mail", "calendar"])
def test_repeated_clicks_queue_one_job(client, factory, rep, kind, monkeypatch, db):
    queued = []
    monkeypatch.setattr(queue, "enqueue", lambda name, *args, **kw: queued.append((name, args)))
    headers = factory.headers(rep)

    answers = [client.post("/api/v1/me/sync", json={"kind": kind}, headers=headers) for _ in range(3)]

    assert [a.status_code for a in answers] == [202, 202, 202]
    assert [a.get_json()["already_queued"] for a in answers] == [False, True, True]
    assert len(queued) == 1
    assert client.get("/api/v1/me/sync-schedule", headers=headers).get_json()["schedules"][kind]["sync_queued"] is True
    # Once that run has happened, the next click queues again.
    sync_schedules.record_run(rep.id, kind)
    assert client.post("/api/v1/me/sync", json={"kind": kind}, headers=headers).get_json()["already_queued"] is False
    assert len(queued) == 2


def test_a_lost_request_does_not_block_sync_now_for_ever(rep, db):
    assert sync_schedules.request_run(rep, "mail", now=NOW) is True
    assert sync_schedules.request_run(rep, "mail", now=NOW + datetime.timedelta(minutes=5)) is False
    assert sync_schedules.request_run(rep, "mail", now=NOW + datetime.timedelta(minutes=11)) is True


@pytest.mark.parametrize("kind", ["mail", "calendar"])
def test_sync_now_when_paused_or_disabled_is_a_409_saying_why(client, factory, acme, rep, kind, db):
    headers = factory.headers(rep)
    User.update(sync_paused=True).where(User.id == rep.id).execute()
    paused = client.post("/api/v1/me/sync", json={"kind": kind}, headers=headers)
    User.update(sync_paused=False).where(User.id == rep.id).execute()
    Organization.update(sync_enabled=False).where(Organization.id == acme.id).execute()
    disabled = client.post("/api/v1/me/sync", json={"kind": kind}, headers=headers)

    assert paused.status_code == 409 and paused.get_json()["error"] == "sync_paused" and "resume" in paused.get_json()["message"]
    assert disabled.status_code == 409 and disabled.get_json()["error"] == "sync_disabled" and "administrator" in disabled.get_json()["message"]
    assert not SyncRun.select().where(SyncRun.requested_at.is_null(False)).exists()


def test_sync_now_refusals_for_kinds_and_missing_connections(client, factory, acme, db):
    loner = factory.user(acme, email="loner@acme.example")
    headers = factory.headers(loner)

    mail = client.post("/api/v1/me/sync", json={"kind": "mail"}, headers=headers)
    calendar = client.post("/api/v1/me/sync", json={"kind": "calendar"}, headers=headers)
    contacts = client.post("/api/v1/me/sync", json={"kind": "contacts"}, headers=headers)
    tasks = client.post("/api/v1/me/sync", json={"kind": "tasks"}, headers=headers)
    unknown = client.post("/api/v1/me/sync", json={"kind": "faxes"}, headers=headers)

    assert mail.status_code == 404
    assert calendar.status_code == 409 and calendar.get_json()["error"] == "calendar_not_connected"
    assert contacts.status_code == 409 and contacts.get_json()["error"] == "not_enabled" and "turn it on" in contacts.get_json()["message"]
    assert tasks.status_code == 409 and tasks.get_json()["error"] == "google_tasks_off" and "turn it on" in tasks.get_json()["message"]
    assert unknown.status_code == 400 and unknown.get_json()["field"] == "kind" and "mail, calendar, contacts, tasks" in unknown.get_json()["message"]


def test_the_mailbox_health_names_the_next_run_by_the_schedule(client, factory, rep, db):
    headers = factory.headers(rep)
    SyncRun.create(org=rep.org_id, user=rep.id, kind="mail", last_run_at=before(minutes=5))
    User.update(mail_schedule="2h").where(User.id == rep.id).execute()

    two_hours = client.get("/api/v1/mailbox", headers=headers).get_json()["health"]["next_run_at"]
    User.update(mail_schedule="manual").where(User.id == rep.id).execute()
    manual = client.get("/api/v1/mailbox", headers=headers).get_json()["health"]["next_run_at"]

    next_run = datetime.datetime.fromisoformat(two_hours.replace("Z", "+00:00")).replace(tzinfo=None)
    expected = before(minutes=5) + datetime.timedelta(hours=2) - sync_schedules.GRACE
    assert expected <= next_run <= expected + datetime.timedelta(minutes=5, seconds=5)
    assert next_run.minute % 5 == 0 and next_run.second == 0  # a tick of the periodic schedule
    assert manual is None


def test_a_manual_schedule_also_keeps_the_tracked_replies_check_away(app, rep, db):
    from threadbook.mail.sending import users_with_tracked_threads
    from threadbook.models import TrackedThread

    TrackedThread.create(org=rep.org_id, user=rep.id, gmail_thread_id="18c2a0f5b7e40001")
    with app.app_context():
        assert users_with_tracked_threads() == [rep.id]
        User.update(mail_schedule="manual").where(User.id == rep.id).execute()
        assert users_with_tracked_threads() == []


def test_an_admin_lock_makes_everyone_follow_the_organisation(client, factory, admin, rep, db, monkeypatch):
    headers = factory.headers(rep)
    client.put("/api/v1/me/sync-schedule", json={"mail_schedule": "manual", "calendar_direction": "one_way"}, headers=headers)
    member_try = client.patch("/api/v1/org", json={"sync_schedules_locked": True}, headers=headers)
    locked = client.patch("/api/v1/org", json={"sync_schedules_locked": True, "mail_schedule": "30m"}, headers=factory.headers(admin))

    answer = client.get("/api/v1/me/sync-schedule", headers=headers).get_json()
    refused = client.put("/api/v1/me/sync-schedule", json={"mail_schedule": "2h"}, headers=headers)
    queued = []
    monkeypatch.setattr(queue, "enqueue", lambda name, *args, **kw: queued.append(name))
    sync_now = client.post("/api/v1/me/sync", json={"kind": "mail"}, headers=headers)

    assert member_try.status_code == 403
    assert locked.status_code == 200 and locked.get_json()["sync_schedules_locked"] is True
    assert answer["locked"] is True
    assert answer["schedules"]["mail"]["schedule"] == "30m" and answer["schedules"]["mail"]["choice"] == "manual"  # kept for later
    assert answer["calendar_direction"]["direction"] == "two_way"
    assert refused.status_code == 409 and refused.get_json()["error"] == "schedules_locked" and "administrator" in refused.get_json()["message"]
    assert sync_schedules.effective_schedule(rep.id, "mail") == "30m"
    assert rep.id in {uid for (uid,) in sync_schedules.due_user_ids("mail").tuples()}  # the query follows the lock too
    assert sync_now.status_code == 202 and queued == ["sync_mailbox"]  # Sync now is still the user's
    client.patch("/api/v1/org", json={"sync_schedules_locked": False}, headers=factory.headers(admin))
    assert sync_schedules.effective_schedule(rep.id, "mail") == "manual"
