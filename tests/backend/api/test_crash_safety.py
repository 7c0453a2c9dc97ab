"""Kill gunicorn with SIGKILL in the middle of concurrent writes: every acknowledged write survives, once.

gunicorn runs with the repository's backend/gunicorn.conf.py (3 gthread
workers) on SQLite in a temporary directory, logging threads from the local
fake Gmail API. Six client threads write for a few seconds: log a thread,
create a lead, add a note, each with a unique value, and remember every write
that answered 2xx. Then the whole process group (master and workers) gets
SIGKILL, with requests still in flight, and gunicorn starts again on the same
file. Every acknowledged write must be there, none twice, and SQLite's
``PRAGMA integrity_check`` must answer ``ok``. The restarted server must serve
the acknowledged records and take new writes.
"""

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from threadbook import create_app
from threadbook.db import database
from threadbook.identity.sessions import issue_session
from threadbook.matching import normalize_address
from threadbook.migrations import upgrade
from threadbook.models import Contact, ContactAddress, Organization, User

from ...fakes.gmail import running_fake_gmail

ROOT = Path(__file__).resolve().parents[3]
SECRET = "crash-test-secret-0123456789abcdef0123456789"
REP = "rep@us.example"
TOKEN = "ya29.crash"
CLIENTS = 6
LOAD_SECONDS = 3.0
THREADS_READY = 2000  # more than the clients can log in LOAD_SECONDS

pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """The real server, as `make run` starts it, in its own process group so one signal reaches every worker."""

    def __init__(self, tmp, env):
        self.tmp, self.env = tmp, env
        self.url = f"http://{env['THREADBOOK_BIND']}"
        self.process = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log = open(self.tmp / f"gunicorn-{self.starts}.log", "wb")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "backend" / "gunicorn.conf.py")],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(self.tmp / f'gunicorn-{self.starts}.log').read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def log_tail(self, chars=4000):
        """The end of the running server's log, for a failure message."""
        return (self.tmp / f"gunicorn-{self.starts}.log").read_text(errors="replace")[-chars:]

    def kill(self):
        """SIGKILL the master and every worker at once: no graceful shutdown, no atexit, no flush."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


@pytest.fixture
def world(tmp_path):
    """A SQLite file with one organisation, a rep and a contact; the rep's session token; a fake Gmail full of threads."""
    db_path = tmp_path / "threadbook.sqlite3"
    settings = {"DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": SECRET, "SESSION_TTL_SECONDS": 3600}
    os.environ.setdefault("THREADBOOK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(settings)
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        org = Organization.create(name="Crash Org", domain="us.example", is_personal=False)
        rep = User.create(org=org, google_sub="sub-rep", email=REP, email_normalized=REP, name="Rep", role="admin")
        contact = Contact.create(org=org, name="Ada", name_lower="ada", owner=rep)
        ContactAddress.create(org=org, contact=contact, email="ada@acme.example", email_normalized="ada@acme.example", is_primary=True)
        token, _ = issue_session(rep)
        database.close()
    with running_fake_gmail() as gmail:
        gmail.state.grant(TOKEN, REP, scopes=("gmail.modify",))
        box = gmail.state.mailbox(REP)
        threads = [box.add_thread(2, sender=f"Buyer {n} <buyer{n}@customer.example>") for n in range(THREADS_READY)]
        env = {
            **os.environ,
            "THREADBOOK_DATABASE_URL": settings["DATABASE_URL"],
            "THREADBOOK_SECRET_KEY": SECRET,
            "THREADBOOK_INSTANCE_PATH": str(tmp_path / "instance"),
            "THREADBOOK_BIND": f"127.0.0.1:{free_port()}",
            "THREADBOOK_WORKERS": "3",
            "THREADBOOK_THREADS": "4",
            "GOOGLE_API_ROOT": gmail.root,
            "THREADBOOK_RATELIMIT_API": "1000000 per minute",
            "THREADBOOK_RATELIMIT_API_ADDRESS": "1000000 per minute",
        }
        server = Gunicorn(tmp_path, env)
        try:
            yield {"db": db_path, "server": server, "token": token, "contact_id": contact.id, "threads": threads}
        finally:
            server.stop()


class Writer:
    """One client thread: write until told to stop, remembering what was acknowledged."""

    def __init__(self, index, url, token, contact_id, threads, stop):
        self.index, self.url, self.contact_id, self.threads, self.stop = index, url, contact_id, threads, stop
        self.headers = {"Authorization": f"Bearer {token}", "X-Google-Access-Token": TOKEN}
        self.acked = {"log": [], "lead": [], "note": []}
        self.unacked = 0  # requests cut off by the kill
        self.errors = []  # 4xx/5xx answers: none expected

    def run(self):
        session = requests.Session()
        n = 0
        while not self.stop.is_set():
            n += 1
            kind = ("log", "lead", "note")[n % 3]
            try:
                self._write(session, kind, n)
            except requests.RequestException:
                # The server died under this request: not acknowledged, so no promise was made.
                self.unacked += 1
                break
        session.close()

    def _write(self, session, kind, n):
        if kind == "log":
            thread_id = self.threads.pop()
            response = session.post(f"{self.url}/api/v1/threads/{thread_id}/log", headers=self.headers, timeout=30)
            if response.status_code in (200, 201):
                self.acked["log"].append((thread_id, response.json()["email_ids"]))
        elif kind == "lead":
            address = f"lead{self.index}x{n}@prospect{n}.example"
            response = session.post(f"{self.url}/api/v1/leads", json={"email": address, "name": f"Lead {n}"}, headers=self.headers, timeout=30)
            if response.status_code == 201:
                self.acked["lead"].append((response.json()["id"], address))
        else:
            text = f"crash note {self.index}-{n}"
            body = {"body": text, "contact_id": self.contact_id}
            response = session.post(f"{self.url}/api/v1/notes", json=body, headers=self.headers, timeout=30)
            if response.status_code == 201:
                self.acked["note"].append((response.json()["id"], text))
        if response.status_code >= 300:
            self.errors.append((kind, response.status_code, response.text[:300]))


def report(request, line):
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)


