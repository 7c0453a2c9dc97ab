"""Session tokens and the request guard for ``/api/v1``.

A session token is a short-lived HS256 JWT signed with THREADBOOK_SECRET_KEY.
Decoding pins the algorithm, so ``alg: none`` or an RS256 token are refused.
Views read the caller from ``g.user`` and ``g.org``.
"""

import datetime
import functools

import jwt
from flask import current_app, g, request

from .errors import ApiError
from .models import Organization, User

ALGORITHM = "HS256"
ISSUER = "threadbook"


def issue_session(user):
    """Return (token, expires_at) for a signed-in user."""
    now = datetime.datetime.now(datetime.timezone.utc)
    expires = now + datetime.timedelta(seconds=current_app.config["SESSION_TTL_SECONDS"])
    claims = {
        "iss": ISSUER,
        "sub": str(user.id),
        "org": user.org_id,
        "iat": now,
        "exp": expires,
        "dev": bool(user.is_dev),
    }
    token = jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=ALGORITHM)
    return token, expires


def _unauthorized(message):
    return ApiError(401, message, headers={"WWW-Authenticate": 'Bearer realm="threadbook"'})


def authenticate_request():
    """Set g.user and g.org from the Bearer token, or raise a 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Sign in first: send 'Authorization: Bearer <session token>'.")
    try:
        claims = jwt.decode(
            token.strip(),
            current_app.config["SECRET_KEY"],
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "org"]},
        )
    except jwt.ExpiredSignatureError:
        raise _unauthorized("Your session has expired; sign in again.")
    except jwt.InvalidTokenError:
        raise _unauthorized("The session token is invalid; sign in again.")
    user = User.get_or_none((User.id == int(claims["sub"])) & (User.org == claims["org"]))
    if user is None:
        raise _unauthorized("This session's user no longer exists; sign in again.")
    if bool(claims.get("dev")) != bool(user.is_dev):
        # A development session outlives its user's first Google sign-in (or the reverse): refuse it.
        raise _unauthorized("This session no longer matches its account; sign in again.")
    g.user = user
    g.org = Organization.get_by_id(user.org_id)


def admin_required(view):
    """Refuse the view with 403 unless the caller is an admin of their organisation."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.user.role != "admin":
            raise ApiError(403, "Only an administrator of your organisation can do this.")
        return view(*args, **kwargs)

    return wrapper
