"""Measure a 100,000-row contact import and the API's writes while it runs.

    .venv/bin/python -m bench.import_contacts [--rows 100000] [--writers 2] [--keep DIR]

A new SQLite database in a temporary directory (an organisation with an
administrator and one contact) is served by gunicorn (backend/gunicorn.conf.py,
as bench/lookup_http.py starts it). ``--writers`` threads keep posting notes
(``POST /api/v1/notes``, each a write transaction) over keep-alive
connections: first alone for a few seconds (the baseline), then while
``threadbook import-contacts`` imports a generated file in a separate process,
through the real command line code, then while the same file is imported a
second time (every row already there).

The file: ``--rows`` rows, semicolon-separated, UTF-8 with a BOM, headers
``E-mail;Full name;Company name;Job title;Phone number;linkedin`` (the last
ignored), addresses at 5,000 company domains and at gmail.com, with 0.5%
duplicates written differently (Gmail dots, upper case) and 0.5% invalid
addresses.

Prints rows per second (as the command measures itself, and by the wall
clock), the notes' latency (p50, p99, max) and 5xx count in each phase, and
the re-run's time. Targets: the import under 30 s, the API's p99 under a few
hundred milliseconds, no 5xx.
"""

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import dataset
from bench.lookup_http import free_port, start_gunicorn

HEADER = "E-mail;Full name;Company name;Job title;Phone number;linkedin"


def generate(path, rows, seed=7):
    """Write the contact list; return how many rows are duplicates and invalid by construction."""
    rng = random.Random(seed)
    domains = [f"firm{i}.example" for i in range(5000)]
    lines, written = [HEADER], []
    duplicates = invalid = 0
    for n in range(rows):
        roll = rng.random()
        if roll < 0.005 and written:
            address = rng.choice(written)
            local, _, domain = address.partition("@")
            address = (local.replace(".", "") if domain == "gmail.com" else local.upper()) + "@" + domain
            duplicates += 1
        elif roll < 0.01:
            address = f"person{n}-at-nowhere"
            invalid += 1
        elif roll < 0.2:
            address = f"first{n}.last@gmail.com"
            written.append(address)
        else:
            domain = rng.choice(domains)
            address = f"person{n}@{domain}"
            written.append(address)
        domain = address.partition("@")[2]
        company = f"Firm {domain.split('.')[0].title()}" if domain and domain != "gmail.com" else ""
        lines.append(f"{address};Person {n};{company};Engineer;+1 555 {n:07d};https://linkedin.example/in/p{n}")
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8-sig"))
    return duplicates, invalid


def prepare(db_path):
    """Create the schema, the organisation (id 1), its administrator (id 1) and one contact; return (headers, contact id)."""
    from threadbook import create_app
    from threadbook.crm.store import create_contact
    from threadbook.db import database, write_transaction
    from threadbook.migrations import upgrade
    from threadbook.models import Organization, User

    app = create_app({**dataset.settings(db_path), "RATELIMIT_ENABLED": False})
    with app.app_context():
        database.connect()
        upgrade()
        with write_transaction():
            org = Organization.create(name="Bench", domain="us.example")
            User.create(org=org, google_sub="bench-admin", email="admin@us.example", email_normalized="admin@us.example", name="Admin", role="admin")
            contact = create_contact(org.id, "Noted", ["noted@client.example"])
        database.close()
    return dataset.session_header(app), contact.id


class Writers:
    """Threads posting notes; each result is (started at, seconds, status)."""

    def __init__(self, port, headers, contact_id, count):
        self.port, self.contact_id, self.count = port, contact_id, count
        self.headers = {**headers, "Content-Type": "application/json"}
        self.results, self.stop = [], threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(count)]

    def _loop(self, index):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        n = 0
        while not self.stop.is_set():
            body = json.dumps({"contact_id": self.contact_id, "body": f"note {index}-{n}"})
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/notes", body=body, headers=self.headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 599  # no answer: counted with the 5xx
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            with self.lock:
                self.results.append((started, time.perf_counter() - started, status))
            n += 1

    def start(self):
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def between(self, start, end):
        with self.lock:
            return [(seconds, status) for at, seconds, status in self.results if start <= at < end]


