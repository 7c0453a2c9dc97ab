"""backend/gunicorn.conf.py: explicit limits on what one request may hold, enforced by gunicorn itself (the hostile-input issue)."""

import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONF = ROOT / "backend" / "gunicorn.conf.py"


def test_the_timeouts_and_request_limits_are_explicit_and_gunicorn_accepts_them():
    from gunicorn.config import Config

    settings = runpy.run_path(str(CONF))
    names = ("timeout", "graceful_timeout", "keepalive", "limit_request_line", "limit_request_fields", "limit_request_field_size")
    config = Config()
    for name in names:
        assert name in settings, f"gunicorn.conf.py leaves {name} to gunicorn's default"
        config.set(name, settings[name])  # gunicorn's own validation
    assert 0 < config.keepalive < config.graceful_timeout < config.timeout
    assert config.limit_request_line and config.limit_request_fields and config.limit_request_field_size  # 0 means unlimited


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _exchange(port, raw):
    """Send raw bytes, return the status line gunicorn answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(raw)
        return conn.recv(200).split(b"\r\n", 1)[0].decode()


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    port = _free_port()
    env = {
        **os.environ,
        "THREADBOOK_BIND": f"127.0.0.1:{port}",
        "THREADBOOK_WORKERS": "1",
        "THREADBOOK_DEV_SIGNIN": "0",
        "THREADBOOK_INSTANCE_PATH": str(tmp),
        "THREADBOOK_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "THREADBOOK_SECRET_KEY": "a-secret-long-enough-to-sign-sessions-0123",
    }
    log = open(tmp / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", str(CONF)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        for _ in range(600):
            if process.poll() is not None:
                raise RuntimeError((tmp / "gunicorn.log").read_text()[-2000:])
            try:
                if _exchange(port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").startswith("HTTP/1.1"):
                    break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_request_line_over_the_limit_is_refused_before_the_app(gunicorn_port):
    limit = runpy.run_path(str(CONF))["limit_request_line"]
    status = _exchange(gunicorn_port, b"GET /healthz?" + b"a" * limit + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert status.split()[1] in ("400", "414"), status


def test_more_headers_than_the_limit_are_refused(gunicorn_port):
    limit = runpy.run_path(str(CONF))["limit_request_fields"]
    headers = b"".join(b"X-Filler-%d: x\r\n" % n for n in range(limit + 1))
    status = _exchange(gunicorn_port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + headers + b"\r\n")
    assert status.split()[1] in ("400", "431"), status


def test_a_header_over_the_size_limit_is_refused(gunicorn_port):
    limit = runpy.run_path(str(CONF))["limit_request_field_size"]
    status = _exchange(gunicorn_port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"x" * limit + b"\r\n\r\n")
    assert status.split()[1] in ("400", "431"), status


def test_an_ordinary_request_is_served(gunicorn_port):
    status = _exchange(gunicorn_port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert status.split()[1] in ("200", "503"), status  # answered by the app (503: no database tables yet)
