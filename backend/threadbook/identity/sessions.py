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

from threadbook import hot_sql
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


def _select_caller_sql():
    """One statement for the session's user and organisation: every API call runs it (hot_sql: prepared on PostgreSQL)."""
    columns = [f'u."{f.column_name}"' for f in _USER_FIELDS] + [f'o."{f.column_name}"' for f in _ORG_FIELDS]
    return f'SELECT {", ".join(columns)} FROM "user" u JOIN organization o ON o.id = u.org_id WHERE u.id = ? AND u.org_id = ?'


_USER_FIELDS = User._meta.sorted_fields
_ORG_FIELDS = Organization._meta.sorted_fields
_CALLER_SQL = _select_caller_sql()


def _load_caller(user_id, org_id):
    """Fetch the session's user and organisation, or (None, None)."""
    rows = hot_sql.fetch(_CALLER_SQL, [user_id, org_id])
    if not rows:
        return None, None
    split = len(_USER_FIELDS)
    return _instance(User, _USER_FIELDS, rows[0][:split]), _instance(Organization, _ORG_FIELDS, rows[0][split:])


def _instance(model, fields, values):
    """A model instance from a row, as peewee's own SELECT builds one (values converted, nothing marked changed)."""
    instance = model(__no_default__=1, **{f.name: f.python_value(v) for f, v in zip(fields, values, strict=True)})
    instance._dirty.clear()
    return instance
