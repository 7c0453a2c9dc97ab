"""What every ``threadbook`` command does first (``prepared``): load the app, say which instance folder and database it uses, and refuse a database that is not ready.

A command run from another folder, or with another THREADBOOK_INSTANCE_PATH
or THREADBOOK_DATABASE_URL, would otherwise work on a database nobody else
uses; the first line a command prints names it, and a command that needs the
schema refuses (exit code 4), saying which database and what to run, instead
of creating an empty file or failing on "no such table". The checks
themselves are the doctor's (doctor/database.py), so both say the same.
"""

import functools

import click
from flask.cli import ScriptInfo

from threadbook import config
from threadbook.config import ConfigError
from threadbook.db import database
from threadbook.doctor import database as database_checks

EXIT_NO_DATABASE = 4


class DatabaseNotReady(click.ClickException):
    exit_code = EXIT_NO_DATABASE


def announce(app):
    """Print the instance folder, database and queue this command uses."""
    click.echo(f"Using {config.describe_paths(app.config, app.instance_path)}.")


def prepared(command, needs_tables=True):
    """Make ``command`` load the app first and say what it uses.

    With ``needs_tables`` it refuses a database that is missing, has no tables
    or an old schema; without, it creates the SQLite file's folder (the command
    creates the database). A setting the server refuses (a weak secret, …)
    ends the command with its message instead of a traceback.
    """
    original = command.callback

    @functools.wraps(original)
    def callback(*args, **kwargs):
        ctx = click.get_current_context()
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except ConfigError as exc:
            raise click.ClickException(f"{exc} (`threadbook doctor` checks every setting.)") from None
        with app.app_context():
            announce(app)
            if needs_tables:
                _refuse_without_tables(app.config["DATABASE_URL"])
            else:
                path = database_checks.sqlite_path(app.config["DATABASE_URL"])
                if path is not None:
                    path.parent.mkdir(parents=True, exist_ok=True)
            return original(*args, **kwargs)

    command.callback = callback
    return command


def _refuse_without_tables(url):
    problem = database_checks.missing_file_problem(url)  # before connecting, which would create an empty file
    if problem is None:
        with database.connection_context():
            problem = database_checks.schema_problem(database, url)
    if problem:
        raise DatabaseNotReady(problem)
