"""Two hosts on one PostgreSQL and one Redis: two gunicorn masters share the sign-in limit, and one host's worker runs the other's queued work.

Each "host" is a real gunicorn master (backend/gunicorn.conf.py) with its own
instance folder; host B also runs a `threadbook worker`. Host A runs no worker,
so a sync asked for on host A can only run on host B.
"""

import os

import pytest
import requests

from threadbook.db import database
from threadbook.identity.sessions import issue_session
from threadbook.jobs import queue
from threadbook.models import Email, MailboxMessage

from ... import pg_server
from ...conftest import Factory, build_app
from ..api.test_crash_safety import Gunicorn, free_port
from ..support.sync import ago, connect, mailbox_row
from .conftest import Worker, host_env, wait_for

pytestmark = pytest.mark.slow

SIGNIN_LIMIT = 3


@pytest.fixture
def shared_app(postgres, google, redis_server, tmp_path):
    """The app both hosts share the database and keys of, on a PostgreSQL database of this test's own."""
    name = f"tb_hosts_{os.getpid()}"
    pg_server.admin_execute(postgres("postgres"), f"DROP DATABASE IF EXISTS {name}")
    pg_server.admin_execute(postgres("postgres"), f"CREATE DATABASE {name}")
    app = build_app(postgres(name), tmp_path, **{**google.settings(), "QUEUE_IMMEDIATE": False, "REDIS_URL": redis_server.url})
    try:
        yield app
    finally:
        if not database.is_closed():
            database.close()
        pg_server.admin_execute(postgres("postgres"), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def hosts(shared_app, redis_server, tmp_path):
    """Start host A's and host B's gunicorn (one worker process each); stopped after the test."""
    servers = {}
    try:
        for host in ("a", "b"):
            (tmp_path / host).mkdir()
            env = host_env(
                shared_app,
                tmp_path / host / "instance",
                redis_server.url,
                THREADBOOK_BIND=f"127.0.0.1:{free_port()}",
                THREADBOOK_WORKERS="1",
                THREADBOOK_THREADS="2",
                THREADBOOK_RATELIMIT_SIGNIN=f"{SIGNIN_LIMIT} per minute",
            )
            servers[host] = Gunicorn(tmp_path / host, env).start()
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def test_two_gunicorn_hosts_share_one_sign_in_limit(hosts):
    def sign_in(host):
        # No credential: refused (400), but the attempt counts against the address's sign-in limit first.
        return requests.post(hosts[host].url + "/api/v1/session", json={}, timeout=30)

    answers = [sign_in(host).status_code for host in ("a", "b", "a")]
    assert 429 not in answers, answers

    # Each host alone saw at most two attempts; the counters in Redis saw three, so both refuse now.
    for host in ("b", "a"):
        refused = sign_in(host)
        assert refused.status_code == 429, (host, refused.status_code, hosts[host].log_tail())
        assert refused.json()["error"] == "rate_limited" and int(refused.headers["Retry-After"]) > 0


def test_sync_now_on_host_a_runs_on_host_b_s_worker_and_stores_each_message_once(shared_app, hosts, google, redis_server, tmp_path):
    app = shared_app
    factory = Factory(app)
    rep = factory.user(factory.org(domain="acme.example"), email="rep@acme.example")
    box = google.state.add_mailbox(rep.email)
    for i in range(3):
        box.add_message(sender=f"B{i} <b{i}@customer.example>", to=[rep.email], date=ago(hours=i + 1))
    mailbox = connect(app, google, rep)
    with app.app_context():
        token, _ = issue_session(rep)

    response = requests.post(hosts["a"].url + "/api/v1/mailbox/sync", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 202, response.text

    worker_b = Worker(host_env(app, tmp_path / "b" / "instance", redis_server.url), tmp_path / "b" / "worker.log")
    try:
        wait_for(lambda: mailbox_row(app, mailbox.id).messages_synced >= 3, "host B's worker syncing the mailbox", worker=worker_b)
        # The one worker that ever beat on this Redis is host B's.
        with app.app_context():
            queue.configure(app)
            assert queue.last_beat(queue.huey.storage)["pid"] == worker_b.process.pid
    finally:
        worker_b.stop()

    with app.app_context():
        database.connect(reuse_if_open=True)
        ids = [m.gmail_message_id for m in MailboxMessage.select().where(MailboxMessage.user == rep.id)]
        assert len(ids) == len(set(ids)) == 3
        assert Email.select().count() == 3