def test_acknowledged_writes_survive_sigkill_of_every_gunicorn_process(world, request):
    server = world["server"].start()
    stop = threading.Event()
    threads = list(world["threads"])  # list.pop is atomic: each thread is logged by one client
    writers = [Writer(i, server.url, world["token"], world["contact_id"], threads, stop) for i in range(CLIENTS)]
    running = [threading.Thread(target=w.run) for w in writers]
    for thread in running:
        thread.start()
    time.sleep(LOAD_SECONDS)
    server.kill()  # mid-run: the clients are still writing; each stops at its first failed request
    stop.set()
    for thread in running:
        thread.join(timeout=60)

    acked = {kind: [item for w in writers for item in w.acked[kind]] for kind in ("log", "lead", "note")}
    assert [e for w in writers for e in w.errors] == []
    assert all(acked.values()), f"some kind of write was never acknowledged: { {k: len(v) for k, v in acked.items()} }"
    in_flight = sum(w.unacked for w in writers)

    server.start()
    # closing(): sqlite3's own context manager commits but leaves the connection open beside the server's.
    with contextlib.closing(sqlite3.connect(world["db"])) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # Leads: each acknowledged one present under its id, each address once.
        leads = dict(db.execute("SELECT id, email_normalized FROM lead"))
        assert {lead_id: leads.get(lead_id) for lead_id, _ in acked["lead"]} == {lead_id: normalize_address(a) for lead_id, a in acked["lead"]}
        assert max(Counter(leads.values()).values()) == 1
        # Notes: each acknowledged one present, no text twice.
        notes = dict(db.execute("SELECT id, body FROM note"))
        assert {note_id: notes.get(note_id) for note_id, _ in acked["note"]} == dict(acked["note"])
        assert max(Counter(notes.values()).values()) == 1
        # Logged threads: every acknowledged email row present, in its thread, and each message stored once.
        emails = {row[0]: row[1] for row in db.execute("SELECT id, gmail_thread_id FROM email")}
        for thread_id, email_ids in acked["log"]:
            assert len(email_ids) == 2 and all(emails.get(i) == thread_id for i in email_ids), thread_id
        assert db.execute("SELECT COUNT(*) FROM email").fetchone()[0] == db.execute("SELECT COUNT(DISTINCT message_key) FROM email").fetchone()[0]
        assert max(Counter(emails.values()).values()) <= 2

    # The restarted server serves what it acknowledged and takes new writes.
    headers = {"Authorization": f"Bearer {world['token']}"}
    for lead_id, address in acked["lead"][-20:]:
        response = requests.get(f"{server.url}/api/v1/leads/{lead_id}", headers=headers, timeout=10)
        assert response.status_code == 200 and response.json()["email"] == address, server.log_tail()
    again = requests.post(f"{server.url}/api/v1/leads", json={"email": "after@restart.example"}, headers=headers, timeout=10)
    assert again.status_code == 201, server.log_tail()

    counts = ", ".join(f"{len(v)} {k}s" for k, v in acked.items())
    report(
        request,
        f"crash: {sum(map(len, acked.values()))} writes acknowledged ({counts}) in {LOAD_SECONDS:g} s, all found once "
        f"after SIGKILL and restart; {in_flight} requests cut off in flight; integrity_check ok",
    )
