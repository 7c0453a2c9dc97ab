"""Measure how long ``GET /healthz`` waits while slow clients dribble request bodies, with and without nginx.

    .venv/bin/python -m bench.slow_clients [--clients 14] [--body-bytes 15] [--workers W] [--threads T] [--probes 8] [--only gunicorn|nginx]

Starts gunicorn (backend/gunicorn.conf.py; workers and threads as given, else
its defaults for this machine) and, in front of it, real nginx running
deploy/nginx/threadbook.conf (addresses, ports and paths substituted; see
tests/deploy/servers.py). For each front (gunicorn directly, then nginx)
``--clients`` connections each send a POST whose body of ``--body-bytes``
bytes arrives one byte a second; two seconds in, ``--probes`` concurrent
``GET /healthz`` are timed. gunicorn's gthread workers read each body in a thread of their own,
so once the slow clients hold every thread /healthz waits for them; nginx
reads bodies itself and passes gunicorn only whole requests. Prints the
fastest, median and slowest /healthz on each. Needs nginx (Debian: apt-get install nginx).
"""

import argparse
import tempfile
import threading
import time
from pathlib import Path

from tests.deploy.servers import NGINX, Gunicorn, Nginx, SlowClient, get


def dribble(clients, stop):
    """Send one byte a second on every client until each has sent its body or ``stop`` is set."""
    while not stop.is_set() and any(client.still_sending for client in clients):
        for client in clients:
            try:
                client.dribble()
            except OSError:
                client.remaining = 0  # the server gave up on it
        stop.wait(1)


def time_healthz(port, tls, clients_count, body_bytes, probes):
    """Start ``clients_count`` slow clients; two seconds in, time ``probes`` concurrent ``GET /healthz`` on new connections.

    Return (statuses, seconds each took, how many slow clients were still sending when the last answered).
    Several probes, because gunicorn's workers share connections unevenly: one probe may find a worker the slow clients left free.
    """
    clients = [SlowClient("127.0.0.1", port, tls=tls, length=body_bytes) for _ in range(clients_count)]
    stop = threading.Event()
    sender = threading.Thread(target=dribble, args=(clients, stop), daemon=True)
    sender.start()
    results = [None] * probes

    def probe(index):
        started = time.perf_counter()
        status = get("127.0.0.1", port, "/healthz", tls=tls, timeout=body_bytes + 60)[0]
        results[index] = (status, time.perf_counter() - started)

    try:
        time.sleep(2)
        threads = [threading.Thread(target=probe, args=(n,)) for n in range(probes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sending = sum(client.still_sending for client in clients)
        return [status for status, _ in results], sorted(took for _, took in results), sending
    finally:
        stop.set()
        sender.join(timeout=5)
        for client in clients:
            client.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=14)
    parser.add_argument("--body-bytes", type=int, default=15, help="each slow body, sent at one byte a second")
    parser.add_argument("--workers", help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", help="threads per worker (default: gunicorn.conf.py's)")
    parser.add_argument("--probes", type=int, default=8, help="concurrent /healthz requests timed")
    parser.add_argument("--only", choices=("gunicorn", "nginx"))
    args = parser.parse_args()
    if NGINX is None and args.only != "gunicorn":
        parser.error("nginx is not installed (apt-get install nginx), or pass --only gunicorn")

    work = Path(tempfile.mkdtemp(prefix="threadbook-slow-clients-"))
    (work / "gunicorn").mkdir()
    (work / "nginx").mkdir()
    # The slow clients sign in (a route that reads its body first); its per-address limit would refuse them after 20.
    settings = {"THREADBOOK_TRUSTED_PROXIES": "127.0.0.1", "THREADBOOK_RATELIMIT_SIGNIN": "100000 per minute"}
    if args.workers:
        settings["THREADBOOK_WORKERS"] = args.workers
    if args.threads:
        settings["THREADBOOK_THREADS"] = args.threads
    gunicorn = Gunicorn(work / "gunicorn", **settings).start()
    nginx = None
    try:
        fronts = []
        if args.only != "nginx":
            fronts.append(("gunicorn directly", gunicorn.port, False))
        if args.only != "gunicorn":
            nginx = Nginx(work / "nginx", gunicorn.port).start()
            fronts.append(("nginx in front", nginx.https_port, True))
        shape = f"workers={args.workers or 'default'} threads={args.threads or 'default'}"
        print(f"{args.clients} clients sending {args.body_bytes}-byte bodies at 1 byte/s; gunicorn {shape}")
        for name, port, tls in fronts:
            statuses, took, sending = time_healthz(port, tls, args.clients, args.body_bytes, args.probes)
            median = took[len(took) // 2]
            print(
                f"  {name:18s} {args.probes} x /healthz {sorted(set(statuses))}: fastest {took[0]:.2f} s, median {median:.2f} s, slowest {took[-1]:.2f} s"
                f" ({sending} of {args.clients} slow clients still sending when the last answered)"
            )
    finally:
        if nginx is not None:
            nginx.stop()
        gunicorn.stop()


if __name__ == "__main__":
    main()
