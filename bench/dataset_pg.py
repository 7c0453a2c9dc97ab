"""The benchmark organisation on PostgreSQL: a copy of a SQLite benchmark file (bench/dataset.py, bench/load_dataset.py).

    .venv/bin/python -m bench.dataset_pg [--db SQLITE_PATH]   # build (or reuse) the copy, print its URL and timings

The server is a throwaway PostgreSQL (tests/pg_server.py) whose data
directory stays under /tmp/threadbook-bench/ beside the SQLite file, reused
by later runs while its recipe (the SQLite file's name and size, the schema
version) matches, else rebuilt. With ``THREADBOOK_BENCH_POSTGRES_URL`` set,
that database is used instead and its Threadbook tables are dropped and
copied again on every run.

The copy: the schema comes from the app's own migrations
(``threadbook.migrations.upgrade()`` on an empty database creates the latest
one), then every table of ``threadbook.models.ALL_MODELS`` is read from
SQLite and sent with ``COPY ... FROM STDIN`` in CSV, parents first, with the
values SQLite stores differently converted (0/1 for booleans, bytes for
blobs); then each id sequence is moved past the copied ids and the tables are
analysed.
"""

import argparse
import contextlib
import csv
import io
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import psycopg2
from peewee import AutoField, BlobField, BooleanField, sort_models

from bench import dataset

DATABASE = "threadbook_bench"
CHUNK_ROWS = 100_000
UNAVAILABLE = "PostgreSQL is not installed (Debian's 'postgresql' package) and THREADBOOK_BENCH_POSTGRES_URL is not set"
# As docs/deploy.md tunes a production server: buffers that hold the working set (the 1M-contact copy is about
# 1.1 GB; the default 128 MB made every lookup read pages from the kernel), and the planner told reads are cheap.
SERVER_SETTINGS = {"shared_buffers": "2GB", "effective_cache_size": "4GB", "random_page_cost": "1.1"}
NULL = r"\N"  # COPY's NULL marker in CSV here: an unquoted empty field stays the empty string


def available():
    """Whether a PostgreSQL can be had: an external URL, or server binaries to start one."""
    from tests.pg_server import find_bin_dir

    return bool(os.environ.get("THREADBOOK_BENCH_POSTGRES_URL") or find_bin_dir())


def _csv_value(value, field):
    if value is None:
        return NULL
    if isinstance(field, BooleanField):
        return "t" if value else "f"
    if isinstance(field, BlobField) or isinstance(value, bytes):
        return "\\x" + bytes(value).hex()
    return value


def _copy_table(source, target, model):
    """Stream one table from SQLite into PostgreSQL in chunks of CSV; return the row count."""
    table = model._meta.table_name
    present = {row[1] for row in source.execute(f'PRAGMA table_info("{table}")')}
    fields = [f for f in model._meta.sorted_fields if f.column_name in present]
    if not fields:
        return 0
    select = ", ".join(f'"{f.column_name}"' for f in fields)
    copy = f"COPY \"{table}\" ({select}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
    rows = source.execute(f'SELECT {select} FROM "{table}"')
    total = 0
    with target.cursor() as cursor:
        while chunk := rows.fetchmany(CHUNK_ROWS):
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerows([_csv_value(v, f) for v, f in zip(row, fields, strict=True)] for row in chunk)
            buffer.seek(0)
            cursor.copy_expert(copy, buffer)
            total += len(chunk)
    return total


def _reset_sequences(target, models):
    with target.cursor() as cursor:
        for model in models:
            pk = model._meta.primary_key
            if isinstance(pk, AutoField):
                table, column = model._meta.table_name, pk.column_name
                cursor.execute(
                    f'SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{table}"',
                    (f'"{table}"', column),
                )


def _create_schema(url):
    """Drop what an earlier copy left, then let the app's migrations create the latest schema."""
    from threadbook import db as db_module
    from threadbook.migrations import SchemaVersion, upgrade
    from threadbook.models import ALL_MODELS

    database = db_module.open_database(url)
    db_module.database.initialize(database)
    with database.connection_context():
        database.drop_tables([*ALL_MODELS, SchemaVersion], safe=True, cascade=True)
        upgrade()
    database.close()


def copy_sqlite(sqlite_path, url, verbose=True):
    """Copy every Threadbook table of the SQLite file into the (emptied) PostgreSQL database at ``url``; return row counts."""
    from threadbook.models import ALL_MODELS

    started = time.perf_counter()
    _create_schema(url)
    models = sort_models(ALL_MODELS)  # parents before children, for the foreign keys
    counts = {}
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    target = psycopg2.connect(url)
    try:
        with target:  # one transaction: a failed copy leaves nothing half-done
            for model in models:
                table_started = time.perf_counter()
                counts[model._meta.table_name] = _copy_table(source, target, model)
                if verbose and counts[model._meta.table_name] >= CHUNK_ROWS:
                    print(f"  {model._meta.table_name}: {counts[model._meta.table_name]:,} rows in {time.perf_counter() - table_started:.1f} s", flush=True)
            _reset_sequences(target, models)
        target.autocommit = True
        with target.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        source.close()
        target.close()
    if verbose:
        print(f"Copied {sum(counts.values()):,} rows of {sqlite_path.name} into PostgreSQL in {time.perf_counter() - started:.0f} s", flush=True)
    return counts