def latency_line(label, results):
    if not results:
        return f"  {label:<28} no requests"
    times = [seconds for seconds, _ in results]
    errors = sum(1 for _, status in results if status >= 500)
    other = sum(1 for _, status in results if status != 201 and status < 500)
    p50, p99 = dataset.percentile(times, 0.5) * 1000, dataset.percentile(times, 0.99) * 1000
    return f"  {label:<28} {len(times):6d} notes  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  max {max(times) * 1000:7.1f} ms  5xx {errors}  other non-201 {other}"


def run_import(csv_path, env):
    """Run `threadbook import-contacts` in its own process; return (wall seconds, its output)."""
    command = [sys.executable, "-c", "from threadbook.cli import main; main()", "import-contacts", str(csv_path), "--org", "1"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: the re-run imports nothing and the file has invalid rows
        raise RuntimeError(f"import-contacts exited {done.returncode}: {done.stdout}\n{done.stderr}")
    return wall, done.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--baseline", type=float, default=3.0, help="seconds of notes before the import")
    parser.add_argument("--keep", help="a directory to keep the database and files in (default: a temporary one)")
    args = parser.parse_args()

    folder = Path(args.keep or tempfile.mkdtemp(prefix="threadbook-bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path, csv_path = folder / "import.sqlite3", folder / "contacts.csv"
    for stale in (db_path, csv_path):
        stale.unlink(missing_ok=True)
    duplicates, invalid = generate(csv_path, args.rows)
    headers, contact_id = prepare(db_path)
    env = {
        **os.environ,
        "THREADBOOK_DATABASE_URL": f"sqlite:///{db_path}",
        "THREADBOOK_SECRET_KEY": dataset.SECRET,
        "THREADBOOK_INSTANCE_PATH": str(folder / "instance"),
    }
    port = free_port()
    server = start_gunicorn(f"sqlite:///{db_path}", port, workers=2, threads=4)
    writers = Writers(port, headers, contact_id, args.writers)
    try:
        writers.start()
        time.sleep(2)  # warm the workers and their connections
        baseline_start = time.perf_counter()
        time.sleep(args.baseline)
        first_start = time.perf_counter()
        first_wall, first_output = run_import(csv_path, env)
        first_end = time.perf_counter()
        second_wall, second_output = run_import(csv_path, env)
        second_end = time.perf_counter()
        time.sleep(0.5)
    finally:
        writers.finish()
        server.terminate()
        server.wait(timeout=20)

    summary = re.search(r"Imported (\d+) of (\d+) row\(s\) in ([\d.]+) s", first_output)
    imported, rows, seconds = int(summary.group(1)), int(summary.group(2)), float(summary.group(3))
    rerun = re.search(r"in ([\d.]+) s", second_output.split("Imported 0", 1)[-1])
    print(f"Load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (other processes on the machine slow every figure)")
    print(f"Import of {rows} rows ({duplicates} duplicates and {invalid} invalid by construction), SQLite, {os.cpu_count()} cores,")
    print(f"gunicorn 2 workers x 4 threads, {args.writers} threads posting notes throughout:")
    rate = f"{rows / seconds:,.0f} rows/s" if seconds > 0 else "too quick to time"  # the importer prints tenths of a second
    print(f"  imported {imported} in {seconds:.1f} s: {rate} ({first_wall:.1f} s wall, with start-up and the rejects file)")
    print(f"  re-run (every row already there): {float(rerun.group(1)) if rerun else second_wall:.1f} s ({second_wall:.1f} s wall)")
    print("API writes (POST /api/v1/notes):")
    print(latency_line("before (baseline)", writers.between(baseline_start, first_start)))
    print(latency_line("during the import", writers.between(first_start, first_end)))
    print(latency_line("during the re-run", writers.between(first_end, second_end)))
    during = writers.between(first_start, second_end)
    p99 = dataset.percentile([s for s, _ in during], 0.99) if during else 0
    failures = sum(1 for _, status in during if status >= 500)
    met = seconds < 30 and p99 < 0.3 and failures == 0
    print(f"Targets (import < 30 s, API p99 < 300 ms, no 5xx): {'met' if met else 'NOT met'}")
    if args.keep:
        print(f"Files kept in {folder}")


if __name__ == "__main__":
    main()
