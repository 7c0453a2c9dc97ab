"""Whether every dependency this deployment uses answers: the database, and Redis when configured.

``/healthz`` (api/health.py) answers from ``check``; a load balancer or
systemd watchdog then takes a host whose Redis or database is gone out of
service instead of sending it requests that cannot be served. Each check has
a short timeout, so the health check itself never hangs.
"""

from threadbook.db import database
from threadbook.jobs import queue

REDIS_TIMEOUT_SECONDS = 1.0


def check(config):
    """Return ``{dependency: "ok" or what went wrong}`` for every dependency the configuration uses."""
    checks = {"database": _database()}
    if config.get("REDIS_URL"):
        checks["redis"] = queue.redis_problem(config["REDIS_URL"], timeout=REDIS_TIMEOUT_SECONDS) or "ok"
    return checks


def failed(checks):
    """The dependencies of ``checks`` that did not answer, in order."""
    return [name for name, state in checks.items() if state != "ok"]


def _database():
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1").fetchone()
    except Exception as exc:  # any driver error means "not answering"
        if not database.is_closed():
            database.close()
        return f"unreachable: {exc.__class__.__name__}"
    return "ok"
