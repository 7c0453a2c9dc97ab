"""Load-test gunicorn on loopback with a mixed workload (lookups, thread logs, notes) from locust.

    make bench-load                       # installs locust (bench/requirements.txt), then runs this
    .venv/bin/python -m bench.load [--seconds 60] [--users 16] [--pause S] [--workers N] [--threads N]
    make bench-scaled                     # bench.load --scaled --pause 1, then bench.load --scaled (PostgreSQL + Redis, 4 workers, 64 users)

Serves the 100,000-contact organisation of bench/load_dataset.py (built once
under /tmp, then copied fresh for each run, since the load writes into it)
with gunicorn and the repository's backend/gunicorn.conf.py, rate limits
raised far above the load. Thread logs fetch from the local fake Gmail API
(tests/fakes/gmail.py), served from this process, whose mailbox holds
``--gmail-threads`` threads with the organisation's contacts. locust runs
headless in its own process, ``--users`` users, each sending without pause
(or pausing ``--pause`` seconds on average between actions, as a rep reads
the thread the panel just answered about): 60%
participant lookups (20 participants), 20% thread logs (201 the first time,
200 after), 20% notes on contacts. Prints requests per second, p50 and p99
per kind and overall, and the error count, which must be zero (the exit
status is 1 otherwise). The load generator shares the machine's cores with
the server, as any client on the same host would.

``--scaled`` runs the shape of several hosts (issue 19, docs/deploy.md) on
this one: the same 100,000-contact organisation copied into PostgreSQL
(bench/dataset_pg.py; each run gets a fresh clone of the kept copy), a real
Redis (tests/redis_server.py, a throwaway ``redis-server``) holding the
rate-limit counters and huey's queue (``THREADBOOK_REDIS_URL``), gunicorn
with 4 workers and 64 users unless ``--workers`` / ``--users`` say otherwise.
No ``threadbook worker`` runs: the mix queues no jobs (thread logging runs
inside the request). Targets there: no errors, lookup's p99 under 100 ms.
``make bench-scaled`` runs it twice: 64 reps at a rep's pace (``--pause 1``:
an action a second each, faster than anyone reads a thread), where latency
is the service time, then 64 users without pause, which measures the
ceiling: a closed loop of N users at X requests/s waits N / X seconds a
request on average (Little's law), so there p99 says how long the queue is,
not how fast a request is served.
The load average is printed beside the figures: the machine's cores are
shared with the load generator and anything else running.
"""

import argparse
import contextlib
import csv
import logging
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import dataset_pg, load_dataset
from tests.fakes.gmail import running_fake_gmail
from tests.fakes.gmail_store import GmailState

BENCH = Path(__file__).resolve().parent
MAILBOX = "me@us.example"  # user 1 of the dataset, whose session the load uses
GMAIL_TOKEN = "ya29.load-bench"
HIGH_LIMIT = "100000000 per minute"

# The fake Gmail served from this process logs every request; the figures are what matter here.
logging.getLogger("werkzeug").setLevel(logging.ERROR)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def locust_command():
    """Return the locust executable beside this Python, or explain how to install it."""
    path = Path(sys.executable).with_name("locust")
    if not path.exists():
        sys.exit(f"locust is not installed in {path.parent}: run `make bench-load`, or {path.parent}/pip install -r bench/requirements.txt")
    return str(path)


def fill_mailbox(state, count, seed=3):
    """Give the fake mailbox ``count`` three-message threads with the organisation's contacts; return their ids."""
    state.grant(GMAIL_TOKEN, MAILBOX, scopes=("gmail.modify",))
    box = state.mailbox(MAILBOX)
    rng = random.Random(seed)
    ids = []
    for _ in range(count):
        n = rng.randrange(load_dataset.CONTACTS)
        sender = f"Person {n} <person{n}@company{n % load_dataset.dataset.COMPANIES}.example>"
        ids.append(box.add_thread(3, sender=sender, to=[MAILBOX, "colleague1@us.example"], subject=f"Order {n}"))
    return ids


