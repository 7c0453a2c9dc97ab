"""CRM tasks in Google Tasks: the switch and its scope, two-way completion, edits and deletions, rate limits, paused users."""

import datetime

from threadbook.db import database
from threadbook.models import GoogleTasksLink, User
from threadbook.tasks_sync import due

from ...fakes.google_common import rate_limited
from ...fakes.gtasks import user_rate_limited
from .conftest import REDIRECT, consent_query

REP = "rep@us.example"


def _titles(gtasks, address=REP):
    return sorted(t["title"] for t in gtasks.tasks_in(address))


def test_turning_it_on_without_the_scope_is_needs_scope_and_the_grant_asks_for_tasks_only(team, tasks_google):
    rep = team["rep"]
    refused = rep("put", "/api/v1/me/google-tasks", json={"enabled": True})
    assert refused.status_code == 403 and refused.get_json()["error"] == "needs_scope"
    assert rep("get", "/api/v1/me/google-tasks").get_json()["enabled"] is False

    started = rep("post", "/api/v1/me/google-tasks/connect/start", json={"redirect_uri": REDIRECT}).get_json()
    asked = consent_query(started["authorization_url"])
    assert asked["scope"] == "https://www.googleapis.com/auth/tasks"
    assert (asked["include_granted_scopes"], asked["access_type"], asked["login_hint"]) == ("true", "offline", REP)
    assert tasks_google.calls == []  # nothing asked of Google Tasks before the grant


def test_a_grant_without_the_tasks_box_ticked_is_refused(team, tasks_google):
    rep = team["rep"]
    started = rep("post", "/api/v1/me/google-tasks/connect/start", json={"redirect_uri": REDIRECT}).get_json()
    narrowed = started["authorization_url"].replace("scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Ftasks", "scope=openid")
    code, state = tasks_google.oauth.approve(narrowed)
    answer = rep("post", "/api/v1/me/google-tasks/connect/finish", json={"code": code, "state": state, "redirect_uri": REDIRECT})
    assert answer.status_code == 403 and answer.get_json()["error"] == "needs_scope"
    # Someone else's state is refused too.
    other = team["colleague"]("post", "/api/v1/me/google-tasks/connect/finish", json={"code": "x", "state": state, "redirect_uri": REDIRECT})
    assert other.status_code == 400 and other.get_json()["field"] == "state"


def test_tasks_reach_the_threadbook_list_and_edits_and_deletions_follow(team, tasks_google):
    rep = team["rep"]
    early = rep("post", "/api/v1/tasks", json={"title": "Before the switch", "due_date": "2026-03-02", "due_time": "09:15"}).get_json()
    assert tasks_google.calls == []  # off: not one call

    on = team["rep"].grant_tasks()
    assert on.status_code == 200, on.get_json()
    state = on.get_json()
    assert (state["enabled"], state["status"], state["granted"], state["last_error"]) == (True, "active", True, None)
    assert [tl["title"] for tl in tasks_google.lists_of(REP)] == ["Threadbook"]
    copy = tasks_google.tasks_in(REP)[0]
    assert (copy["title"], copy["due"], copy["status"]) == ("Before the switch", "2026-03-02T00:00:00.000Z", "needsAction")
    assert "Due at 09:15" in copy["notes"]
    assert rep("get", f"/api/v1/tasks/{early['id']}").get_json()["in_google_tasks"] is True

    later = rep("post", "/api/v1/tasks", json={"title": "Call Ada"}).get_json()
    assert _titles(tasks_google) == ["Before the switch", "Call Ada"]
    rep("patch", f"/api/v1/tasks/{later['id']}", json={"title": "Call Ada back", "due_date": "2026-04-01"})
    assert _titles(tasks_google) == ["Before the switch", "Call Ada back"]
    rep("delete", f"/api/v1/tasks/{early['id']}")
    assert _titles(tasks_google) == ["Call Ada back"]
    # A second run finds the list again by its stored id: one list, nothing duplicated.
    rep("post", "/api/v1/me/google-tasks/sync")
    assert len(tasks_google.lists_of(REP)) == 1 and _titles(tasks_google) == ["Call Ada back"]


