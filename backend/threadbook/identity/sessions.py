"""Session tokens: issue them, verify them, and load the caller they name.

A session token is a short-lived HS256 JWT signed with THREADBOOK_SECRET_KEY.
Decoding pins the algorithm, so ``alg: none`` or an RS256 token are refused.
Reading the token from a request and guarding views is the API's part
(api/authentication.py).
"""

import datetime
import time

import jwt
from flask import current_app

from threadbook.db import database
from threadbook.models import Organization, User

ALGORITHM = "HS256"
ISSUER = "threadbook"


def issue_session(user):
    """Return (token, expires_at) for a signed-in user."""
    now = datetime.datetime.now(datetime.UTC)
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


class InvalidSession(Exception):
    """The session token is missing or cannot be trusted; the message says what to do."""


# Claims of tokens whose signature was already checked, by (signing key, token). A session token
# comes back on every call the panel makes; PyJWT's full decode costs ~0.3 ms, a dict look-up
# and an expiry check next to nothing. Bounded: emptied when full.
_VERIFIED_MAX = 10000
_verified = {}


def verified_claims(token, secret_key):
    """Return the token's claims, verifying its signature with ``secret_key`` once per process; raise InvalidSession."""
    cache_key = (secret_key, token)
    claims = _verified.get(cache_key)
    if claims is not None:
        if claims["exp"] <= time.time():
            _verified.pop(cache_key, None)
            raise InvalidSession("Your session has expired; sign in again.")
        return claims
    try:
        claims = jwt.decode(token, secret_key, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "iat", "sub", "org"]})
    except jwt.ExpiredSignatureError:
        raise InvalidSession("Your session has expired; sign in again.") from None
    except jwt.InvalidTokenError:
        raise InvalidSession("The session token is invalid; sign in again.") from None
    if not str(claims["sub"]).isdigit() or not isinstance(claims["org"], int) or not isinstance(claims["exp"], (int, float)):
        raise InvalidSession("The session token is invalid; sign in again.")
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[cache_key] = claims
    return claims


def caller_of(claims):
    """Return (user, organisation) that verified claims name; raise InvalidSession when the session no longer holds."""
    user, org = _load_caller(int(claims["sub"]), claims["org"])
    if user is None or org is None:
        raise InvalidSession("This session's user no longer exists; sign in again.")
    if bool(claims.get("dev")) != bool(user.is_dev):
        # A development session outlives its user's first Google sign-in (or the reverse): refuse it.
        raise InvalidSession("This session no longer matches its account; sign in again.")
    return user, org


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