class BenchPostgres:
    """A PostgreSQL server whose data directory outlives the run, reused while its recipe matches."""

    def __init__(self, sqlite_path):
        from tests.pg_server import PostgresServer

        self.sqlite_path = Path(sqlite_path)
        self.home = self.sqlite_path.with_name(f"pg-{self.sqlite_path.stem}")
        self.recipe_file = self.sqlite_path.with_name(f"pg-{self.sqlite_path.stem}.recipe")
        self.server = PostgresServer(settings=SERVER_SETTINGS)
        shutil.rmtree(self.server.dir, ignore_errors=True)  # its own temporary directory: ours replaces it
        self.server.dir = str(self.home)

    def recipe(self):
        from threadbook.migrations import LATEST

        stat = self.sqlite_path.stat()
        return f"{self.sqlite_path.name} {stat.st_size} bytes, schema {LATEST}\n"

    def start(self):
        """Start the server; return its database URL, copying the SQLite file first unless the kept copy matches."""
        if (self.home / "data" / "postmaster.pid").exists():
            self.stop()  # a run that was killed may have left it running
        if self.recipe_file.exists() and self.recipe_file.read_text() == self.recipe() and (self.home / "data").exists():
            try:
                self.server.resume()
                print(f"Reusing the PostgreSQL copy in {self.home}", flush=True)
                return self.server.url(DATABASE)
            except (subprocess.CalledProcessError, psycopg2.OperationalError):
                pass  # rebuild below
        self.recipe_file.unlink(missing_ok=True)
        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True)
        if self.server.as_root:
            shutil.chown(self.home, user="postgres", group="postgres")
            os.chmod(self.home, 0o700)
        print(f"Copying {self.sqlite_path} into a new PostgreSQL in {self.home} ...", flush=True)
        self.server.start()
        _admin(self.server.url("postgres"), f"CREATE DATABASE {DATABASE}")
        url = self.server.url(DATABASE)
        copy_sqlite(self.sqlite_path, url)
        self.recipe_file.write_text(self.recipe())
        return url

    def stop(self):
        """Stop the server, keeping its data for the next run."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self.server.halt()


def _admin(url, sql):
    from tests.pg_server import admin_execute

    admin_execute(url, sql)


def clone(admin_url, template, name, wait_seconds=60):
    """Replace database ``name`` with a copy of ``template`` (CREATE DATABASE ... TEMPLATE, a file copy).

    PostgreSQL refuses to copy a database anyone is connected to, and right
    after a fresh copy autovacuum usually is (the first `make bench-scaled` on a
    new machine stopped there): sessions on the template are ended, and the
    copy retried until ``wait_seconds`` have passed. Only for the benchmark's
    own throwaway server.
    """
    _admin(admin_url, f"DROP DATABASE IF EXISTS {name}")
    deadline = time.monotonic() + wait_seconds
    while True:
        _admin(admin_url, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{template}' AND pid <> pg_backend_pid()")
        try:
            _admin(admin_url, f"CREATE DATABASE {name} TEMPLATE {template}")
            return
        except psycopg2.errors.ObjectInUse:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@contextlib.contextmanager
def running(sqlite_path, writable=False):
    """Yield the URL of a PostgreSQL database holding a copy of the SQLite benchmark file.

    ``writable``: a run that writes gets its own database cloned from the kept
    copy (CREATE DATABASE ... TEMPLATE, a file copy), so the next run starts
    from the same state, as bench/load.py does with its SQLite file.
    """
    external = os.environ.get("THREADBOOK_BENCH_POSTGRES_URL")
    if external:
        print(f"Copying {sqlite_path} into THREADBOOK_BENCH_POSTGRES_URL (its Threadbook tables are replaced) ...", flush=True)
        copy_sqlite(Path(sqlite_path), external)
        yield external
        return
    server = BenchPostgres(sqlite_path)
    url = server.start()
    try:
        if writable:
            clone(server.server.url("postgres"), DATABASE, f"{DATABASE}_run")
            url = server.server.url(f"{DATABASE}_run")
        yield url
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(dataset.DEFAULT_PATH))
    args = parser.parse_args()
    path = dataset.ensure(args.db)
    with running(path) as url:
        print(url)


if __name__ == "__main__":
    main()
