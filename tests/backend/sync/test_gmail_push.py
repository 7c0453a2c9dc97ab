"""Gmail push: watches kept through users.watch, pushes verified and turned into syncs, polling as the fallback.

The fake Gmail publishes each change of a watched mailbox to the fake Pub/Sub
(fakes/pubsub.py), which POSTs it to the backend with an OIDC token signed by
the fake Google identity, as Pub/Sub's push subscriptions do.
"""

import base64
import datetime
import json
import time

import pytest

from threadbook import config as config_module
from threadbook.db import database
from threadbook.models import Email, GmailWatch, Mailbox, User
from threadbook.sync.due import mailboxes_due
from threadbook.sync.watch import renew_watch, watches_due

from ...fakes.google_identity import make_rsa_key
from ...fakes.pubsub import FakePubSub
from ...fakes.server import ServerThread
from ..support.sync import ago, connect, mailbox_row, now, run_sync

TOPIC = "projects/threadbook-test/topics/gmail-push"
AUDIENCE = "https://crm.acme.example/api/v1/gmail/push"
PUSHER = "gmail-push@threadbook-test.iam.gserviceaccount.com"


@pytest.fixture
def app_settings(sync_settings, google_identity):
    return {
        **sync_settings,
        "GOOGLE_CERTS_URL": google_identity.settings["GOOGLE_CERTS_URL"],
        "GMAIL_PUSH_TOPIC": TOPIC,
        "GMAIL_PUSH_AUDIENCE": AUDIENCE,
        "GMAIL_PUSH_SERVICE_ACCOUNT": PUSHER,
    }


@pytest.fixture
def pubsub(google, google_identity):
    fake = FakePubSub(google_identity)
    google.state.pubsub = fake
    return fake


@pytest.fixture
def box(google, rep):
    return google.state.add_mailbox(rep.email)


def in_app(app, fn):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return fn()


def wait_until(probe, timeout=30.0):
    """Return ``probe()`` once it is truthy (no fixed sleep: a busy machine may take a while)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"still not there after {timeout} s")


def envelope(address, history_id):
    data = base64.b64encode(json.dumps({"emailAddress": address, "historyId": str(history_id)}).encode()).decode()
    return {"message": {"data": data, "messageId": "1", "publishTime": "2026-12-06T10:00:00.000Z"}, "subscription": "projects/p/subscriptions/s"}


def push_headers(google_identity, **claims):
    token = google_identity.mint_id_token(**{"aud": AUDIENCE, "email": PUSHER, "sub": "1122", "azp": "1122", "nonce": None, "name": None, "hd": None, **claims})
    return {"Authorization": "Bearer " + token}


def watched_mailbox(app, google, rep, pubsub, endpoint="http://127.0.0.1:9/unused"):
    """Connect the rep's mailbox, sync it once, and watch it (topic with a push subscription to ``endpoint``)."""
    pubsub.create_topic(TOPIC, endpoint, AUDIENCE, PUSHER)
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    assert in_app(app, lambda: renew_watch(mailbox.id)) == "watching"
    return mailbox


# -- watches --------------------------------------------------------------------------------


def test_every_syncing_mailbox_is_watched_and_renewed_once_a_day(app, google, rep, admin, box, pubsub):
    pubsub.create_topic(TOPIC, "http://127.0.0.1:9/unused", AUDIENCE, PUSHER)
    mine, theirs = connect(app, google, rep), connect(app, google, admin)

    assert sorted(in_app(app, watches_due)) == sorted([mine.id, theirs.id])
    assert [in_app(app, lambda m=m: renew_watch(m.id)) for m in (mine, theirs)] == ["watching", "watching"]

    assert google.state.watches[rep.email]["topic"] == TOPIC
    watch = in_app(app, lambda: GmailWatch.get(GmailWatch.mailbox == mine.id))
    assert datetime.timedelta(days=6, hours=23) < watch.expires_at - now() <= datetime.timedelta(days=7)
    assert in_app(app, watches_due) == []  # renewed: not again today

    in_app(app, lambda: GmailWatch.update(renewed_at=now() - datetime.timedelta(hours=25)).where(GmailWatch.mailbox == mine.id).execute())
    assert in_app(app, watches_due) == [mine.id]


