"""Measure lookup throughput through gunicorn over HTTP, relative to ``GET /healthz`` on the same server.

    .venv/bin/python -m bench.lookup_http [--database sqlite|postgresql|both] [--seconds 5] [--clients 2] [--connections 4] [--db PATH]

Serves the 1,000,000-contact organisation of bench/dataset.py with gunicorn
(backend/gunicorn.conf.py: gthread workers, access log on, rate limits on but
raised far above the load) on a free loopback port, then drives it from
``--clients`` processes, each keeping ``--connections`` keep-alive
connections busy, alternating rounds of ``GET /healthz`` and ``POST
/api/v1/lookup`` (20 participants) so both see the same machine, with ``GET
/api/v1/me`` between them as the floor: an API call that checks the session
(rate limit, token, the caller's rows) and does nothing else. Prints
requests per second of each and their ratio. Target: lookup at least 0.6 of
healthz. The load generator shares the 2 cores with the server, as any
client on the same host would.

``--database postgresql`` serves the same organisation from PostgreSQL: a
copy of the SQLite file made by bench/dataset_pg.py (a throwaway server whose
data is kept under /tmp/threadbook-bench/, or THREADBOOK_BENCH_POSTGRES_URL);
``--database both`` (what ``make bench`` runs) measures one then the other
and ends with one line per database to quote.
"""

import argparse
import http.client
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import nullcontext

from bench import dataset, dataset_pg, statements_app

