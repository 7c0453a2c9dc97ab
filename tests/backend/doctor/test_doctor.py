"""``threadbook doctor``: each kind of broken configuration is a FAIL (or a warning) naming the setting and an example."""

import os
import sqlite3
import time

import pytest
from click.testing import CliRunner

from threadbook.cli import cli
from threadbook.db import database
from threadbook.doctor import report
from threadbook.doctor.command import run_checks
from threadbook.jobs import queue
from threadbook.migrations import upgrade

from ...fakes.server import ServerThread

GOOD_SECRET = "doctor-test-secret-0123456789abcdef0123456789"
CLIENT = "123456789012-abcdefghijklmnop.apps.googleusercontent.com"
# Ports nothing listens on (1 is privileged and unused here): an unreachable endpoint answers at once.
NOWHERE = "http://127.0.0.1:1"


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean Threadbook environment in tmp_path: a current database, dev sign-in on, no Google; tests change it."""
    for name in list(os.environ):
        if name.startswith(("THREADBOOK_", "GOOGLE_")):
            monkeypatch.delenv(name)
    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{tmp_path / 'doctor.sqlite3'}"
    values = {
        "THREADBOOK_INSTANCE_PATH": str(instance),
        "THREADBOOK_DATABASE_URL": url,
        "THREADBOOK_SECRET_KEY": GOOD_SECRET,
        "THREADBOOK_DEV_SIGNIN": "1",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    _migrate(url)

    def set_(**changes):
        for name, value in changes.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)

    set_.instance = instance
    set_.url = url
    set_.tmp = tmp_path
    return set_


def _migrate(url):
    from threadbook.db import open_database

    db = open_database(url)
    database.initialize(db)
    with db.connection_context():
        upgrade()
    db.close_all()


def checks(**kwargs):
    kwargs.setdefault("timeout", 2.0)
    return run_checks(**kwargs)


def find(found, name, status=None):
    """The checks called ``name`` (of ``status``, when given); fails the test with the whole report when there is none."""
    matches = [c for c in found if c.name == name and (status is None or c.status == status)]
    assert matches, "\n".join(report.lines(found))
    return matches[0]


def test_a_working_configuration_passes(env):
    found = checks(offline=True)
    assert not report.failed(found), "\n".join(report.lines(found))
    assert find(found, "database", "ok").detail.startswith(env.url)
    assert find(found, "Google client", "warn").fix.startswith("GOOGLE_CLIENT_ID=")
    assert find(found, "development sign-in", "warn")


def test_the_command_exits_1_on_a_failure_and_0_otherwise(env):
    runner = CliRunner()
    good = runner.invoke(cli, ["doctor", "--offline"])
    assert good.exit_code == 0, good.output
    assert "No check failed" in good.output
    env(THREADBOOK_SECRET_KEY="short")
    bad = runner.invoke(cli, ["doctor", "--offline"])
    assert bad.exit_code == 1
    assert "[FAIL] session secret" in bad.output
    assert "fix: THREADBOOK_SECRET_KEY=" in bad.output
    assert "1 check(s) failed" in bad.output


# -- configuration -------------------------------------------------------------------------------------------------


def test_a_short_secret_key(env):
    env(THREADBOOK_SECRET_KEY="too-short")
    check = find(checks(offline=True), "session secret", "fail")
    assert "9 characters" in check.detail
    assert check.fix.startswith("THREADBOOK_SECRET_KEY=")


def test_an_empty_generated_secret_file(env):
    env(THREADBOOK_SECRET_KEY=None)
    (env.instance / "secret_key").write_text("")
    check = find(checks(offline=True), "session secret", "fail")
    assert "secret_key" in check.detail
    assert "delete it" in check.fix


def test_a_missing_secret_file_is_generated_later_and_doctor_writes_nothing(env):
    env(THREADBOOK_SECRET_KEY=None)
    find(checks(offline=True), "session secret", "ok")
    assert not (env.instance / "secret_key").exists()
    assert not (env.instance / "encryption_key").exists()


def test_a_weak_encryption_key(env):
    env(THREADBOOK_ENCRYPTION_KEY="weak")
    check = find(checks(offline=True), "encryption key", "fail")
    assert "16 characters" in check.detail
    assert check.fix.startswith("THREADBOOK_ENCRYPTION_KEY=")


@pytest.mark.parametrize("name,value", [("THREADBOOK_SESSION_TTL", "an hour"), ("THREADBOOK_SYNC_BACKFILL_DAYS", "1.5"), ("THREADBOOK_WORKERS", "-2")])
def test_a_number_setting_that_is_not_one(env, name, value):
    env(**{name: value})
    found = checks(offline=True)
    check = find(found, "number setting", "fail")
    assert name in check.detail
    assert check.fix.startswith(f"{name}=")
    find(found, "database", "ok")  # the other checks still run


def test_no_google_client_and_no_development_sign_in_means_nobody_can_sign_in(env):
    env(THREADBOOK_DEV_SIGNIN="0")
    check = find(checks(offline=True), "Google client", "fail")
    assert "nobody can sign in" in check.detail
    assert "GOOGLE_CLIENT_ID=" in check.fix
    assert "docs/google-setup.md" in check.fix


def test_a_google_client_without_its_secret_and_an_odd_id(env):
    env(GOOGLE_CLIENT_ID="my-client")
    found = checks(offline=True)
    assert "does not look like" in find(found, "Google client", "warn").detail
    secret = find(found, "Google client secret", "warn")
    assert "GOOGLE_CLIENT_SECRET=" in secret.fix
    env(GOOGLE_CLIENT_ID=CLIENT, GOOGLE_CLIENT_SECRET="GOCSPX-x")
    found = checks(offline=True)
    find(found, "Google client", "ok")
    find(found, "Google client secret", "ok")


def test_a_google_endpoint_that_is_not_a_url(env):
    env(GOOGLE_CERTS_URL="www.googleapis.com/oauth2/v1/certs")
    check = find(checks(offline=True), "Google endpoint", "fail")
    assert "GOOGLE_CERTS_URL" in check.detail
    assert check.fix == "unset it, or GOOGLE_CERTS_URL=https://www.googleapis.com/oauth2/v1/certs"


@pytest.mark.parametrize("bind", ["localhost", "127.0.0.1:http", "127.0.0.1:70000", ""])
def test_a_bind_that_is_not_host_and_port(env, bind):
    env(THREADBOOK_BIND=bind)
    if not bind:  # empty is the default
        find(checks(offline=True), "listen address", "ok")
        return
    check = find(checks(offline=True), "listen address", "fail")
    assert check.fix == "THREADBOOK_BIND=127.0.0.1:5000"


def test_trusted_proxies_that_name_no_address(env):
    env(THREADBOOK_TRUSTED_PROXIES="127.0.0.1,nginx.internal")
    check = find(checks(offline=True), "trusted proxies", "fail")
    assert "'nginx.internal' is not an IP address" in check.detail


def test_trusted_proxies_named_by_address_and_network(env):
    env(THREADBOOK_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/24")
    assert "127.0.0.1, 10.0.0.0/24" in find(checks(offline=True), "trusted proxies", "ok").detail


def test_development_sign_in_beyond_loopback(env):
    env(THREADBOOK_BIND="0.0.0.0:5000")
    check = find(checks(offline=True), "listen address", "fail")
    assert "beyond loopback" in check.detail
    assert "THREADBOOK_DEV_SIGNIN=0" in check.fix


def test_another_port_tells_to_point_the_extension_there(env):
    env(THREADBOOK_BIND="127.0.0.1:8123")
    check = find(checks(offline=True), "extension backend URL", "warn")
    assert check.fix == "set Threadbook's Options → Backend URL to http://127.0.0.1:8123"


def test_allowed_origins(env):
    env(THREADBOOK_ALLOWED_ORIGINS="*")
    assert "any web page" in find(checks(offline=True), "allowed extension ids", "fail").detail
    env(THREADBOOK_ALLOWED_ORIGINS="https://example.com")
    check = find(checks(offline=True), "allowed extension ids", "warn")
    assert check.fix == "THREADBOOK_ALLOWED_ORIGINS=chrome-extension://jkepanmacpnmjgfgkefaagampdbnmmal"


def test_an_instance_folder_that_is_a_file(env):
    path = env.tmp / "not-a-folder"
    path.write_text("x")
    env(THREADBOOK_INSTANCE_PATH=str(path))
    check = find(checks(offline=True), "instance folder", "fail")
    assert check.fix == "THREADBOOK_INSTANCE_PATH=/var/lib/threadbook"


# -- database ------------------------------------------------------------------------------------------------------


def test_no_database_file_and_doctor_does_not_create_one(env):
    missing = env.tmp / "elsewhere" / "threadbook.sqlite3"
    env(THREADBOOK_DATABASE_URL=f"sqlite:///{missing}")
    check = find(checks(offline=True), "database", "fail")
    assert str(missing) in check.detail
    assert "threadbook init-db" in check.fix
    assert not missing.exists()


def test_a_database_without_tables(env):
    empty = env.tmp / "empty.sqlite3"
    sqlite3.connect(empty).close()
    env(THREADBOOK_DATABASE_URL=f"sqlite:///{empty}")
    check = find(checks(offline=True), "database", "fail")
    assert "has no tables" in check.detail
    assert "threadbook init-db" in check.detail


def test_an_old_and_a_newer_schema(env):
    path = env.url.split(":///", 1)[1]
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM schema_version")
        con.execute("INSERT INTO schema_version (version, applied_at, description) VALUES (3, '2024-01-01', 'old')")
    check = find(checks(offline=True), "database", "fail")
    assert "schema version 3" in check.detail
    assert "threadbook init-db" in check.detail
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO schema_version (version, applied_at, description) VALUES (999, '2024-01-01', 'future')")
    assert "newer than this code" in find(checks(offline=True), "database", "fail").detail


def test_a_relative_sqlite_path_is_a_warning(env, monkeypatch):
    monkeypatch.chdir(env.tmp)
    env(THREADBOOK_DATABASE_URL="sqlite:///doctor.sqlite3")
    found = checks(offline=True)
    assert "working directory" in find(found, "database", "warn").detail
    find(found, "database", "ok")


def test_a_database_server_that_does_not_answer(env):
    env(THREADBOOK_DATABASE_URL="postgresql://threadbook:hunter2@127.0.0.1:1/threadbook")
    check = find(checks(offline=True), "database", "fail")
    assert "cannot open postgresql://threadbook:***@127.0.0.1:1/threadbook" in check.detail
    assert "hunter2" not in check.detail
    assert "THREADBOOK_DATABASE_URL=" in check.fix


def test_no_organisation_yet_is_a_warning(env):
    assert "seed-demo" in find(checks(offline=True), "organisations", "warn").fix


# -- queue and worker -------------------------------------------------------------------------------------------------


def test_no_worker_ever(env):
    found = checks(offline=False)
    find(found, "task queue", "ok")
    assert "threadbook worker" in find(found, "worker", "warn").fix


def test_a_live_and_a_stale_worker(env, monkeypatch):
    from huey.storage import SqliteStorage

    storage = SqliteStorage(queue.QUEUE_NAME, filename=str(env.instance / queue.QUEUE_FILE))
    queue.beat(storage)
    assert "alive" in find(checks(), "worker", "ok").detail
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert "no worker seems to be running" in find(checks(), "worker", "warn").detail


def test_the_worker_command_beats(env):
    import threading

    from huey.storage import SqliteStorage

    from threadbook.jobs.worker import start_heartbeat

    storage = SqliteStorage(queue.QUEUE_NAME, filename=str(env.instance / queue.QUEUE_FILE))
    original = queue.huey.storage
    queue.huey.storage = storage
    stop = threading.Event()
    try:
        thread = start_heartbeat(stop, every=0.05)
        deadline = time.monotonic() + 10
        while queue.last_beat(storage) is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        queue.huey.storage = original
    thread.join(timeout=5)
    assert queue.last_beat(storage)["pid"] == os.getpid()
    assert not thread.is_alive()


def test_redis_that_does_not_answer(env):
    env(THREADBOOK_REDIS_URL="redis://:secret@127.0.0.1:1/0")
    check = find(checks(), "task queue", "fail")
    assert "redis://:***@127.0.0.1:1/0" in check.detail
    assert "THREADBOOK_REDIS_URL=" in check.fix


def test_tasks_run_in_process(env):
    env(THREADBOOK_QUEUE_IMMEDIATE="1")
    found = checks()
    assert "no worker needed" in find(found, "task queue", "ok").detail
    assert not [c for c in found if c.name == "worker"]


# -- Google's endpoints ----------------------------------------------------------------------------------------------


def test_google_endpoints_that_answer(env, google_identity, gmail, _oauth_server):
    env(
        GOOGLE_CLIENT_ID=CLIENT,
        GOOGLE_CERTS_URL=google_identity.settings["GOOGLE_CERTS_URL"],
        GOOGLE_TOKEN_URI=_oauth_server.url + "/token",
        GOOGLE_API_ROOT=gmail.root,
    )
    found = checks()
    assert "1 certificate(s)" in find(found, "Google certificates", "ok").detail
    find(found, "Google token endpoint", "ok")
    find(found, "Gmail API", "ok")


def test_google_endpoints_that_do_not(env, google_identity):
    env(
        GOOGLE_CLIENT_ID=CLIENT,
        GOOGLE_CERTS_URL=google_identity.settings["GOOGLE_CERTS_URL"],
        GOOGLE_TOKEN_URI=NOWHERE + "/token",
        GOOGLE_API_ROOT=NOWHERE + "/",
    )
    google_identity.certs_down = True
    found = checks(timeout=1.0)
    certs = find(found, "Google certificates", "fail")
    assert "answered 503" in certs.detail
    assert "GOOGLE_CERTS_URL" in certs.fix
    assert "no answer in 1 s" in find(found, "Google token endpoint", "fail").detail
    assert "GOOGLE_API_ROOT" in find(found, "Gmail API", "fail").fix


def test_a_google_endpoint_that_is_slow_is_given_up_on(env):
    from flask import Flask

    slow = Flask("slow")

    @slow.get("/certs")
    def certs():
        time.sleep(2)
        return {"k": "v"}

    with ServerThread(slow) as server:
        env(GOOGLE_CLIENT_ID=CLIENT, GOOGLE_CERTS_URL=server.url + "/certs", GOOGLE_TOKEN_URI=NOWHERE, GOOGLE_API_ROOT=NOWHERE)
        started = time.monotonic()
        found = checks(timeout=0.3)
        assert time.monotonic() - started < 2
    assert "no answer in 0.3 s" in find(found, "Google certificates", "fail").detail


def test_google_endpoints_are_skipped_without_google(env):
    assert "Google isn't set up" in find(checks(), "Google endpoints", "skip").detail
