"""The job queue on a real Redis: a job queued through the web app runs on a `threadbook worker` process, on time, and across restarts."""

import pytest

from threadbook.jobs import queue

from ..support.sync import ago, connect, mailbox_row
from .conftest import Worker, host_env, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def rep(factory):
    return factory.user(factory.org(domain="acme.example"), email="rep@acme.example")


@pytest.fixture
def mailbox(app, google, rep):
    box = google.state.add_mailbox(rep.email)
    for i in range(3):
        box.add_message(sender=f"B{i} <b{i}@customer.example>", to=[rep.email], date=ago(hours=i + 1))
    return connect(app, google, rep)


@pytest.fixture
def start_worker(app, redis_server, tmp_path):
    started = []

    def start():
        worker = Worker(host_env(app, tmp_path / "worker-instance", redis_server.url), tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def synced(app, mailbox_id, count=3):
    return lambda: mailbox_row(app, mailbox_id).messages_synced >= count


def waiting_in_redis(app):
    with app.app_context():
        queue.configure(app)
        return queue.huey.pending_count()


def test_sync_now_in_the_web_app_runs_on_a_worker_process(app, client, factory, rep, mailbox, redis_server, start_worker):
    response = client.post("/api/v1/mailbox/sync", headers=factory.headers(rep))
    assert response.status_code == 202, response.get_json()
    assert waiting_in_redis(app) == 1  # in Redis, not run in the request

    worker = start_worker()
    wait_for(synced(app, mailbox.id), "the worker's sync", worker=worker)
    assert mailbox_row(app, mailbox.id).backfill_done
    wait_for(lambda: waiting_in_redis(app) == 0, "an empty queue", worker=worker)


def test_a_delayed_job_waits_in_redis_and_runs_when_due(app, mailbox, redis_server, start_worker):
    with app.app_context():
        queue.enqueue_later("sync_mailbox", mailbox.id, 0, delay=2)
        # Queued with its time; the worker's scheduler keeps it in Redis's schedule until due.
        assert queue.huey.pending_count() + queue.huey.scheduled_count() == 1

    worker = start_worker()
    wait_for(synced(app, mailbox.id), "the scheduled sync", worker=worker)
    with app.app_context():
        assert queue.huey.scheduled_count() == 0


def test_work_queued_before_a_redis_restart_still_runs(app, client, factory, rep, mailbox, redis_server, start_worker):
    assert client.post("/api/v1/mailbox/sync", headers=factory.headers(rep)).status_code == 202

    redis_server.stop()  # nothing running would have taken the job: only the append-only file holds it now
    redis_server.start()

    assert waiting_in_redis(app) == 1
    worker = start_worker()
    wait_for(synced(app, mailbox.id), "the sync queued before the restart", worker=worker)


def test_a_running_worker_rides_out_a_redis_outage(app, client, factory, rep, mailbox, redis_server, start_worker):
    worker = start_worker()
    wait_for(lambda: "Threadbook worker" in worker.log_tail(), "the worker's start")

    redis_server.stop()
    # Long enough for the worker to fail several polls and its heartbeat against the stopped Redis.
    wait_for(lambda: worker.log_tail().count("Error") >= 2, "the worker noticing the outage", worker=worker)
    response = client.post("/api/v1/mailbox/sync", headers=factory.headers(rep))
    assert response.status_code == 503 and response.get_json()["error"] == "queue_unavailable"
    redis_server.start()

    assert client.post("/api/v1/mailbox/sync", headers=factory.headers(rep)).status_code == 202
    wait_for(synced(app, mailbox.id), "a sync queued after Redis came back", worker=worker)
    assert worker.alive()
