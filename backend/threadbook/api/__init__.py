"""The HTTP API: one ``/api/v1`` parent blueprint over one blueprint per resource module.

The parent owns what every call shares:

- authentication: every ``/api/v1`` request but a ``@public`` view's carries a
  session token (``api/authentication.py``), checked before anything else reads
  the database for the caller; then ids in the query string are bounded
  (``params.check_query_ids``). An unknown path or method answers 404 or 405
  before any session check: the routes are public in ``/api/v1/openapi.json``
  anyway, and a 401 for a mistyped path sent people after the wrong problem;
- the answers to refusals that are not a view's own: Google's failures
  (``api/google_answers.py``) and the CRM's (``NotAllowed`` 403, ``RecordConflict`` 409).

Every module here that defines ``bp`` (a Blueprint, routes written relative to
``/api/v1``) is registered under the parent, except ``ROOT_MODULES``, served
at the root (``/healthz``). A module may also define ``OPENAPI_PATHS`` and
``OPENAPI_SCHEMAS``, which ``openapi.py`` merges into ``GET /api/v1/openapi.json``.
JSON bodies are read by ``params.json_body`` under the app's JSON limits (json_limits.py).
"""

import importlib
import pkgutil

from flask import Blueprint, current_app, request

API_PREFIX = "/api/v1"
ROOT_MODULES = ("health",)


def public(view):
    """Mark a view as reachable without a session token."""
    view.is_public = True
    return view


def api_modules():
    """Import and return every module of this package, in name order."""
    return [importlib.import_module(f"{__name__}.{info.name}") for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)]


def _build_parent():
    from threadbook.api import crm_refusals, google_answers

    parent = Blueprint("api", __name__, url_prefix=API_PREFIX)
    google_answers.register(parent)
    crm_refusals.register(parent)
    for module in api_modules():
        child = getattr(module, "bp", None)
        if child is not None and module.__name__.rpartition(".")[2] not in ROOT_MODULES:
            parent.register_blueprint(child)
    return parent


_parent = None


def parent_blueprint():
    """The /api/v1 blueprint with every resource under it (built once: a blueprint's routes are fixed at first registration)."""
    global _parent
    if _parent is None:
        _parent = _build_parent()
    return _parent


def init_app(app):
    """Serve the API on ``app``: the session check, the parent blueprint, and the root modules.

    Call after the hook that opens the database connection: the session check loads the caller.
    """
    from threadbook.api.authentication import authenticate_request
    from threadbook.api.params import check_query_ids

    @app.before_request
    def authenticate_api_calls():
        if request.url_rule is None:
            return  # no such route or method: routing's 404/405 answers (errors.py)
        view = current_app.view_functions.get(request.endpoint)
        if request.path.startswith(API_PREFIX + "/") and request.method != "OPTIONS" and not getattr(view, "is_public", False):
            authenticate_request()
        check_query_ids()  # after the session check, so an unauthenticated caller still reads 401

    app.register_blueprint(parent_blueprint())
    for name in ROOT_MODULES:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}").bp)
