"""Mailbox health in words a person can act on, for the user, for administrators, and in the toolbar's alerts."""

import pytest

from ..support.sync import ago, connect, run_sync


@pytest.fixture
def box(google, rep):
    return google.state.add_mailbox(rep.email)


def test_a_healthy_mailbox_says_when_it_runs_next_and_counts_today(app, client, factory, google, rep, box):
    box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], date=ago(hours=1))
    box.add_message(sender="News <noreply@news.example>", to=[rep.email], date=ago(hours=1), extra_headers=[("List-Unsubscribe", "<mailto:u@news.example>")])
    run_sync(app, connect(app, google, rep).id)

    health = client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()["health"]

    assert health["state"] == "active" and health["broken"] is False and health["message"] is None
    assert health["last_success_at"] and health["next_run_at"] and health["last_error"] is None
    assert health["today"] == {"stored": 1, "filtered": 1, "failed": 0}
    assert health["calendars"] == []


def test_a_revoked_grant_reads_as_an_action_for_the_user_and_the_admin(app, client, factory, google, rep, admin, box):
    box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], date=ago(hours=1))
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    google.oauth.revoke_user(rep.email)
    run_sync(app, mailbox.id)

    health = client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()["health"]
    assert health["needs_reconnect"] and health["broken"] and health["action"] == "reconnect"
    assert health["message"].startswith("Google revoked access on ") and health["message"].endswith(": reconnect Gmail.")
    assert health["last_error"]["at"] and health["next_run_at"] is None

    alerts = client.get("/api/v1/me/alerts", headers=factory.headers(rep)).get_json()
    assert alerts["sync"]["broken"] is True and alerts["sync"]["action"] == "reconnect"

    listing = client.get("/api/v1/org/mailboxes", headers=factory.headers(admin)).get_json()
    [theirs] = [m for m in listing["mailboxes"] if m["user_id"] == rep.id]
    assert theirs["health"]["needs_reconnect"] and "reconnect Gmail" in theirs["health"]["message"]
    assert client.get("/api/v1/org/mailboxes", headers=factory.headers(rep)).status_code == 403  # members see only their own


@pytest.mark.parametrize(
    "setup, action",
    [(lambda c, h: None, "connect"), (lambda c, h: c.post("/api/v1/mailbox/pause", headers=h), "resume")],
)
def test_states_that_are_choices_say_what_to_do_without_an_alarm(app, client, factory, google, rep, box, setup, action):
    headers = factory.headers(rep)
    if action == "resume":
        connect(app, google, rep)
    setup(client, headers)

    alerts = client.get("/api/v1/me/alerts", headers=headers).get_json()

    assert alerts["sync"]["action"] == action and alerts["sync"]["broken"] is False


def test_each_chosen_calendar_shows_its_health_to_the_user_and_the_admin(app, client, factory, google, rep, admin, box):
    from threadbook.db import database
    from threadbook.models import SyncedCalendar, utcnow

    connect(app, google, rep)
    with app.app_context(), database.connection_context():
        SyncedCalendar.create(org=rep.org_id, user=rep.id, calendar_id="primary", access_role="owner", selected=True, last_synced_at=utcnow())
        SyncedCalendar.create(
            org=rep.org_id,
            user=rep.id,
            calendar_id="team@group.calendar.google.com",
            summary="Sales team",
            access_role="reader",
            selected=True,
            last_error="Google no longer shares Sales team with you: choose your calendars again.",
            last_error_at=utcnow(),
        )
        SyncedCalendar.create(org=rep.org_id, user=rep.id, calendar_id="holidays@group.calendar.google.com", summary="Holidays", selected=False)

    mine = client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()["health"]["calendars"]
    assert [(c["id"], c["state"]) for c in mine] == [("primary", "ok"), ("team@group.calendar.google.com", "failing")]
    assert mine[1]["last_error"].startswith("Google no longer shares Sales team")

    listing = client.get("/api/v1/org/mailboxes", headers=factory.headers(admin)).get_json()
    [theirs] = [m for m in listing["mailboxes"] if m["user_id"] == rep.id]
    assert [c["state"] for c in theirs["health"]["calendars"]] == ["ok", "failing"]
    [own] = [m for m in listing["mailboxes"] if m["user_id"] == admin.id]
    assert own["health"]["calendars"] == []
