"""The ``threadbook doctor`` command: every check, printed with what to fix."""

import sys

import click

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