def test_completion_in_either_place_completes_both(team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    there = rep("post", "/api/v1/tasks", json={"title": "Done in Google"}).get_json()
    here = rep("post", "/api/v1/tasks", json={"title": "Done in the CRM"}).get_json()

    tasks_google.complete(REP, "Done in Google")  # Google's apps also hide it: read back with showHidden
    assert rep("get", f"/api/v1/tasks/{there['id']}").get_json()["done"] is False  # not until a sync
    assert rep("post", "/api/v1/me/google-tasks/sync").status_code == 202
    synced = rep("get", f"/api/v1/tasks/{there['id']}").get_json()
    assert synced["done"] is True and synced["done_at"]

    rep("patch", f"/api/v1/tasks/{here['id']}", json={"done": True})
    assert tasks_google.find(REP, "Done in the CRM")["status"] == "completed"
    # Reopened in Google: reopened in the CRM at the next sync.
    tasks_google.reopen(REP, "Done in Google")
    rep("post", "/api/v1/me/google-tasks/sync")
    assert rep("get", f"/api/v1/tasks/{there['id']}").get_json()["done"] is False
    assert rep("get", f"/api/v1/tasks/{here['id']}").get_json()["done"] is True


def test_a_task_deleted_in_google_is_not_put_back(team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    task = rep("post", "/api/v1/tasks", json={"title": "Not wanted there"}).get_json()
    tasks_google.delete(REP, "Not wanted there")
    rep("post", "/api/v1/me/google-tasks/sync")
    kept = rep("get", f"/api/v1/tasks/{task['id']}").get_json()
    assert (kept["title"], kept["deleted_in_google"], kept["in_google_tasks"]) == ("Not wanted there", True, False)
    rep("patch", f"/api/v1/tasks/{task['id']}", json={"title": "Still not wanted there"})
    rep("post", "/api/v1/me/google-tasks/sync")
    assert _titles(tasks_google) == []


def test_a_deleted_list_turns_the_switch_off_and_saying_so(team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    rep("post", "/api/v1/tasks", json={"title": "One"})
    tasks_google.delete_list(REP)
    rep("post", "/api/v1/me/google-tasks/sync")
    state = rep("get", "/api/v1/me/google-tasks").get_json()
    assert state["enabled"] is False and "deleted in Google Tasks" in state["last_error"]
    assert tasks_google.lists_of(REP) == []
    # Turning it on again makes a new list with the open tasks.
    assert rep("put", "/api/v1/me/google-tasks", json={"enabled": True}).status_code == 200
    assert _titles(tasks_google) == ["One"]


def test_an_existing_threadbook_list_is_adopted(team, tasks_google):
    tasks_google.add_list(REP, "Threadbook")
    tasks_google.add_list(REP, "Groceries")
    team["rep"].grant_tasks()
    assert sorted(tl["title"] for tl in tasks_google.lists_of(REP)) == ["Groceries", "Threadbook"]


def test_rate_limits_back_off_and_make_no_calls_until_due(app, team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    for error in (rate_limited(retry_after=120), user_rate_limited()):
        tasks_google.fail(error, path_contains="/lists/")
        rep("post", "/api/v1/me/google-tasks/sync")
        state = rep("get", "/api/v1/me/google-tasks").get_json()
        assert state["retry_after"] and "slow down" in state["last_error"]
        before = len(tasks_google.calls)
        rep("post", "/api/v1/me/google-tasks/sync")
        rep("post", "/api/v1/tasks", json={"title": "Waits for the back-off"})
        assert len(tasks_google.calls) == before  # backing off: zero calls
        with app.app_context():
            database.connect(reuse_if_open=True)
            link = GoogleTasksLink.get(GoogleTasksLink.user == rep.user.id)
            assert link.retry_after - link.last_run_at >= datetime.timedelta(seconds=30)
            GoogleTasksLink.update(retry_after=None).execute()
    rep("post", "/api/v1/me/google-tasks/sync")
    assert rep("get", "/api/v1/me/google-tasks").get_json()["last_error"] is None
    assert _titles(tasks_google) == ["Waits for the back-off", "Waits for the back-off"]


def test_paused_or_switched_off_users_make_zero_google_calls(app, team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    rep("put", "/api/v1/me/google-tasks", json={"enabled": False})
    before = len(tasks_google.calls)
    rep("post", "/api/v1/tasks", json={"title": "Off"})
    assert rep("post", "/api/v1/me/google-tasks/sync").status_code == 409
    assert len(tasks_google.calls) == before

    rep("put", "/api/v1/me/google-tasks", json={"enabled": True})
    with app.app_context():
        database.connect(reuse_if_open=True)
        User.update(sync_paused=True).where(User.id == rep.user.id).execute()
    before = len(tasks_google.calls)
    rep("post", "/api/v1/tasks", json={"title": "Paused"})
    rep("post", "/api/v1/me/google-tasks/sync")
    assert len(tasks_google.calls) == before


def test_a_revoked_grant_asks_to_turn_it_on_again(team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    tasks_google.oauth.revoke_user(REP)
    tasks_google.oauth.expire_access_tokens()
    rep("post", "/api/v1/me/google-tasks/sync")
    state = rep("get", "/api/v1/me/google-tasks").get_json()
    assert state["status"] == "needs_reconnect" and "turn Google Tasks on again" in state["last_error"]
    assert rep("put", "/api/v1/me/google-tasks", json={"enabled": True}).get_json()["error"] == "needs_scope"


def test_a_task_given_to_a_colleague_moves_to_their_list(team, tasks_google):
    rep, colleague, admin = team["rep"], team["colleague"], team["admin"]
    rep.grant_tasks()
    colleague.grant_tasks()
    task = rep("post", "/api/v1/tasks", json={"title": "Hand over"}).get_json()
    assert admin("patch", f"/api/v1/tasks/{task['id']}", json={"owner_id": colleague.user.id}).status_code == 200
    assert _titles(tasks_google) == [] and _titles(tasks_google, "col@us.example") == ["Hand over"]


def test_is_due_by_the_tasks_schedule(app, team):
    rep = team["rep"]
    rep.grant_tasks()
    with app.app_context():
        database.connect(reuse_if_open=True)
        link = GoogleTasksLink.get(GoogleTasksLink.user == rep.user.id)
        user, org = link.user, link.org
        ran = link.last_run_at
        # The organisation's default, 10 minutes (less the half-tick grace: sync_schedules.GRACE).
        assert not due.is_due(link, user, org, now=ran + datetime.timedelta(minutes=7))
        assert due.is_due(link, user, org, now=ran + datetime.timedelta(minutes=8))
        assert due.users_due(now=ran + datetime.timedelta(minutes=8)) == [rep.user.id]
        user.tasks_schedule = "2h"
        assert not due.is_due(link, user, org, now=ran + datetime.timedelta(minutes=100))
        assert due.is_due(link, user, org, now=ran + datetime.timedelta(hours=2))
        user.tasks_schedule = "manual"
        assert not due.is_due(link, user, org, now=ran + datetime.timedelta(days=30))
        user.tasks_schedule = None
        link.enabled = False
        assert not due.is_due(link, user, org, now=ran + datetime.timedelta(hours=5))


def test_a_run_with_nothing_changed_writes_nothing_to_google(team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    for n in range(3):
        rep("post", "/api/v1/tasks", json={"title": f"Task {n}"})
    tasks_google.complete(REP, "Task 1")
    rep("post", "/api/v1/me/google-tasks/sync")  # reads the completion back; Google already has it: no push
    before = len(tasks_google.calls)
    rep("post", "/api/v1/me/google-tasks/sync")
    assert [method for method, _, _ in tasks_google.calls[before:]] == ["GET", "GET"]  # the list, then what changed


def test_the_periodic_fan_out_runs_due_users_and_calls_nothing_for_paused_ones(app, team, tasks_google):
    from threadbook.jobs import tasks as jobs

    rep, colleague = team["rep"], team["colleague"]
    rep.grant_tasks()
    colleague.grant_tasks()
    rep("post", "/api/v1/tasks", json={"title": "Rep's"})
    with app.app_context():
        database.connect(reuse_if_open=True)
        User.update(sync_paused=True).where(User.id == colleague.user.id).execute()
        GoogleTasksLink.update(last_run_at=None).execute()  # both due
        tasks_google.account_calls.clear()
        assert jobs.schedule_google_tasks_syncs.call_local() == 1
    assert tasks_google.calls_for(REP) and tasks_google.calls_for("col@us.example") == []


def _task(rep, task_id):
    return rep("get", f"/api/v1/tasks/{task_id}").get_json()


def test_title_notes_and_due_date_edited_in_google_come_back(team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    task = rep("post", "/api/v1/tasks", json={"title": "Call Ada", "notes": "About the pilot", "due_date": "2026-03-02", "due_time": "09:15"}).get_json()
    copy = tasks_google.find(REP, "Call Ada")
    assert copy["notes"] == "About the pilot\n\nDue at 09:15 (Threadbook)"

    # On her phone the rep renames it, rewrites the notes (keeping Threadbook's time line) and moves it a day.
    tasks_google.edit(REP, "Call Ada", title="Call Ada and Bob", notes="Pilot and pricing\n\nDue at 09:15 (Threadbook)", due="2026-03-03T00:00:00.000Z")
    assert _task(rep, task["id"])["title"] == "Call Ada"  # not until a sync
    rep("post", "/api/v1/me/google-tasks/sync")
    synced = _task(rep, task["id"])
    assert (synced["title"], synced["notes"], synced["due_date"], synced["due_time"]) == ("Call Ada and Bob", "Pilot and pricing", "2026-03-03", "09:15")

    # Taken in, not pushed back over itself: the copy is as the rep left it, and the next run changes nothing.
    assert tasks_google.find(REP, "Call Ada and Bob")["notes"] == "Pilot and pricing\n\nDue at 09:15 (Threadbook)"
    before = len(tasks_google.calls)
    rep("post", "/api/v1/me/google-tasks/sync")
    assert [method for method, _, _ in tasks_google.calls[before:]] == ["GET", "GET"]

    # A later CRM edit goes to Google with what was taken in.
    rep("patch", f"/api/v1/tasks/{task['id']}", json={"due_time": "10:00"})
    assert tasks_google.find(REP, "Call Ada and Bob")["notes"] == "Pilot and pricing\n\nDue at 10:00 (Threadbook)"


def test_an_emptied_title_keeps_the_crms_and_a_removed_date_takes_the_time_with_it(team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    task = rep("post", "/api/v1/tasks", json={"title": "Send the quote", "due_date": "2026-05-01", "due_time": "16:00"}).get_json()
    tasks_google.edit(REP, "Send the quote", title="", due=None)
    rep("post", "/api/v1/me/google-tasks/sync")
    synced = _task(rep, task["id"])
    assert (synced["title"], synced["due_date"], synced["due_time"], synced["notes"]) == ("Send the quote", None, None, "")
    # Google's copy gets the title back, and no time line for a time the task no longer has.
    copy = tasks_google.find(REP, "Send the quote")
    assert "due" not in copy and "Due at" not in (copy.get("notes") or "")


def test_the_later_change_wins_when_both_sides_edited(app, team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    task = rep("post", "/api/v1/tasks", json={"title": "Book the demo"}).get_json()
    tasks_google.edit(REP, "Book the demo", title="Book the demo room")
    rep("patch", f"/api/v1/tasks/{task['id']}", json={"title": "Book the demo for Ada"})  # after Google's edit, pushed at once
    rep("post", "/api/v1/me/google-tasks/sync")
    assert _task(rep, task["id"])["title"] == "Book the demo for Ada"
    assert _titles(tasks_google) == ["Book the demo for Ada"]


def test_only_what_the_crm_allows_is_taken_from_google(team, tasks_google):
    rep = team["rep"]
    rep.grant_tasks()
    task = rep("post", "/api/v1/tasks", json={"title": "Short"}).get_json()
    tasks_google.edit(REP, "Short", title="T" * 900, notes="n" * 9000)
    rep("post", "/api/v1/me/google-tasks/sync")
    synced = _task(rep, task["id"])
    assert (len(synced["title"]), len(synced["notes"])) == (500, 8000)  # the API's own limits
    # The CRM can still change it: the kept values pass its own checks.
    assert rep("patch", f"/api/v1/tasks/{task['id']}", json={"title": synced["title"]}).status_code == 200
