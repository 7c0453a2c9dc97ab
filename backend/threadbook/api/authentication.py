"""Who is calling: the request's Bearer session token, ``g.user`` and ``g.org``, and the administrators' guard.

Issuing and verifying tokens, and loading the caller a token names, are
identity/sessions.py's; this module reads the ``Authorization`` header and
answers 401 or 403. Views read the caller from ``g.user`` and ``g.org``.
"""

import functools

from flask import current_app, g, request

from threadbook.errors import ApiError
from threadbook.identity import access, sessions
from threadbook.identity.sessions import InvalidSession


def _unauthorized(message):
    return ApiError(401, message, headers={"WWW-Authenticate": 'Bearer realm="threadbook"'})


def session_claims():
    """Return the verified claims of the request's Bearer token (decoded once per request).

    Raise InvalidSession with a message for the client when there is no
    valid token. The rate limiter keys on the same claims, so both share one
    decode.
    """
    cached = g.get("_session_claims")
    if cached is not None:
        if isinstance(cached, InvalidSession):
            raise cached
        return cached
    try:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidSession("Sign in first: send 'Authorization: Bearer <session token>'.")
        claims = sessions.verified_claims(token.strip(), current_app.config["SECRET_KEY"])
    except InvalidSession as exc:
        g._session_claims = exc
        raise
    g._session_claims = claims
    return claims


def authenticate_request():
    """Set g.user and g.org from the Bearer token, or raise a 401."""
    try:
        g.user, g.org = sessions.caller_of(session_claims())
    except InvalidSession as exc:
        raise _unauthorized(str(exc)) from exc


def admin_required(view):
    """Refuse the view with 403 unless the caller is an admin of their organisation."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not access.is_admin(g.user):
            raise ApiError(403, "Only an administrator of your organisation can do this.")
        return view(*args, **kwargs)

    return wrapper
