"""The lookup's floor, for bench/lookup_http.py: Threadbook's app plus one route that runs only a lookup's SQL.

    gunicorn -c backend/gunicorn.conf.py 'bench.statements_app:build()'

``POST /api/v1/bench/lookup-statements`` takes a lookup's body and is checked
like any API call (rate limits, the session token, the caller's rows), parses
the JSON, then runs exactly the statements ``POST /api/v1/lookup`` runs for
that body, fetching every row, and answers ``{}``. No lookup can cost less
than that, however its Python is written: it is the floor the real lookup is
measured against.

The statements are recorded when each worker starts, by running the real
lookup view once per body the benchmark's clients will send (the bodies of
``bench.dataset.participants`` for each seed in THREADBOOK_BENCH_STATEMENT_SEEDS,
500 per seed, as lookup_http's clients build them), with the session in
THREADBOOK_BENCH_AUTHORIZATION; each worker then leaves a file named by its
pid in THREADBOOK_BENCH_READY_DIR. A body that was not recorded answers 409.
"""

import json
import os
import random

from flask import current_app, jsonify, request

from bench import dataset
from threadbook import create_app, hot_sql
from threadbook.api.params import json_body
from threadbook.db import database
from threadbook.errors import ApiError

PATH = "/api/v1/bench/lookup-statements"
SEEDS_ENV = "THREADBOOK_BENCH_STATEMENT_SEEDS"
AUTHORIZATION_ENV = "THREADBOOK_BENCH_AUTHORIZATION"
READY_DIR_ENV = "THREADBOOK_BENCH_READY_DIR"  # each worker leaves a file there once it has recorded
BODIES_PER_SEED = 500  # as lookup_http.client_process builds them
LOOKUP_VIEW = "api.lookup.lookup_participants"


def bodies(seed):
    """The request bodies a lookup_http client seeded with ``seed`` sends, byte for byte."""
    rng = random.Random(seed)
    return [json.dumps(dataset.participants(rng)).encode() for _ in range(BODIES_PER_SEED)]


class Recorder:
    """While on, collects the statements hot_sql runs and refuses any other statement (which the floor could not replay)."""

    def __init__(self):
        self.statements = None  # a list while recording
        self._inside_hot_sql = 0

    def __enter__(self):
        self._run_sqlite, self._run_postgres = hot_sql._run_sqlite, hot_sql._run_postgres
        self._database, self._execute_sql = database.obj, database.obj.execute_sql
        self._own_execute_sql = vars(self._database).get("execute_sql")  # another wrapper already there, to put back
        hot_sql._run_sqlite = self._wrap(self._run_sqlite)
        hot_sql._run_postgres = self._wrap(self._run_postgres)
        self._database.execute_sql = self._checked_execute
        return self

    def __exit__(self, *exc_info):
        hot_sql._run_sqlite, hot_sql._run_postgres = self._run_sqlite, self._run_postgres
        if self._own_execute_sql is None:
            del self._database.execute_sql  # the class's method again
        else:
            self._database.execute_sql = self._own_execute_sql

    def _wrap(self, run):
        def recorded(sql, params):
            if self.statements is not None:
                self.statements.append((sql, params))
            self._inside_hot_sql += 1
            try:
                return run(sql, params)
            finally:
                self._inside_hot_sql -= 1

        return recorded

    def _checked_execute(self, sql, params=None, *args, **kwargs):
        if self.statements is not None and not self._inside_hot_sql:
            raise RuntimeError(f"the lookup ran a statement outside hot_sql, which the floor cannot replay: {sql[:120]}")
        return self._execute_sql(sql, params, *args, **kwargs)


def record(app, seeds, authorization):
    """{request body: [(sql, params)]} for the bodies of ``seeds``, by running the real lookup view on each."""
    view = app.view_functions[LOOKUP_VIEW]
    found = {}
    with Recorder() as recorder:

        def recording_view(*args, **kwargs):
            recorder.statements = []
            try:
                return view(*args, **kwargs)
            finally:
                found[request.get_data()], recorder.statements = recorder.statements, None

        app.view_functions[LOOKUP_VIEW] = recording_view
        try:
            client = app.test_client()
            headers = {"Authorization": authorization, "Content-Type": "application/json"}
            for seed in seeds:
                for body in bodies(seed):
                    response = client.post("/api/v1/lookup", data=body, headers=headers)
                    if response.status_code != 200:
                        raise RuntimeError(f"recording the lookup's statements: {response.status_code} {response.get_data(as_text=True)[:200]}")
        finally:
            app.view_functions[LOOKUP_VIEW] = view
    return found


def lookup_statements():
    json_body()  # parsed as the lookup parses it
    statements = current_app.extensions["bench_lookup_statements"].get(request.get_data())
    if statements is None:
        raise ApiError(409, "This body was not recorded when the worker started (see bench/statements_app.py).")
    for sql, params in statements:
        hot_sql.fetch(sql, params)
    return jsonify({})


def install(app, seeds, authorization):
    """Add the floor's route to ``app`` and record the statements of the bodies of ``seeds`` (run as ``authorization``)."""
    app.add_url_rule(PATH, "bench_lookup_statements", lookup_statements, methods=["POST"])
    with app.app_context():
        app.extensions["bench_lookup_statements"] = record(app, seeds, authorization)
    return app


def build():
    """The app gunicorn serves: each worker builds it, records, then says it is ready."""
    seeds = [int(seed) for seed in os.environ.get(SEEDS_ENV, "").split(",") if seed]
    app = install(create_app(), seeds, os.environ.get(AUTHORIZATION_ENV, ""))
    if os.environ.get(READY_DIR_ENV):
        open(os.path.join(os.environ[READY_DIR_ENV], str(os.getpid())), "w").close()
    return app
