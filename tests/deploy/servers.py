"""Real gunicorn and real nginx on free local ports, for tests/deploy and bench/slow_clients.py.

nginx runs the shipped deploy/nginx/threadbook.conf with only its addresses,
ports and paths substituted (``render_site``), inside a main configuration
of our own that keeps every file nginx writes in a temporary folder.
"""

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

from ..tls import write_self_signed

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_SITE = ROOT / "deploy" / "nginx" / "threadbook.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SERVER_NAME = "crm.example.com"
SECRET = "a-secret-long-enough-to-sign-sessions-0123"
START_SECONDS = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, seconds, what, process=None, log=None):
    """Poll ``predicate`` until it is true; fail after ``seconds`` or when ``process`` exits, with the end of ``log``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited ({process.returncode}):\n{_tail(log)}")
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready within {seconds} s:\n{_tail(log)}")


def _tail(log):
    return Path(log).read_text(errors="replace")[-3000:] if log and Path(log).exists() else ""


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


class Gunicorn:
    """The app under gunicorn with the repository's gunicorn.conf.py; ``env`` adds THREADBOOK_* settings."""

    def __init__(self, directory, **env):
        self.directory = Path(directory)
        self.port = free_port()
        self.log = self.directory / "gunicorn.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "backend"),
            "THREADBOOK_BIND": f"127.0.0.1:{self.port}",
            "THREADBOOK_DEV_SIGNIN": "0",
            "THREADBOOK_INSTANCE_PATH": str(self.directory),
            "THREADBOOK_DATABASE_URL": f"sqlite:///{self.directory / 'threadbook.sqlite3'}",
            "THREADBOOK_SECRET_KEY": SECRET,
            **env,
        }
        self.process = None

    def start(self):
        threadbook = Path(sys.executable).with_name("threadbook")
        subprocess.run([str(threadbook), "init-db"], env=self.env, check=True, capture_output=True, timeout=120)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "backend" / "gunicorn.conf.py")],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: get("127.0.0.1", self.port, "/healthz")[0] == 200, START_SECONDS, "gunicorn", self.process, self.log)
        return self

    def stop(self):
        if self.process is not None:
            _stop(self.process)


def site_substitutions(directory, upstream_port, http_port, https_port, cert_path, key_path):
    """What the test changes in the shipped site: the shipped text -> ours. Addresses, ports and paths only."""
    text = SHIPPED_SITE.read_text()
    subs = {
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl": f"listen 127.0.0.1:{https_port} ssl",
        "/etc/letsencrypt/live/crm.example.com/fullchain.pem": str(cert_path),
        "/etc/letsencrypt/live/crm.example.com/privkey.pem": str(key_path),
        "/var/log/nginx/threadbook.access.log": str(Path(directory) / "access.log"),
        "/var/log/nginx/threadbook.error.log": str(Path(directory) / "error.log"),
    }
    for line in text.splitlines():  # every upstream server -> the one gunicorn under test
        words = line.split()
        if len(words) > 1 and words[0] == "server" and ":" in words[1]:
            subs[words[1]] = f"127.0.0.1:{upstream_port}"
    return subs


def render_site(substitutions):
    text = SHIPPED_SITE.read_text()
    for shipped, ours in substitutions.items():
        assert shipped in text, f"{shipped!r} is no longer in {SHIPPED_SITE.name}: update site_substitutions"
        text = text.replace(shipped, ours)
    return text


def main_config(directory, site_path):
    """nginx.conf around the site: Debian's main file does the same (events, http, include), with our temp paths."""
    directory = Path(directory)
    temp = "\n".join(f"    {kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # as root, workers would run as nobody, who cannot read the temp folder
    return f"""{user}worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    access_log {directory / "access.log"};
{temp}
    include {site_path};
}}
"""


class Nginx:
    """Real nginx serving the shipped site (rendered) in front of ``upstream_port``; HTTPS on ``https_port``, HTTP on ``http_port``."""

    def __init__(self, directory, upstream_port):
        self.directory = Path(directory)
        self.http_port, self.https_port = free_port(), free_port()
        cert_path, key_path = write_self_signed(self.directory, SERVER_NAME)
        self.substitutions = site_substitutions(self.directory, upstream_port, self.http_port, self.https_port, cert_path, key_path)
        self.site = self.directory / "threadbook.conf"
        self.site.write_text(render_site(self.substitutions))
        self.conf = self.directory / "nginx.conf"
        self.conf.write_text(main_config(self.directory, self.site))
        self.log = self.directory / "nginx-main.log"
        self.process = None

    def command(self, *extra):
        directives = f"daemon off; pid {self.directory / 'nginx.pid'};"
        return [NGINX, "-p", str(self.directory), "-c", str(self.conf), "-e", str(self.log), "-g", directives, *extra]

    def start(self, until_healthy=True):
        """Start nginx; return once /healthz answers 200 through it (``until_healthy``), else once it listens."""
        with open(self.directory / "nginx.out", "wb") as out:
            self.process = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        if until_healthy:
            ready = lambda: get("127.0.0.1", self.https_port, "/healthz", tls=True)[0] == 200  # noqa: E731
        else:
            ready = lambda: socket.create_connection(("127.0.0.1", self.https_port), timeout=5).close() is None  # noqa: E731
        wait_for(ready, START_SECONDS, "nginx", self.process, self.log)
        return self

    def error_log_tail(self):
        """The end of the site's error log, for a failure message."""
        return _tail(self.directory / "error.log")

    def stop(self):
        if self.process is not None:
            _stop(self.process)


def client_tls():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own self-signed certificate
    return context


def connection(host, port, tls=False, source="127.0.0.1", timeout=30):
    if tls:
        return http.client.HTTPSConnection(host, port, timeout=timeout, source_address=(source, 0), context=client_tls())
    return http.client.HTTPConnection(host, port, timeout=timeout, source_address=(source, 0))


def get(host, port, path, tls=False, source="127.0.0.1", headers=None, timeout=30):
    """GET ``path``; return (status, headers, body bytes)."""
    conn = connection(host, port, tls, source, timeout)
    try:
        conn.request("GET", path, headers={"Host": SERVER_NAME, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


class SlowClient:
    """A client sending a POST body of ``length`` bytes, one byte each time ``dribble()`` is called (the caller paces it).

    The default path is sign-in, which reads its body before anything else (a route that answers 401 first never waits for it).
    """

    def __init__(self, host, port, tls=False, length=60, path="/api/v1/session"):
        raw = socket.create_connection((host, port), timeout=30)
        self.sock = client_tls().wrap_socket(raw, server_hostname=SERVER_NAME) if tls else raw
        head = f"POST {path} HTTP/1.1\r\nHost: {SERVER_NAME}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        self.sock.sendall(head.encode())
        self.remaining = length
        self.sent = 0

    def dribble(self):
        if self.remaining > 0:
            self.sock.sendall(b" ")
            self.remaining -= 1
            self.sent += 1

    @property
    def still_sending(self):
        return self.remaining > 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
