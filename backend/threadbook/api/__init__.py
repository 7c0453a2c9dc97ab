"""HTTP API: one blueprint per resource module in this package.

Every module here that defines ``bp`` (a Blueprint) is registered; a module
may also define ``OPENAPI_PATHS`` (OpenAPI path items) and ``OPENAPI_SCHEMAS``,
which ``openapi.py`` merges into ``GET /api/v1/openapi.json``.
"""

import importlib
import pkgutil


def public(view):
    """Mark a view as reachable without a session token."""
    view.is_public = True
    return view


def api_modules():
    """Import and return every module of this package, in name order."""
    return [importlib.import_module(f"{__name__}.{info.name}") for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)]


def register_blueprints(app):
    for module in api_modules():
        bp = getattr(module, "bp", None)
        if bp is not None:
            app.register_blueprint(bp)
