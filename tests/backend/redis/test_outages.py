"""Outages are loud: with Redis or PostgreSQL stopped, /healthz says which, and nothing claims to have queued work.

The primary action of a request whose follow-up cannot be queued stands
(resuming sync); work a person asked for (Sync now, an import) answers 503
``queue_unavailable``; and when Redis is back, everything answers again.
"""

import io
import time

import pytest

from threadbook.doctor import services
from threadbook.errors import QUEUE_UNAVAILABLE_MESSAGE
from threadbook.google.calendar import CALENDAR_SCOPES
from threadbook.jobs import queue, tasks
from threadbook.models import ContactImport, Mailbox, User

from ... import pg_server
from ...conftest import Factory, build_app
from ..support.sync import connect, mailbox_row
from ..sync.test_sync_api import start_and_consent


@pytest.fixture
def team(factory):
    org = factory.org(domain="acme.example")
    return factory.user(org, email="rep@acme.example"), factory.user(org, email="boss@acme.example", role="admin")


def timed_get(client, path):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_healthz_names_redis_when_it_stops_and_recovers_when_it_is_back(client, redis_server):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "checks": {"database": "ok", "redis": "ok"}}

    redis_server.stop()
    response, seconds = timed_get(client, "/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "dependency_unavailable" and body["ok"] is False
    assert body["failed"] == ["redis"]
    assert body["checks"] == {"database": "ok", "redis": "unreachable: ConnectionError"}
    assert body["message"].startswith("Redis is not answering")
    assert seconds < 5  # a short timeout: a load balancer's check never hangs

    redis_server.start()
    assert client.get("/healthz").status_code == 200


def test_sync_now_answers_503_when_nothing_can_be_queued(app, client, factory, team, google, redis_server):
    rep, _ = team
    connect(app, google, rep)
    redis_server.stop()

    response = client.post("/api/v1/mailbox/sync", headers=factory.headers(rep))

    assert response.status_code == 503
    assert response.get_json() == {"error": "queue_unavailable", "message": QUEUE_UNAVAILABLE_MESSAGE}
    assert response.headers["Retry-After"] == "60"
    redis_server.start()
    assert client.post("/api/v1/mailbox/sync", headers=factory.headers(rep)).status_code == 202


def test_resuming_sync_stands_when_its_follow_up_sync_cannot_be_queued(app, client, factory, team, google, redis_server, caplog):
    rep, _ = team
    mailbox = connect(app, google, rep)
    assert client.post("/api/v1/mailbox/pause", headers=factory.headers(rep)).status_code == 200
    redis_server.stop()

    with caplog.at_level("WARNING", logger="threadbook.sync.queueing"):
        response = client.post("/api/v1/mailbox/resume", headers=factory.headers(rep))

    # Resumed and saved; the periodic schedule queues the sync once Redis answers (jobs/tasks.py schedule_syncs).
    assert response.status_code == 200
    with app.app_context():
        assert User.get_by_id(rep.id).sync_paused is False
    assert mailbox_row(app, mailbox.id).status == "active"
    assert "periodic schedule" in caplog.text

    # Once Redis answers, the worker's periodic round queues the resumed mailbox: the sync was only late.
    redis_server.start()
    with app.app_context():
        queue.configure(app)
        assert queue.huey.pending_count() == 0
        tasks.schedule_syncs.call_local()
        assert queue.huey.pending_count() == 1


def test_connecting_a_mailbox_stands_when_its_first_sync_cannot_be_queued(app, client, factory, team, google, redis_server):
    rep, _ = team
    google.state.add_mailbox(rep.email)
    headers = factory.headers(rep)
    body = start_and_consent(client, google, rep, headers)  # Google's part needs no queue
    redis_server.stop()

    response = client.post("/api/v1/mailbox/connect/finish", json=body, headers=headers)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["connected"] and response.get_json()["messages_synced"] == 0
    with app.app_context():
        assert Mailbox.get(Mailbox.user == rep.id).status == "active"  # the grant is kept: the periodic round syncs it


def test_an_import_that_cannot_be_queued_answers_503_and_is_listed_as_failed(app, client, factory, team, redis_server, db):
    _, admin = team
    redis_server.stop()
    data = {"file": (io.BytesIO(b"email,name\nada@customer.example,Ada\n"), "contacts.csv")}

    response = client.post("/api/v1/org/imports", data=data, headers=factory.headers(admin), content_type="multipart/form-data")

    assert response.status_code == 503 and response.get_json()["error"] == "queue_unavailable"
    job = ContactImport.get()
    assert job.status == "failed" and "the job queue is not answering" in job.error
    listed = client.get("/api/v1/org/imports", headers=factory.headers(admin)).get_json()["imports"]
    assert [(i["status"], i["error"]) for i in listed] == [("failed", job.error)]


def test_doctor_and_healthz_agree_on_redis(app, client, redis_server, tmp_path):
    assert [c.status for c in services.check_queue(app.config, tmp_path)][0] == "ok"
    redis_server.stop()
    doctor = services.check_queue(app.config, tmp_path)
    health = client.get("/healthz").get_json()["checks"]["redis"]
    assert doctor[0].status == "fail" and f"({health})" in doctor[0].detail


def test_healthz_names_the_database_when_postgresql_stops(tmp_path):
    if not pg_server.find_bin_dir():
        pytest.skip("PostgreSQL server binaries not found")
    server = pg_server.PostgresServer().start()
    try:
        pg_server.admin_execute(server.url("postgres"), "CREATE DATABASE outage")
        app = build_app(server.url("outage"), tmp_path)
        client = app.test_client()
        assert client.get("/healthz").get_json() == {"ok": True, "checks": {"database": "ok"}}

        server.halt()
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["failed"] == ["database"] and body["checks"]["database"].startswith("unreachable: ")
        assert body["message"].startswith("The database is not answering")

        server.resume()
        assert client.get("/healthz").status_code == 200
    finally:
        server.stop()


@pytest.fixture
def limited_app(database_url, tmp_path, app_settings, redis_server):
    """The app with its rate limits on, counted in this test's Redis (as THREADBOOK_REDIS_URL sets them)."""
    return build_app(database_url, tmp_path, **{**app_settings, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": redis_server.url})


def test_rate_limits_count_in_redis_and_fall_back_to_memory_when_it_stops(limited_app, redis_server):
    factory = Factory(limited_app)
    headers = factory.headers(factory.user(factory.org(domain="acme.example")))
    limited_client = limited_app.test_client()
    assert limited_client.get("/api/v1/me", headers=headers).status_code == 200
    assert redis_server.client().keys("LIMITS:LIMITER/threadbook/*api-user*")

    redis_server.stop()
    started = time.monotonic()
    answers = [limited_client.get("/api/v1/me", headers=headers).status_code for _ in range(5)]
    # Still served (per-process counters meanwhile), and promptly: the limiter's Redis calls time out.
    assert answers == [200] * 5 and time.monotonic() - started < 10


@pytest.mark.parametrize("kind", ["mail", "calendar"])
def test_sync_now_refused_during_an_outage_can_be_clicked_again_once_the_queue_is_back(app, client, factory, team, google, redis_server, kind):
    """A 503 withdraws the "Sync now" it noted (identity/sync_schedules.py), so the next click queues a job, not 'already queued'."""
    rep, _ = team
    mailbox = connect(app, google, rep)
    with app.app_context():  # a grant with calendar access too, as Connect Gmail asks for
        Mailbox.update(scopes=" ".join(["https://www.googleapis.com/auth/gmail.modify", *CALENDAR_SCOPES])).where(Mailbox.id == mailbox.id).execute()
    redis_server.stop()
    refused = client.post("/api/v1/me/sync", json={"kind": kind}, headers=factory.headers(rep))
    assert refused.status_code == 503 and refused.get_json()["error"] == "queue_unavailable"
    redis_server.start()

    again = client.post("/api/v1/me/sync", json={"kind": kind}, headers=factory.headers(rep))

    assert again.status_code == 202 and again.get_json()["already_queued"] is False