# What each kind of request is; the POSTs send lookup bodies, and all but /healthz the session.
REQUESTS = {
    "healthz": ("GET", "/healthz"),
    "me": ("GET", "/api/v1/me"),
    "statements": ("POST", statements_app.PATH),
    "lookup": ("POST", "/api/v1/lookup"),
}
KINDS = tuple(REQUESTS)
STATEMENTS_SEED = 100  # every round sends the same bodies to the floor route: the ones its workers recorded at start


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(database_url, port, workers, threads, app=None, extra_env=None):
    """Serve ``app`` (default: Threadbook's own, backend/wsgi.py) on ``port`` with the project's gunicorn settings."""
    env = dict(
        os.environ,
        **(extra_env or {}),
        THREADBOOK_DATABASE_URL=database_url,
        THREADBOOK_SECRET_KEY=dataset.SECRET,
        THREADBOOK_BIND=f"127.0.0.1:{port}",
        THREADBOOK_WORKERS=str(workers),
        THREADBOOK_THREADS=str(threads),
        THREADBOOK_INSTANCE_PATH=tempfile.mkdtemp(prefix="threadbook-bench-"),
        THREADBOOK_RATELIMIT_API="100000000 per minute",
        THREADBOOK_RATELIMIT_API_ADDRESS="100000000 per minute",
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    conf = os.path.join(dataset.ROOT, "backend", "gunicorn.conf.py")
    if app:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(dataset.ROOT), env.get("PYTHONPATH")]))  # gunicorn runs in backend/
    log = tempfile.NamedTemporaryFile(prefix="threadbook-bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115 (read back on failure)
    process = subprocess.Popen([gunicorn, "-c", conf, *([app] if app else [])], env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 180  # the floor's workers record their statements first
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    with open(log.name, errors="replace") as output:
        raise RuntimeError(f"gunicorn did not start; the end of its log ({log.name}):\n{output.read()[-3000:]}")


def _connection_loop(port, kind, bodies, headers, stop_at, counts, index):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    method, path = REQUESTS[kind]
    sent_headers = {} if kind == "healthz" else headers
    done = 0
    while time.perf_counter() < stop_at:
        body = bodies[done % len(bodies)] if method == "POST" else None
        conn.request(method, path, body=body, headers=sent_headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{kind} answered {response.status}")
        done += 1
    counts[index] = done
    conn.close()


def client_process(port, kind, seconds, connections, headers, seed, queue):
    bodies = statements_app.bodies(seed)
    headers = {**headers, "Content-Type": "application/json"}
    counts = [0] * connections
    stop_at = time.perf_counter() + seconds
    threads = [threading.Thread(target=_connection_loop, args=(port, kind, bodies, headers, stop_at, counts, i)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(sum(counts))


def measure(port, kind, seconds, clients, connections, headers, seed):
    queue = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=client_process, args=(port, kind, seconds, connections, headers, seed + i, queue)) for i in range(clients)]
    for p in processes:
        p.start()
    total = sum(queue.get() for _ in processes)  # each client counts over its own `seconds`
    for p in processes:
        p.join()
    return total / seconds


def run(database_url, args):
    """Serve ``database_url`` with gunicorn and measure each kind; return requests/s by kind."""
    from threadbook import create_app

    headers = dataset.session_header(create_app({**dataset.settings(args.db), "DATABASE_URL": database_url, "RATELIMIT_ENABLED": False}))
    port = free_port()
    ready = tempfile.mkdtemp(prefix="threadbook-bench-ready-")
    floor = {
        statements_app.SEEDS_ENV: ",".join(str(STATEMENTS_SEED + i) for i in range(args.clients)),
        statements_app.AUTHORIZATION_ENV: headers["Authorization"],
        statements_app.READY_DIR_ENV: ready,
    }
    server = start_gunicorn(database_url, port, args.workers, args.threads, app="bench.statements_app:build()", extra_env=floor)
    try:
        deadline = time.time() + 300
        while len(os.listdir(ready)) < args.workers:  # gunicorn answers once one worker is up; every one records first
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn's workers did not all record the lookup's statements")
            time.sleep(0.5)
        for kind in KINDS:  # warm up workers, caches and connections
            measure(port, kind, 1, args.clients, args.connections, headers, STATEMENTS_SEED if kind == "statements" else 1)
        results = {kind: [] for kind in KINDS}
        for round_ in range(args.rounds):
            for kind in KINDS:
                seed = STATEMENTS_SEED if kind == "statements" else 100 + round_
                results[kind].append(measure(port, kind, args.seconds, args.clients, args.connections, headers, seed))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {kind: sum(values) / len(values) for kind, values in results.items()}


def report(name, rates):
    healthz, me, statements, lookup = (rates[kind] for kind in KINDS)
    print(f"{name}:")
    print(f"  GET /healthz                         {healthz:8.0f} requests/s")
    print(f"  GET /api/v1/me (session check only)  {me:8.0f} requests/s   ({me / healthz:.2f} of healthz: the floor for any API call)")
    print(
        f"  the lookup's statements alone        {statements:8.0f} requests/s   ({statements / healthz:.2f} of healthz: "
        "the floor for a lookup, bench/statements_app.py)"
    )
    print(f"  POST /api/v1/lookup (20 people)      {lookup:8.0f} requests/s   ({lookup / statements:.2f} of its floor)")
    ratio = lookup / healthz
    print(f"  lookup / healthz                     {ratio:8.2f}   (target >= 0.6: {'met' if ratio >= 0.6 else 'NOT met'})", flush=True)


def summary_line(name, rates):
    healthz, me, statements, lookup = (rates[kind] for kind in KINDS)
    ratio = lookup / healthz
    return (
        f"{name:<10} healthz {healthz:6.0f}/s  me {me:6.0f}/s  statements alone {statements:6.0f}/s ({statements / healthz:.2f})  "
        f"lookup {lookup:6.0f}/s  lookup/healthz {ratio:.2f} ({'met' if ratio >= 0.6 else 'NOT met'}, target >= 0.6)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--db", default=str(dataset.DEFAULT_PATH), help="the SQLite benchmark file (PostgreSQL gets a copy of it)")
    args = parser.parse_args()
    args.db = dataset.ensure(args.db)
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    print(
        f"gunicorn {args.workers} workers x {args.threads} threads on {os.cpu_count()} cores; "
        f"{args.clients} client processes x {args.connections} keep-alive connections; {args.rounds} rounds of {args.seconds:g} s",
        flush=True,
    )
    summary = []
    for name in databases:
        if name == "postgresql" and args.database == "both" and not dataset_pg.available():
            summary.append(f"{name:<10} skipped: {dataset_pg.UNAVAILABLE}")
            continue
        opened = dataset_pg.running(args.db) if name == "postgresql" else nullcontext(f"sqlite:///{args.db}")
        with opened as database_url:
            rates = run(database_url, args)
        report(name, rates)
        summary.append(summary_line(name, rates))
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
