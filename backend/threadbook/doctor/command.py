"""The ``threadbook doctor`` command, and ``prepared``: what every other command does before it runs."""

import functools
import sys

import click
from flask.cli import ScriptInfo

from threadbook.config import ConfigError
from threadbook.db import database
from threadbook.doctor import database as database_checks
from threadbook.doctor import report, services, settings


def run_checks(environ=None, offline=False, timeout=3.0):
    """Every check, in the order printed: configuration, database, queue and worker, Google."""
    checks, config, instance = settings.check(environ)
    if config is None:
        return checks
    checks.extend(database_checks.check(config["DATABASE_URL"]))
    if offline:
        checks.append(report.skip("task queue", "not checked (--offline)"))
        checks.append(report.skip("Google endpoints", "not checked (--offline)"))
        return checks
    checks.extend(services.check_queue(config, instance))
    checks.extend(services.check_google(config, timeout))
    return checks


@click.command("doctor")
@click.option("--offline", is_flag=True, help="Skip the checks that reach out (Redis, Google's endpoints, the worker's heartbeat).")
@click.option("--timeout", default=3.0, show_default=True, type=click.FloatRange(0.1, 60), help="Seconds to wait for each of Google's endpoints.")
def doctor_command(offline, timeout):
    """Check the configuration, database, task queue, worker and Google's endpoints; say what to fix. Exit 1 if anything fails."""
    checks = run_checks(offline=offline, timeout=timeout)
    for line in report.lines(checks):
        click.echo(line)
    sys.exit(1 if report.failed(checks) else 0)


def prepared(command, needs_tables=True):
    """Make ``command`` load the app first (which logs its instance folder, database and queue: one line on stderr).

    With ``needs_tables`` it refuses a database that is missing, has no tables or
    an old schema, saying which database and what to run; without, it creates
    the SQLite file's folder (the command creates the database). A setting the
    server refuses (a weak secret, …) ends the command with its message instead
    of a traceback.
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
            if needs_tables:
                _refuse_without_tables(app.config["DATABASE_URL"])
            else:  # this command creates the database: SQLite needs its folder
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
        raise click.ClickException(problem)
