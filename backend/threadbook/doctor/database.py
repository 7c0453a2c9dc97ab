"""The database checks: it opens, it has tables, its schema is this code's; and the refusal every command shares."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from threadbook.db import open_database
from threadbook.doctor import report
from threadbook.migrations import LATEST, SchemaVersion
from threadbook.models import Organization, User

NAME = "database"
URL_EXAMPLE = "THREADBOOK_DATABASE_URL=sqlite:////srv/threadbook/threadbook.sqlite3 (or postgresql://user@host/threadbook)"
INIT_HINT = "run `threadbook init-db` (`make db` also seeds the demo organisation)"


def schema_state(db):
    """Return (version, has_tables) of a connected database: version None when it has no schema_version table."""
    has_tables = db.table_exists(Organization._meta.table_name)
    if not db.table_exists(SchemaVersion._meta.table_name):
        return None, has_tables
    row = db.execute_sql(f"SELECT MAX(version) FROM {SchemaVersion._meta.table_name}").fetchone()
    return (row[0] or 0), has_tables


def schema_problem(db, url):
    """Return why commands must not use this connected database (a sentence with the fix), or None when its schema is current."""
    version, has_tables = schema_state(db)
    where = describe_url(url)
    if not has_tables:
        return f"The database {where} has no tables: {INIT_HINT}. Check that THREADBOOK_DATABASE_URL / THREADBOOK_INSTANCE_PATH name the database you meant."
    if version is None or version < LATEST:
        return f"The database {where} is at schema version {version or 0}; this code needs {LATEST}: {INIT_HINT} to upgrade it in place."
    if version > LATEST:
        return f"The database {where} is at schema version {version}, newer than this code ({LATEST}): run the Threadbook release that upgraded it."
    return None


def missing_file_problem(url):
    """Why a sqlite:/// database cannot be used (its file does not exist), checked before connecting would create it; else None."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return None
    return f"There is no database at {path.resolve()} ({url}): {INIT_HINT}. Check that THREADBOOK_DATABASE_URL / THREADBOOK_INSTANCE_PATH name the database you meant."


def describe_url(url):
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(":" + parts.password + "@", ":***@", 1)
    return url


def sqlite_path(url):
    """The file of a sqlite:/// URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path)


def check(url):
    """Return the database checks for ``url``, without creating anything."""
    name = NAME
    path = sqlite_path(url)
    checks = []
    if path is not None:
        if not path.is_absolute():
            checks.append(
                report.warn(
                    name,
                    f"{url} is relative: it is taken from the working directory ({os.getcwd()}), so commands started elsewhere use another file",
                    "give an absolute path, e.g. " + URL_EXAMPLE.split(" (")[0],
                )
            )
        if not path.exists():
            checks.append(report.fail(name, f"no database file at {path.resolve()}", f"{INIT_HINT}; or point {URL_EXAMPLE}"))
            return checks
    try:
        db = open_database(url)
        db.connect()
    except Exception as exc:  # any driver's error: say it as it is
        checks.append(report.fail(name, f"cannot open {describe_url(url)}: {exc.__class__.__name__}: {str(exc).strip()[:300]}", URL_EXAMPLE))
        return checks
    try:
        problem = schema_problem(db, url)
        if problem:
            checks.append(report.fail(name, problem))
            return checks
        orgs = db.execute_sql(f"SELECT COUNT(*) FROM {Organization._meta.table_name}").fetchone()[0]
        users = db.execute_sql(f'SELECT COUNT(*) FROM "{User._meta.table_name}"').fetchone()[0]
        checks.append(report.ok(name, f"{describe_url(url)}: schema version {LATEST} (current); {orgs} organisation(s), {users} user(s)"))
        if not orgs:
            checks.append(
                report.warn("organisations", "none yet", "`threadbook seed-demo` adds the demo one; the first Google sign-in from a domain creates its own")
            )
    finally:
        db.close()
        if hasattr(db, "close_all"):  # a pooled SQLite database keeps the connection otherwise
            db.close_all()
    return checks
