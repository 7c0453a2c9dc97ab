"""What the ``threadbook`` commands share: saying which instance folder and database they use, and refusing a database without tables.

A command run from another folder, or with another THREADBOOK_INSTANCE_PATH
or THREADBOOK_DATABASE_URL, would otherwise work on a database nobody else
uses; the first line a command prints names it, and a command that needs the
schema refuses, saying what to run, instead of creating an empty file or
failing on "no such table".
"""

import os

import click

from threadbook import config
from threadbook.db import database, is_sqlite

EXIT_NO_DATABASE = 4


class DatabaseNotReady(click.ClickException):
    exit_code = EXIT_NO_DATABASE


def announce(app):
    """Print the instance folder, database and queue this command uses."""
    click.echo(f"Using {config.describe_paths(app.config, app.instance_path)}.")


def require_tables(app):
    """Raise DatabaseNotReady unless the database exists and has Threadbook's tables (never creating a file to find out)."""
    url = config._without_password(app.config["DATABASE_URL"])
    fix = "Run `threadbook init-db` first, or point THREADBOOK_DATABASE_URL / THREADBOOK_INSTANCE_PATH at the database you meant."
    if is_sqlite():
        path = database.obj.database
        if path != ":memory:" and not os.path.exists(path):
            raise DatabaseNotReady(f"There is no database at {path}. {fix}")
    with database.connection_context():
        if not database.table_exists("organization"):
            raise DatabaseNotReady(f"The database {url} has no Threadbook tables. {fix}")


def make_database_folder():
    """Create the folder of a SQLite database file (init-db makes the file itself)."""
    if is_sqlite() and database.obj.database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(database.obj.database)), exist_ok=True)
