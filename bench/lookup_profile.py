"""Profile the request path of ``POST /api/v1/lookup`` beside ``GET /api/v1/me`` and ``GET /healthz``, in process.

    .venv/bin/python -m bench.lookup_profile [--database sqlite|postgresql] [--requests 2000] [--db PATH] [--top 25]

The whole WSGI path (rate limits on, as gunicorn serves it: Flask-Limiter,
the session check, JSON in and out, every query) through werkzeug's test
client on the benchmark organisation (bench/dataset.py, 1,000,000 contacts).
Prints the microseconds each endpoint costs and the ratio the HTTP benchmark
(bench/lookup_http.py) measures over a real socket, then cProfile's top
functions of lookup by their own time and cumulatively. ``--database
postgresql`` profiles the same organisation copied into PostgreSQL
(bench/dataset_pg.py).
"""

import argparse
import cProfile
import pstats
import random
import time
from contextlib import nullcontext

from bench import dataset, dataset_pg


def per_request_us(client, method, path, bodies, headers):
    started = time.perf_counter()
    for body in bodies:
        response = client.open(path, method=method, json=body, headers=headers) if body is not None else client.open(path, method=method, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return (time.perf_counter() - started) / len(bodies) * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--db", default=str(dataset.DEFAULT_PATH))
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    path = dataset.ensure(args.db)
    opened = dataset_pg.running(path) if args.database == "postgresql" else nullcontext(f"sqlite:///{path}")
    with opened as database_url:
        profile_lookup(path, database_url, args)


def profile_lookup(path, database_url, args):
    from threadbook import create_app

    app = create_app(
        {**dataset.settings(path), "DATABASE_URL": database_url, "RATELIMIT_API": "100000000 per minute", "RATELIMIT_API_ADDRESS": "100000000 per minute"}
    )
    headers = dataset.session_header(app)
    client = app.test_client()
    rng = random.Random(7)
    bodies = [dataset.participants(rng) for _ in range(args.requests)]
    per_request_us(client, "POST", "/api/v1/lookup", bodies[:200], headers)  # warm up

    for _ in range(2):
        healthz = per_request_us(client, "GET", "/healthz", [None] * args.requests, {})
        me = per_request_us(client, "GET", "/api/v1/me", [None] * args.requests, headers)
        lookup = per_request_us(client, "POST", "/api/v1/lookup", bodies, headers)
    print(f"per request, in process: /healthz {healthz:.0f} µs, /api/v1/me {me:.0f} µs, lookup {lookup:.0f} µs")
    print(f"lookup costs {lookup - healthz:.0f} µs more than /healthz (/me: {me - healthz:.0f} µs)")

    profile = cProfile.Profile()
    profile.enable()
    per_request_us(client, "POST", "/api/v1/lookup", bodies, headers)
    profile.disable()
    stats = pstats.Stats(profile).strip_dirs()
    print(f"\ncProfile of {len(bodies)} lookups, by own time:")
    stats.sort_stats("tottime").print_stats(args.top)
    print("cumulative:")
    stats.sort_stats("cumulative").print_stats(args.top * 2)


if __name__ == "__main__":
    main()
