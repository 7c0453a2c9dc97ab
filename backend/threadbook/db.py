"""The database object, declared empty and bound by the application factory.

SQLite is the embedded default: WAL with synchronous=NORMAL (durable across
process crashes, fast), a busy timeout so concurrent gunicorn workers wait
instead of failing "database is locked", and foreign keys on. Writes that read
first take the write lock up front with ``write_transaction()``.
"""

from contextlib import contextmanager

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 1,  # NORMAL; never OFF
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "cache_size": -64000,  # 64 MB
    # Read pages through a memory map instead of a read() call each: halves a
    # 20-participant lookup in a million-contact database (bench/lookup.py).
    "mmap_size": 1 << 30,
}


POSTGRES_STALE_SECONDS = 300
# The hot statements (hot_sql.py) are prepared once per connection; left to itself PostgreSQL went on
# planning the lookup's statements on every EXECUTE (0.15-0.25 ms each, as much as running them), since
# a plan for "= ANY($n)" looks dearer than each custom one. Their generic plans are the same index scans.
# Only server-side prepared statements are affected: peewee's other queries arrive as plain SQL.
POSTGRES_SESSION_OPTIONS = "-c plan_cache_mode=force_generic_plan"


def open_database(url):
    """Return an unconnected peewee database for a URL (sqlite:/// or postgresql://).

    Connections are pooled: closing one at the end of a request keeps it for
    the next. On SQLite that keeps its page cache and memory map warm and
    skips the pragmas (a request then costs a quarter of the time); on
    PostgreSQL it skips connecting, 4 ms a request against 0.09 ms for a query
    on an open connection (bench/lookup_http.py: /healthz went from 345 to
    1,000+ requests a second). A pooled PostgreSQL connection idle for
    ``POSTGRES_STALE_SECONDS`` is closed rather than reused, and one the server
    dropped (a restart) is discarded after the request that found it.
    """
    if url.startswith("sqlite:"):
        url = "sqlite+pool:" + url[len("sqlite:") :]
    if url.startswith("sqlite"):
        return connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False, max_connections=None, stale_timeout=None)
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            url = "postgresql+pool://" + url[len(scheme) :]
    if url.startswith("postgresql+pool://"):
        session = {} if "options=" in url else {"options": POSTGRES_SESSION_OPTIONS}  # the URL's own options win
        return connect(url, max_connections=None, stale_timeout=POSTGRES_STALE_SECONDS, **session)
    return connect(url)


def bind(url):
    """Point the shared proxy at the database for ``url`` and return it."""
    db = open_database(url)
    database.initialize(db)
    return db


def is_sqlite():
    return isinstance(database.obj, SqliteDatabase)


def is_postgres():
    return isinstance(database.obj, PostgresqlDatabase)


@contextmanager
def write_transaction():
    """Open a transaction that holds the write lock from its first statement.

    On SQLite a deferred transaction that reads then writes fails with "database
    is locked" when another writer got there first; BEGIN IMMEDIATE waits for the
    lock instead (busy timeout). PostgreSQL needs nothing special.
    """
    if is_sqlite():
        with database.obj.atomic("IMMEDIATE") as txn:
            yield txn
    else:
        with database.atomic() as txn:
            yield txn
