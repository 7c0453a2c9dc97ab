"""Measure logging a 20-message thread: the backend's time beyond the Gmail API's own.

    .venv/bin/python -m bench.log_thread [--threads 100] [--bodies]

Runs the backend in process (Flask test client, SQLite in a temporary
directory) against the local fake Gmail API (tests/fakes/gmail.py) served
over HTTP on loopback. Each round adds a new 20-message thread to the fake
mailbox and logs it (``POST /api/v1/threads/<id>/log``: threads.get, the
store, labels.list and threads.modify), then logs it again (nothing new).

Gmail's own time is counted two ways: every Gmail call as the backend waits
for it (client library, HTTP on loopback, the fake), and the fake's handlers
alone. Target: under 50 ms of backend time beyond Gmail's.
"""

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

from bench import dataset
from tests.fakes.gmail import running_fake_gmail
from tests.fakes.gmail_store import GmailState

MAILBOX = "rep@us.example"
TOKEN = "ya29.bench"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--bodies", action="store_true", help="the organisation stores bodies (format=full)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from threadbook import create_app
    from threadbook.db import database
    from threadbook.google import gmail as gmail_api
    from threadbook.identity.sessions import issue_session
    from threadbook.migrations import upgrade
    from threadbook.models import Organization, User

    waited = {"seconds": 0.0}
    original_execute = gmail_api.Gmail._execute

    def timed_execute(self, request):
        started = time.perf_counter()
        try:
            return original_execute(self, request)
        finally:
            waited["seconds"] += time.perf_counter() - started

    gmail_api.Gmail._execute = timed_execute

    state = GmailState()
    state.grant(TOKEN, MAILBOX, scopes=("gmail.modify",))
    box = state.mailbox(MAILBOX)
    with tempfile.TemporaryDirectory() as tmp, running_fake_gmail(state) as fake:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                "SECRET_KEY": dataset.SECRET,
                "GOOGLE_API_ROOT": fake.root,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            database.connect(reuse_if_open=True)
            upgrade()
            org = Organization.create(name="Bench", domain="us.example", store_bodies=args.bodies)
            user = User.create(org=org, google_sub="bench", email=MAILBOX, email_normalized=MAILBOX, name="Rep")
            token, _ = issue_session(user)
            database.close()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}", "X-Google-Access-Token": TOKEN}

        rounds = {"first": [], "again": []}
        for n in range(args.threads + 5):
            thread_id = box.add_thread(args.messages, to=[MAILBOX, "Bob <bob@acme.example>", "carol@acme.example"])
            for label, expected in (("first", 201), ("again", 200)):
                waited["seconds"] = 0.0
                handler_before = state.handler_seconds
                started = time.perf_counter()
                response = client.post(f"/api/v1/threads/{thread_id}/log", headers=headers)
                total = time.perf_counter() - started
                assert response.status_code == expected, response.get_json()
                if n >= 5:  # the first rounds warm up
                    rounds[label].append((total, waited["seconds"], state.handler_seconds - handler_before))
            if n == 0:
                assert len(response.get_json()["email_ids"]) == args.messages

    print(f"Logging a {args.messages}-message thread (format={'full' if args.bodies else 'metadata'}), {args.threads} threads, SQLite")
    for label, title in (("first", "first log (stores, labels)"), ("again", "logged again (nothing new)")):
        rows = rounds[label]
        total = [r[0] * 1000 for r in rows]
        beyond_calls = [(r[0] - r[1]) * 1000 for r in rows]
        beyond_fake = [(r[0] - r[2]) * 1000 for r in rows]
        calls = [r[1] * 1000 for r in rows]
        print(f"  {title}:")
        print(f"    request total                          p50 {statistics.median(total):6.1f} ms  p95 {dataset.percentile(total, 0.95):6.1f} ms")
        print(f"    Gmail calls as the backend waited       p50 {statistics.median(calls):6.1f} ms")
        print(
            f"    backend beyond Gmail's calls            p50 {statistics.median(beyond_calls):6.1f} ms  p95 {dataset.percentile(beyond_calls, 0.95):6.1f} ms"
        )
        print(f"    backend beyond the fake's handlers only p50 {statistics.median(beyond_fake):6.1f} ms  p95 {dataset.percentile(beyond_fake, 0.95):6.1f} ms")
    p95 = dataset.percentile([(r[0] - r[1]) * 1000 for r in rounds["first"]], 0.95)
    print(f"  target < 50 ms beyond Gmail's own: {'met' if p95 < 50 else 'NOT met'} (first log p95 {p95:.1f} ms)")


if __name__ == "__main__":
    main()
