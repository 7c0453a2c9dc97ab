"""Tests against a real Redis (tests/redis_server.py): the queue and its schedule, shared rate limits, outages.

Each test gets its own ``redis-server`` (a fresh port and data directory, AOF
on), which ``redis_server.stop()`` / ``start()`` take down and bring back like
an outage. Without ``redis-server`` installed these tests skip, saying so;
under CI (``CI`` set) they fail instead, since .ci/run installs it.

The app here is on SQLite (one engine is enough to show the queue; the
two-hosts test brings its own PostgreSQL database) with the queue on Redis,
not in immediate mode, so work is really queued.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from threadbook.jobs import queue

from ... import redis_server as redis_server_module
from ...fakes.google_oauth import CLIENT_ID, CLIENT_SECRET

THREADBOOK = os.path.join(os.path.dirname(sys.executable), "threadbook")


SKIP_MESSAGE = "redis-server is not installed (Debian: apt-get install redis-server): the real-Redis tests are skipped"


def require_redis_server():
    """Skip the test when redis-server is missing, saying so; under CI (``CI`` set), fail: .ci/run installs it."""
    if not redis_server_module.find_redis_server():
        if os.environ.get("CI"):
            pytest.fail(SKIP_MESSAGE + ", but CI must run them")
        pytest.skip(SKIP_MESSAGE)


@pytest.fixture
def redis_server():
    """A running redis-server of this test's own, stopped and removed after it."""
    require_redis_server()
    server = redis_server_module.RedisServer(appendonly=True).start()
    try:
        yield server
    finally:
        server.destroy()


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'threadbook.sqlite3'}"


@pytest.fixture
def app_settings(sync_settings, redis_server):
    return {**sync_settings, "QUEUE_IMMEDIATE": False, "REDIS_URL": redis_server.url}


@pytest.fixture(autouse=True)
def _queue_back_in_memory(tmp_path):
    """The queue is one per process: leave it in immediate mode for the tests that follow."""
    yield
    queue.configure(_ImmediateApp(str(tmp_path)))


class _ImmediateApp:
    def __init__(self, instance_path):
        self.instance_path = instance_path
        self.config = {"QUEUE_IMMEDIATE": True}


def host_env(app, instance, redis_url, **extra):
    """The environment of a Threadbook process ("host") on ``app``'s database and keys, with its own instance folder."""
    env = {
        **os.environ,
        "THREADBOOK_INSTANCE_PATH": str(instance),
        "THREADBOOK_DATABASE_URL": app.config["DATABASE_URL"],
        "THREADBOOK_SECRET_KEY": app.config["SECRET_KEY"],
        "THREADBOOK_ENCRYPTION_KEY": app.config["ENCRYPTION_KEY"],
        "THREADBOOK_REDIS_URL": redis_url,
        "GOOGLE_API_ROOT": app.config["GOOGLE_API_ROOT"],
        "GOOGLE_TOKEN_URI": app.config["GOOGLE_TOKEN_URI"],
        "GOOGLE_CLIENT_ID": CLIENT_ID,
        "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
        **extra,
    }
    env.pop("THREADBOOK_QUEUE_IMMEDIATE", None)
    return env


class Worker:
    """A real ``threadbook worker`` process, its output kept in a log file for failure messages."""

    def __init__(self, env, log_path, periodic=False):
        self.log_path = log_path
        args = [THREADBOOK, "worker", "-w", "1"] + ([] if periodic else ["--no-periodic"])
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)

    def alive(self):
        return self.process.poll() is None

    def log_tail(self, chars=3000):
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # graceful, as Ctrl-C or systemd's KillSignal=SIGINT
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


def wait_for(condition, what, seconds=60, worker=None):
    """Poll ``condition`` until it is true; fail saying ``what`` did not happen (and the worker's log) after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if worker is not None:
            assert worker.alive(), f"the worker exited while waiting for {what}:\n{worker.log_tail()}"
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {seconds} s" + (f"\n{worker.log_tail()}" if worker else ""))
        time.sleep(0.1)
