"""Which contacts are copied (filters, the organisation's walls), bad inputs, back-off on rate limits, pause and disconnect."""

import datetime

import pytest

from threadbook.contacts_sync import due
from threadbook.contacts_sync.run import sync_user
from threadbook.db import database
from threadbook.models import GoogleContactsSync, Mailbox, User, utcnow

from ...fakes.gpeople import rate_limited
from .conftest import REP
from .helpers import change, choice, new_contact, sync_now, turn_on


def test_all_copies_every_contact_the_user_may_see_and_never_another_organisations(client, factory, crew, google_contacts):
    rep = crew["rep"]
    new_contact(client, factory, rep, "ada@ext.example", "Ada Mine")
    new_contact(client, factory, crew["colleague"], "bob@ext.example", "Bob Colleagues")
    new_contact(client, factory, crew["outsider"], "eve@ext.example", "Eve Elsewhere")
    turn_on(client, factory, rep, filter="all")
    emails = google_contacts.members_named(REP, "Threadbook")
    assert emails == ["ada@ext.example", "bob@ext.example"]  # the colleague's is visible in the CRM, so it is copied
    assert google_contacts.find(REP, "eve@ext.example") is None


def test_leaving_the_filter_removes_the_copy(client, factory, crew, google_contacts):
    rep = crew["rep"]
    new_contact(client, factory, rep, "ada@ext.example", "Ada Mine")
    new_contact(client, factory, crew["colleague"], "bob@ext.example", "Bob Colleagues")
    turn_on(client, factory, rep, filter="all")
    assert change(client, factory, rep, filter="mine").status_code == 200
    sync_now(client, factory, rep)
    assert google_contacts.members_named(REP, "Threadbook") == ["ada@ext.example"]


def test_company_and_owner_filters_copy_just_those(client, factory, crew, google_contacts):
    rep, colleague = crew["rep"], crew["colleague"]
    ada = new_contact(client, factory, rep, "ada@initech.example", "Ada Initech", company_name="Initech")
    new_contact(client, factory, rep, "cy@globex.example", "Cy Globex", company_name="Globex")
    new_contact(client, factory, colleague, "bob@hooli.example", "Bob Hooli")
    turn_on(client, factory, rep, filter="company", filter_value=ada["company"]["id"])
    assert google_contacts.members_named(REP, "Threadbook") == ["ada@initech.example"]
    assert change(client, factory, rep, filter="owner", filter_value=colleague.id).status_code == 200
    sync_now(client, factory, rep)
    assert google_contacts.members_named(REP, "Threadbook") == ["bob@hooli.example"]


@pytest.mark.parametrize(
    "body, field_or_code",
    [
        ({}, "enabled"),
        ({"enabled": "yes"}, "enabled"),
        ({"filter": "tags"}, "filter"),
        ({"filter": 3}, "filter"),
        ({"filter": "company"}, "filter_value"),
        ({"filter": "company", "filter_value": 0}, "filter_value"),
        ({"filter": "owner", "filter_value": "col"}, "filter_value"),
        ({"filter_value": 3}, "filter_value"),
        ({"enabled": True, "colour": "red"}, "colour"),
    ],
)
def test_bad_inputs_are_refused_and_nothing_is_lost(client, factory, crew, google_contacts, body, field_or_code):
    rep = crew["rep"]
    turn_on(client, factory, rep, filter="all")
    refused = change(client, factory, rep, **body)
    assert refused.status_code == 400, refused.get_json()
    answer = refused.get_json()
    assert field_or_code in (answer.get("field"), answer["error"]) or field_or_code in answer["message"]
    state = choice(client, factory, rep)
    assert state["enabled"] is True and state["filter"] == "all"


def test_a_company_or_owner_of_another_organisation_is_refused(client, factory, crew, google_contacts):
    other = new_contact(client, factory, crew["outsider"], "eve@ext.example", "Eve", company_name="Elsewhere")
    for body in ({"filter": "company", "filter_value": other["company"]["id"]}, {"filter": "owner", "filter_value": crew["outsider"].id}):
        refused = change(client, factory, crew["rep"], **body)
        assert refused.status_code == 400 and "in your organisation" in refused.get_json()["message"]


def test_each_user_reads_and_changes_only_their_own_choice(client, factory, crew, google_contacts):
    turn_on(client, factory, crew["rep"], filter="all")
    assert choice(client, factory, crew["admin"])["enabled"] is False  # an admin sees their own, not the rep's
    assert change(client, factory, crew["colleague"], enabled=True).get_json()["error"] == "needs_scope"
    assert choice(client, factory, crew["rep"])["filter"] == "all"


