"""Session tokens and the request guard for ``/api/v1``.

A session token is a short-lived HS256 JWT signed with THREADBOOK_SECRET_KEY.
Decoding pins the algorithm, so ``alg: none`` or an RS256 token are refused.
Views read the caller from ``g.user`` and ``g.org``.
"""

import datetime
import functools
import time

import jwt
from flask import current_app, g, request

from threadbook.db import database
from threadbook.errors import ApiError
from threadbook.models import Organization, User

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


class InvalidSession(Exception):
    """The request's session token is missing or cannot be trusted."""


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
        claims = _verified_claims(token.strip(), current_app.config["SECRET_KEY"])
    except InvalidSession as exc:
        g._session_claims = exc
        raise
    g._session_claims = claims
    return claims


# Claims of tokens whose signature was already checked, by (signing key, token). A session token
# comes back on every call the panel makes; PyJWT's full decode costs ~0.3 ms, a dict look-up
# and an expiry check next to nothing. Bounded: emptied when full.
_VERIFIED_MAX = 10000
_verified = {}


def _verified_claims(token, secret_key):
    """Return the token's claims, verifying its signature once per process; raise InvalidSession."""
    cache_key = (secret_key, token)
    claims = _verified.get(cache_key)
    if claims is not None:
        if claims["exp"] <= time.time():
            _verified.pop(cache_key, None)
            raise InvalidSession("Your session has expired; sign in again.")
        return claims
    try:
        claims = jwt.decode(
            token, secret_key, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "iat", "sub", "org"]}
        )
    except jwt.ExpiredSignatureError:
        raise InvalidSession("Your session has expired; sign in again.")
    except jwt.InvalidTokenError:
        raise InvalidSession("The session token is invalid; sign in again.")
    if not str(claims["sub"]).isdigit() or not isinstance(claims["org"], int) or not isinstance(claims["exp"], (int, float)):
        raise InvalidSession("The session token is invalid; sign in again.")
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[cache_key] = claims
    return claims


_compiled_sql = {}


def _compiled(name, build_query):
    """Return the SQL of a query built once per SQL dialect (peewee's builder costs ~0.3 ms a call).

    Keyed by the database's class, not the object: an id() is reused once its
    object is freed, which once handed SQLite's placeholders to PostgreSQL.
    """
    key = (name, type(database.obj), database.obj.param)
    sql = _compiled_sql.get(key)
    if sql is None:
        sql = _compiled_sql[key] = build_query().sql()[0]
    return sql


def _load_caller(user_id, org_id):
    """Fetch the session's user and organisation, or (None, None)."""
    user_sql = _compiled("user", lambda: User.select().where((User.id == 0) & (User.org == 0)))
    user = next(iter(User.raw(user_sql, user_id, org_id)), None)
    if user is None:
        return None, None
    org_sql = _compiled("org", lambda: Organization.select().where(Organization.id == 0))
    return user, next(iter(Organization.raw(org_sql, org_id)), None)


def authenticate_request():
    """Set g.user and g.org from the Bearer token, or raise a 401."""
    try:
        claims = session_claims()
    except InvalidSession as exc:
        raise _unauthorized(str(exc))
    user, org = _load_caller(int(claims["sub"]), claims["org"])
    if user is None or org is None:
        raise _unauthorized("This session's user no longer exists; sign in again.")
    if bool(claims.get("dev")) != bool(user.is_dev):
        # A development session outlives its user's first Google sign-in (or the reverse): refuse it.
        raise _unauthorized("This session no longer matches its account; sign in again.")
    g.user = user
    g.org = org


def admin_required(view):
    """Refuse the view with 403 unless the caller is an admin of their organisation."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.user.role != "admin":
            raise ApiError(403, "Only an administrator of your organisation can do this.")
        return view(*args, **kwargs)

    return wrapper
