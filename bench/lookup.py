"""Measure participant lookup in process: 20 participants, an organisation of 1,000,000 contacts.

    .venv/bin/python -m bench.lookup [--requests 3000] [--db PATH]

Builds the organisation once into /tmp (bench/dataset.py; a few minutes the
first time), then times ``POST /api/v1/lookup`` through the Flask test client
(session check, JSON in and out, every query) and, separately, the
``participants.lookup`` function alone. Each request asks about 8 contacts,
2 contacts by a Gmail alias, 3 leads, the caller, 2 colleagues and 4
strangers, with a thread id. Rate limiting is off in process (it is measured
over HTTP by bench/lookup_http.py). Target: p99 under 5 ms.
"""

import argparse
import gc
import random
import statistics
import time

from bench import dataset


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--db", default=str(dataset.DEFAULT_PATH))
    args = parser.parse_args()
    path = dataset.ensure(args.db)

    from threadbook import create_app
    from threadbook.crm.participants import lookup
    from threadbook.db import database
    from threadbook.models import User

    app = create_app({**dataset.settings(path), "RATELIMIT_ENABLED": False})
    headers = dataset.session_header(app)
    client = app.test_client()
    rng = random.Random(7)
    bodies = [dataset.participants(rng) for _ in range(args.requests)]

    for body in bodies[:200]:  # warm the page cache and the code paths
        assert client.post("/api/v1/lookup", json=body, headers=headers).status_code == 200
    gc.collect()
    timings = []
    kinds = {}
    for body in bodies:
        started = time.perf_counter()
        response = client.post("/api/v1/lookup", json=body, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_json()
        for p in response.get_json()["participants"]:
            kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1

    core = []
    with app.app_context():
        database.connect(reuse_if_open=True)
        user = User.get_by_id(1)
        for body in bodies:
            requested = [(p["email"], p.get("name")) for p in body["participants"]]
            started = time.perf_counter()
            lookup(user, requested, body["thread_id"])
            core.append((time.perf_counter() - started) * 1000)
        contacts = database.execute_sql("SELECT COUNT(*) FROM contact WHERE org_id = 1").fetchone()[0]
        database.close()

    print(f"Lookup of 20 participants, {contacts:,} contacts in the organisation, SQLite, {len(bodies)} requests")
    print(f"  participants found: {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}")
    for label, values in (("POST /api/v1/lookup (test client)", timings), ("participants.lookup() alone", core)):
        print(f"  {label:36s} p50 {statistics.median(values):6.2f} ms   p99 {dataset.percentile(values, 0.99):6.2f} ms   max {max(values):6.2f} ms")
    for label, values in (("the lookup itself", core), ("the whole request (session check, Flask, JSON)", timings)):
        p99 = dataset.percentile(values, 0.99)
        print(f"  target p99 < 5 ms, {label}: {'met' if p99 < 5 else 'NOT met'} ({p99:.2f} ms)")


if __name__ == "__main__":
    main()