def test_a_paused_or_disconnected_mailbox_is_not_watched_and_costs_no_call(app, google, rep, box, pubsub):
    pubsub.create_topic(TOPIC, "http://127.0.0.1:9/unused", AUDIENCE, PUSHER)
    mailbox = connect(app, google, rep)
    in_app(app, lambda: User.update(sync_paused=True).where(User.id == rep.id).execute())
    google.state.reset_counters()

    assert in_app(app, watches_due) == []
    assert in_app(app, lambda: renew_watch(mailbox.id)) == "paused"
    in_app(app, lambda: User.update(sync_paused=False).where(User.id == rep.id).execute())
    in_app(app, lambda: Mailbox.update(status="disconnected").where(Mailbox.id == mailbox.id).execute())
    assert in_app(app, lambda: renew_watch(mailbox.id)) == "disconnected"

    assert google.state.calls_for(rep.email) == []
    assert rep.email not in google.state.watches

    in_app(app, lambda: Mailbox.update(status="active").where(Mailbox.id == mailbox.id).execute())
    in_app(app, lambda: User.update(mail_schedule="manual").where(User.id == rep.id).execute())
    assert in_app(app, watches_due) == []
    assert in_app(app, lambda: renew_watch(mailbox.id)) == "manual"
    assert google.state.calls_for(rep.email) == []


def test_a_topic_gmail_may_not_publish_to_is_an_error_on_the_mailbox_and_polling_goes_on(app, client, factory, google, rep, box, pubsub):
    pubsub.create_topic(TOPIC, "http://127.0.0.1:9/unused", AUDIENCE, PUSHER, gmail_may_publish=False)
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)

    assert in_app(app, lambda: renew_watch(mailbox.id)) == "error"

    push = client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()["health"]["push"]
    assert push["state"] == "error" and "not authorized" in push["error"]
    assert mailbox.id in in_app(app, lambda: mailboxes_due(pushed_ones_hourly=True))
    assert in_app(app, watches_due) == []  # not retried on every hourly round


# -- pushes ---------------------------------------------------------------------------------


def test_a_push_syncs_the_new_mail_within_seconds(app, google, rep, box, pubsub):
    with ServerThread(app) as backend:
        mailbox = watched_mailbox(app, google, rep, pubsub, endpoint=backend.url + "/api/v1/gmail/push")
        before = in_app(app, lambda: Email.select().count())

        message = box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], subject="Ready to sign", date=ago(minutes=1))

        stored = wait_until(lambda: in_app(app, lambda: Email.get_or_none(Email.gmail_message_id == message["id"])))
        assert stored.subject == "Ready to sign"
        # Labelling the logged thread is a change too, which Gmail pushes: every push was acknowledged.
        deliveries = pubsub.wait_for(lambda ds: all(d.attempts for d in ds))
        assert {d.attempts[-1] for d in deliveries} == {204}
        assert in_app(app, lambda: Email.select().count()) == before + 1
        watch = in_app(app, lambda: GmailWatch.get(GmailWatch.mailbox == mailbox.id))
        assert watch.pushes >= 1 and watch.last_push_at is not None
        assert int(mailbox_row(app, mailbox.id).history_id) >= int(watch.pushed_history_id)


def test_a_push_for_what_is_already_synced_calls_nothing(app, client, google, google_identity, rep, box, pubsub):
    mailbox = watched_mailbox(app, google, rep, pubsub)
    google.state.reset_counters()

    answer = client.post("/api/v1/gmail/push", json=envelope(rep.email, mailbox_row(app, mailbox.id).history_id), headers=push_headers(google_identity))

    assert answer.status_code == 204
    assert google.state.calls_for(rep.email) == []