def start_gunicorn(database_url, port, args, gmail_root, workdir, redis_url=None):
    env = dict(
        os.environ,
        THREADBOOK_DATABASE_URL=database_url,
        THREADBOOK_SECRET_KEY=load_dataset.SECRET,
        THREADBOOK_BIND=f"127.0.0.1:{port}",
        THREADBOOK_INSTANCE_PATH=str(workdir / "instance"),
        GOOGLE_API_ROOT=gmail_root,
        THREADBOOK_RATELIMIT_API=HIGH_LIMIT,
        THREADBOOK_RATELIMIT_API_ADDRESS=HIGH_LIMIT,
        THREADBOOK_RATELIMIT_SIGNIN=HIGH_LIMIT,
    )
    if redis_url:
        env["THREADBOOK_REDIS_URL"] = redis_url  # rate-limit counters shared by the workers, and huey's queue
    if args.workers:
        env["THREADBOOK_WORKERS"] = str(args.workers)
    if args.threads:
        env["THREADBOOK_THREADS"] = str(args.threads)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(workdir / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [str(gunicorn), "-c", str(load_dataset.ROOT / "backend" / "gunicorn.conf.py")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited:\n{(workdir / 'gunicorn.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    sys.exit("gunicorn did not answer /healthz within 60 s")


def run_locust(port, args, session, threads_file, workdir, seconds, prefix):
    env = dict(
        os.environ,
        THREADBOOK_LOAD_SESSION=session,
        THREADBOOK_LOAD_GMAIL_TOKEN=GMAIL_TOKEN,
        THREADBOOK_LOAD_THREADS=str(threads_file),
        THREADBOOK_LOAD_PAUSE=str(args.pause),
        PYTHONPATH=str(load_dataset.ROOT),  # so the locustfile imports bench.load_dataset
    )
    command = [
        locust_command(),
        "-f", str(BENCH / "locustfile.py"),
        "--headless",
        "--host", f"http://127.0.0.1:{port}",
        "--users", str(args.users),
        "--spawn-rate", str(args.users),
        "--run-time", f"{seconds}s",
        "--stop-timeout", "10",
        "--csv", str(workdir / prefix),
        "--only-summary",
        "--loglevel", "WARNING",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    with open(workdir / f"{prefix}_stats.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    failures = []
    failures_file = workdir / f"{prefix}_failures.csv"
    if failures_file.exists():
        with open(failures_file, newline="") as f:
            failures = list(csv.DictReader(f))
    return rows, failures


@contextlib.contextmanager
def running_redis():
    from tests.redis_server import RedisServer

    server = RedisServer(appendonly=False).start()
    try:
        yield server.url
    finally:
        server.destroy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load before the measured run")
    parser.add_argument("--scaled", action="store_true", help="PostgreSQL + Redis, 4 workers, 64 users (the multi-host shape on one machine)")
    parser.add_argument("--users", type=int, default=0, help="locust users (default 16; 64 with --scaled)")
    parser.add_argument("--pause", type=float, default=0, help="each user's mean pause between actions, in seconds (default 0: none)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py's; 4 with --scaled)")
    parser.add_argument("--threads", type=int, default=0, help="threads per gunicorn worker (default: gunicorn.conf.py's)")
    parser.add_argument("--gmail-threads", type=int, default=20000, help="threads in the fake mailbox")
    parser.add_argument("--db", default=str(load_dataset.DEFAULT_PATH))
    args = parser.parse_args()
    args.users = args.users or (64 if args.scaled else 16)
    args.workers = args.workers or (4 if args.scaled else 0)
    locust_command()
    source = load_dataset.ensure(args.db)

    from threadbook import create_app

    with tempfile.TemporaryDirectory(prefix="threadbook-load-") as tmp, contextlib.ExitStack() as services:
        workdir = Path(tmp)
        redis_url = None
        if args.scaled:
            database_url = services.enter_context(dataset_pg.running(source, writable=True))
            redis_url = services.enter_context(running_redis())
        else:
            db_path = workdir / "load.sqlite3"
            shutil.copyfile(source, db_path)  # the run writes: start from the same state every time
            database_url = f"sqlite:///{db_path}"
        os.environ.setdefault("THREADBOOK_INSTANCE_PATH", str(workdir / "instance"))
        app = create_app({**load_dataset.settings(source), "DATABASE_URL": database_url, "RATELIMIT_ENABLED": False})
        session = load_dataset.session_header(app)["Authorization"]
        state = GmailState()
        state.add_mailbox(MAILBOX)
        threads_file = workdir / "threads.txt"
        threads_file.write_text("\n".join(fill_mailbox(state, args.gmail_threads)))
        with running_fake_gmail(state) as gmail:
            port = free_port()
            server = start_gunicorn(database_url, port, args, gmail.root, workdir, redis_url)
            try:
                if args.warmup:
                    run_locust(port, args, session, threads_file, workdir, args.warmup, "warmup")
                rows, failures = run_locust(port, args, session, threads_file, workdir, args.seconds, "load")
                load_average = os.getloadavg()
            finally:
                server.terminate()
                server.wait(timeout=30)
        server_errors = sum(1 for line in (workdir / "gunicorn.log").read_text().splitlines() if '" 5' in line)

    workers = args.workers or "default"
    stores = "PostgreSQL + Redis (rate limits, queue)" if args.scaled else "SQLite"
    pace = f"pausing {args.pause:g} s on average between actions" if args.pause else "without pause"
    print(
        f"gunicorn ({workers} workers) on {os.cpu_count()} cores, {stores}, {load_dataset.CONTACTS:,} contacts; "
        f"locust {args.users} users {pace} for {args.seconds} s (after {args.warmup} s of warm-up)"
    )
    print(f"  load average at the end of the run: {load_average[0]:.2f} {load_average[1]:.2f} {load_average[2]:.2f}")
    print(f"  {'kind':<14}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    errors = 0
    for row in rows:
        name = "all" if row["Name"] == "Aggregated" else row["Name"]
        errors += int(row["Failure Count"]) if name == "all" else 0
        print(
            f"  {name:<14}{int(row['Request Count']):>10}{float(row['Requests/s']):>10.1f}"
            f"{float(row['50%']):>10.0f}{float(row['99%']):>10.0f}{int(row['Failure Count']):>8}"
        )
    by_name = {row["Name"]: row for row in rows}
    if args.scaled and "lookup" in by_name:
        p99 = float(by_name["lookup"]["99%"])
        print(f"  lookup p99 {p99:.0f} ms (target < 100 ms) -> {'met' if p99 < 100 else 'NOT met'}")
    if not args.pause and "Aggregated" in by_name:
        rate = float(by_name["Aggregated"]["Requests/s"])
        print(f"  without pause: {args.users} users / {rate:.1f} req/s = {args.users / rate * 1000:.0f} ms mean wait per request (Little's law)")
    for failure in failures[:5]:
        print(f"  failure: {failure.get('Name')} x{failure.get('Occurrences')}: {failure.get('Error')}")
    print(f"  5xx answers in gunicorn's access log: {server_errors}")
    print(f"  errors: {errors + server_errors} (target: 0) -> {'met' if errors + server_errors == 0 else 'NOT met'}")
    sys.exit(0 if errors + server_errors == 0 else 1)


if __name__ == "__main__":
    main()