def test_a_rate_limit_stops_the_run_and_it_resumes_after_retry_after(app, client, factory, crew, google_contacts):
    rep = crew["rep"]
    new_contact(client, factory, rep, "ada@ext.example", "Ada")
    new_contact(client, factory, rep, "bea@ext.example", "Bea")
    google_contacts.fail(rate_limited(retry_after=120), method="POST", path_contains="createContact", times=1)
    turn_on(client, factory, rep)
    state = choice(client, factory, rep)
    assert state["state"] == "waiting" and 100 <= state["retry_after"] <= 120
    assert "slow down" in state["last_error"]
    refused = sync_now(client, factory, rep)
    assert refused.status_code == 429 and refused.get_json()["error"] == "rate_limited" and int(refused.headers["Retry-After"]) > 100
    with app.app_context():
        database.connect(reuse_if_open=True)
        setting = GoogleContactsSync.get(GoogleContactsSync.user == rep.id)
        assert not due.is_due(setting) and rep.id not in due.users_due()
        later = setting.retry_at + datetime.timedelta(seconds=1)
        assert due.is_due(setting, later)  # an unfinished run resumes as soon as Google allows
        GoogleContactsSync.update(retry_at=utcnow() - datetime.timedelta(seconds=1)).where(GoogleContactsSync.id == setting.id).execute()
        report = sync_user(rep.id)
    assert report.outcome == "ok" and report.created == 2
    assert google_contacts.members_named(REP, "Threadbook") == ["ada@ext.example", "bea@ext.example"]
    assert choice(client, factory, rep)["state"] == "ok"


def test_a_403_rate_limit_is_honoured_too(app, client, factory, crew, google_contacts):
    from ...fakes.google_common import GoogleError

    new_contact(client, factory, crew["rep"], "ada@ext.example", "Ada")
    google_contacts.fail(GoogleError(403, "Rate Limit Exceeded", "rateLimitExceeded", domain="usageLimits"), path_contains="contactGroups")
    turn_on(client, factory, crew["rep"])
    assert choice(client, factory, crew["rep"])["state"] == "waiting"


@pytest.mark.parametrize("how", ["paused", "disconnected", "needs_reconnect", "org_disabled"])
def test_a_paused_or_disconnected_user_makes_no_google_call(app, client, factory, crew, google_contacts, how):
    rep = crew["rep"]
    new_contact(client, factory, rep, "ada@ext.example", "Ada")
    turn_on(client, factory, rep)
    calls = len(google_contacts.calls_for(REP))
    with app.app_context():
        database.connect(reuse_if_open=True)
        if how == "paused":
            User.update(sync_paused=True).where(User.id == rep.id).execute()
        elif how == "org_disabled":
            crew["org"].sync_enabled = False
            crew["org"].save()
        else:
            Mailbox.update(status=how).where(Mailbox.user == rep.id).execute()
        GoogleContactsSync.update(last_run_at=None).execute()
        assert sync_user(rep.id).outcome in ("paused", "disabled", "not_connected")
    assert sync_now(client, factory, rep).status_code in (403, 409)
    assert len(google_contacts.calls_for(REP)) == calls


def test_off_answers_sync_now_with_409_and_the_fan_out_skips_it(app, client, factory, crew, google_contacts):
    refused = sync_now(client, factory, crew["rep"])
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_enabled"
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert due.users_due() == []


def test_a_user_is_due_by_their_contacts_schedule(app, client, factory, crew, google_contacts):
    rep = crew["rep"]
    turn_on(client, factory, rep)

    def due_after(**delta):
        with app.app_context():
            database.connect(reuse_if_open=True)
            setting = GoogleContactsSync.get(GoogleContactsSync.user == rep.id)
            return due.is_due(setting, setting.last_run_at + datetime.timedelta(**delta))

    # The organisation's default, 10 minutes (less the half-tick grace: sync_schedules.GRACE).
    assert not due_after(minutes=7) and due_after(minutes=8)
    client.put("/api/v1/me/sync-schedule", json={"contacts_schedule": "2h"}, headers=factory.headers(rep))
    assert not due_after(minutes=100) and due_after(hours=2)
    client.put("/api/v1/me/sync-schedule", json={"contacts_schedule": "manual"}, headers=factory.headers(rep))
    assert not due_after(days=30)  # only "Sync now"


def test_a_crm_change_makes_the_user_due_at_the_next_fan_out_and_an_idle_crm_does_not(app, client, factory, crew, google_contacts):
    rep = crew["rep"]
    ada = new_contact(client, factory, rep, "ada@ext.example", "Ada")
    turn_on(client, factory, rep)

    def due_now():
        with app.app_context():
            database.connect(reuse_if_open=True)
            return rep.id in due.users_due()

    assert not due_now()  # just copied, nothing changed
    client.patch(f"/api/v1/contacts/{ada['id']}", json={"title": "CTO"}, headers=factory.headers(rep))
    assert due_now()
    sync_now(client, factory, rep)
    assert not due_now()
    client.delete(f"/api/v1/contacts/{ada['id']}", headers=factory.headers(rep))
    assert due_now()  # a copied contact was deleted


def test_one_run_per_user_at_a_time_and_a_crashed_runs_hold_expires(app, client, factory, crew, google_contacts):
    rep = crew["rep"]
    turn_on(client, factory, rep)
    new_contact(client, factory, rep, "ada@ext.example", "Ada")
    with app.app_context():
        database.connect(reuse_if_open=True)
        held = GoogleContactsSync.update(running_until=utcnow() + datetime.timedelta(minutes=5))
        held.where(GoogleContactsSync.user == rep.id).execute()
        assert sync_user(rep.id).outcome == "running"
        assert google_contacts.find(REP, "ada@ext.example") is None  # the other run copies it, not this one
        expired = GoogleContactsSync.update(running_until=utcnow() - datetime.timedelta(seconds=1))
        expired.where(GoogleContactsSync.user == rep.id).execute()
        assert sync_user(rep.id).created == 1
        assert GoogleContactsSync.get(GoogleContactsSync.user == rep.id).running_until is None