@pytest.mark.parametrize("who", ["stranger@elsewhere.example", "paused", "manual"])
def test_a_push_for_an_unknown_paused_or_manual_mailbox_is_acknowledged_and_dropped(app, client, google, google_identity, rep, box, pubsub, who):
    mailbox = watched_mailbox(app, google, rep, pubsub)
    box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], date=ago(minutes=1))
    if who == "paused":
        in_app(app, lambda: User.update(sync_paused=True).where(User.id == rep.id).execute())
    if who == "manual":  # the rep's mail syncs on "Sync now" only (identity/sync_schedules.py)
        in_app(app, lambda: User.update(mail_schedule="manual").where(User.id == rep.id).execute())
    google.state.reset_counters()
    address = who if "@" in who else rep.email

    answer = client.post("/api/v1/gmail/push", json=envelope(address, box.history_id), headers=push_headers(google_identity))

    assert answer.status_code == 204  # acknowledged, so Pub/Sub does not deliver it again and again
    assert google.state.calls_for(rep.email) == []
    assert int(mailbox_row(app, mailbox.id).history_id) < box.history_id


def _other_key_token(google_identity):
    return google_identity.mint_id_token(signing_key=make_rsa_key(), aud=AUDIENCE, email=PUSHER, nonce=None, name=None, hd=None)


@pytest.mark.parametrize(
    "headers, status",
    [
        (lambda gi: {}, 401),
        (lambda gi: {"Authorization": "Basic Zm9vOmJhcg=="}, 401),
        (lambda gi: push_headers(gi, aud="https://evil.example/push"), 401),
        (lambda gi: push_headers(gi, exp=1_600_000_000, iat=1_599_996_400), 401),
        (lambda gi: push_headers(gi, iss="https://evil.example"), 401),
        (lambda gi: {"Authorization": "Bearer " + _other_key_token(gi)}, 401),
        # A genuine Google token, for the right audience, but another service account: someone else's subscription.
        (lambda gi: push_headers(gi, email="attacker@other-project.iam.gserviceaccount.com"), 403),
        # A colleague's own Google sign-in token is Google-signed too: its audience is the extension's client id.
        (lambda gi: {"Authorization": "Bearer " + gi.mint_id_token()}, 401),
    ],
    ids=["no token", "not bearer", "wrong audience", "expired", "wrong issuer", "unknown key", "other service account", "a user's sign-in token"],
)
def test_a_forged_push_is_refused_and_syncs_nothing(app, client, google, google_identity, rep, box, pubsub, headers, status):
    mailbox = watched_mailbox(app, google, rep, pubsub)
    box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], date=ago(minutes=1))
    google.state.reset_counters()

    answer = client.post("/api/v1/gmail/push", json=envelope(rep.email, box.history_id), headers=headers(google_identity))

    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["message"]
    assert google.state.calls_for(rep.email) == []
    assert int(mailbox_row(app, mailbox.id).history_id) < box.history_id


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"message": {}},
        {"message": {"data": "%%% not base64"}},
        {"message": {"data": base64.b64encode(b"not json").decode()}},
        {"message": {"data": base64.b64encode(json.dumps({"historyId": "12"}).encode()).decode()}},
        {"message": {"data": base64.b64encode(json.dumps({"emailAddress": "rep@acme.example", "historyId": "12abc"}).encode()).decode()}},
        {"message": {"data": base64.b64encode(json.dumps({"emailAddress": "rep@acme.example", "historyId": True}).encode()).decode()}},
        {"message": {"data": base64.b64encode(json.dumps(["rep@acme.example", 12]).encode()).decode()}},
    ],
)
def test_a_body_that_is_not_a_gmail_push_is_a_400(app, client, google_identity, rep, body):
    answer = client.post("/api/v1/gmail/push", json=body, headers=push_headers(google_identity))

    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["error"] == "bad_request"


