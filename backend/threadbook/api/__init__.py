"""HTTP API: one blueprint per resource, registered here."""


def public(view):
    """Mark a view as reachable without a session token."""
    view.is_public = True
    return view


def register_blueprints(app):
    from . import health

    for module in (health,):
        app.register_blueprint(module.bp)
