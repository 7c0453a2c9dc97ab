"""The application factory."""

import logging
import os

from flask import Flask, request
from peewee import InterfaceError, OperationalError
from werkzeug.routing import IntegerConverter

from threadbook import api, db
from threadbook import config as config_module
from threadbook.api import web_security
from threadbook.errors import ApiError, register_error_handlers
from threadbook.jobs import tasks as _tasks  # noqa: F401  (registers the jobs domain code queues by name)
from threadbook.json_limits import JSONProvider

log = logging.getLogger(__name__)


class RecordIdConverter(IntegerConverter):
    """Match ``<int:...>`` only up to the largest id a database column holds, so a larger one is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(overrides=None):
    """Create a configured Threadbook app; ``overrides`` wins over the environment."""
    app = Flask(__name__, instance_path=config_module.instance_path())
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(overrides or {})
    config_module.check(app.config, app.instance_path)  # refuse to start rather than serve unsafely
    app.json = JSONProvider(app)  # refuses too-deep JSON in every request.get_json
    app.json.sort_keys = False
    app.url_map.converters["int"] = RecordIdConverter  # before any blueprint registers a rule
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The web workers, the mail-sync worker and the CLI each log this, so a mismatch shows at once.
    log.info("pid %s: %s", os.getpid(), config_module.describe_paths(app.config, app.instance_path))

    app.extensions["threadbook_db"] = db.bind(app.config["DATABASE_URL"])
    register_error_handlers(app)
    web_security.init_app(app)  # CORS and rate limits, ahead of the session check below

    @app.before_request
    def open_connection():
        if request.endpoint == "health.healthz":
            return  # it checks the database itself, beside the other dependencies, and names what failed
        try:
            db.database.connect(reuse_if_open=True)
        except (OperationalError, InterfaceError) as exc:
            raise ApiError(503, f"The database is not answering ({exc.__class__.__name__}); try again shortly.") from exc

    @app.teardown_request
    def close_connection(exc):
        if not db.database.is_closed():
            db.database.close()

    api.init_app(app)  # the session check, after the connection opens; then every route
    return app