def test_push_is_404_where_it_is_not_set_up(app, client, google_identity):
    app.config["GMAIL_PUSH_TOPIC"] = ""

    answer = client.post("/api/v1/gmail/push", json=envelope("rep@acme.example", 12), headers=push_headers(google_identity))

    assert answer.status_code == 404
    assert answer.get_json()["error"] == "push_not_configured"
    assert in_app(app, watches_due) == []


# -- polling as the fallback ------------------------------------------------------------------


def test_a_pushed_mailbox_is_polled_hourly_and_a_lapsed_watch_falls_back_to_polling(app, google, rep, box, pubsub):
    mailbox = watched_mailbox(app, google, rep, pubsub)

    assert mailbox.id in in_app(app, mailboxes_due)  # label sorting and the like still see it
    assert mailbox.id not in in_app(app, lambda: mailboxes_due(pushed_ones_hourly=True))

    in_app(app, lambda: Mailbox.update(last_synced_at=now() - datetime.timedelta(minutes=61)).where(Mailbox.id == mailbox.id).execute())
    assert mailbox.id in in_app(app, lambda: mailboxes_due(pushed_ones_hourly=True))

    in_app(app, lambda: Mailbox.update(last_synced_at=now()).where(Mailbox.id == mailbox.id).execute())
    in_app(app, lambda: GmailWatch.update(expires_at=now() - datetime.timedelta(minutes=1)).where(GmailWatch.mailbox == mailbox.id).execute())
    assert mailbox.id in in_app(app, lambda: mailboxes_due(pushed_ones_hourly=True))


@pytest.mark.parametrize(
    "settings, fragment",
    [
        ({"GMAIL_PUSH_TOPIC": "gmail-push"}, "GMAIL_PUSH_TOPIC"),
        ({"GMAIL_PUSH_TOPIC": TOPIC}, "GMAIL_PUSH_AUDIENCE"),
        ({"GMAIL_PUSH_TOPIC": TOPIC, "GMAIL_PUSH_AUDIENCE": AUDIENCE}, "GMAIL_PUSH_SERVICE_ACCOUNT"),
    ],
)
def test_incomplete_push_settings_name_the_setting_to_fix(settings, fragment):
    assert fragment in config_module.gmail_push_error(settings)
    assert config_module.gmail_push_error({"GMAIL_PUSH_TOPIC": TOPIC, "GMAIL_PUSH_AUDIENCE": AUDIENCE, "GMAIL_PUSH_SERVICE_ACCOUNT": PUSHER}) is None
    assert config_module.gmail_push_error({}) is None


def test_a_push_that_finds_a_sync_running_looks_again_until_its_change_is_in(app, google, rep, box, pubsub):
    from threadbook.jobs import tasks
    from threadbook.jobs.queue import huey
    from threadbook.sync import lease

    mailbox = watched_mailbox(app, google, rep, pubsub)
    box.add_message(sender="Buyer <buyer@customer.example>", to=[rep.email], date=ago(minutes=1))
    running = lease.new_owner_id("sync")
    assert in_app(app, lambda: lease.acquire(mailbox.id, running, 300))
    huey.flush()

    with app.app_context():
        database.connect(reuse_if_open=True)
        outcome = tasks.push_sync_task.call_local(mailbox.id, box.history_id)

    assert outcome["outcome"] == "busy"
    [again] = huey.scheduled()
    assert again.name.endswith("push_sync_task") and again.args == (mailbox.id, box.history_id, 1)

    in_app(app, lambda: lease.release(mailbox.id, running))
    with app.app_context():
        database.connect(reuse_if_open=True)
        assert tasks.push_sync_task.call_local(*again.args)["outcome"] == "synced"
        assert tasks.push_sync_task.call_local(*again.args) == {"outcome": "already_synced"}
    assert int(mailbox_row(app, mailbox.id).history_id) >= again.args[1]
