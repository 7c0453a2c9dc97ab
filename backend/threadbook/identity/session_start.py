"""Start a session: check how the caller proves who they are, sign them in, and issue a session token.

Google sign-in: the ID token is verified completely (google/id_tokens.py) and
its nonce is used once (nonces.py), so a captured pair cannot be replayed.
Development sign-in takes an address; whether this request may use it at all
is the API's to say (it depends on the connection), and ``refuse_dev`` records
its refusal. Who the identity is and whether it may join is signin.py's.
Every refusal is written to the audit log with its reason.
"""

import dataclasses
import datetime

from threadbook import audit
from threadbook.db import write_transaction
from threadbook.google.id_tokens import CertificatesUnavailable, InvalidIdToken, SignInNotConfigured, verify_id_token
from threadbook.identity import nonces
from threadbook.identity.sessions import issue_session
from threadbook.identity.signin import Identity, SignInRefused, sign_in
from threadbook.models import Organization, User

# Google's certificates are fetched again at most this often, so a caller may retry after it.
CERTS_RETRY_AFTER_SECONDS = 30


class SignInUnavailable(Exception):
    """Sign-in cannot be checked now (Google's certificates) or is not set up; ``retry_after`` seconds, or None; ``code`` the API's error code."""

    def __init__(self, message, retry_after=None, code=None):
        super().__init__(message)
        self.retry_after = retry_after
        self.code = code


@dataclasses.dataclass(frozen=True)
class Session:
    """A started session: the token to send, when it expires, and who it is for."""

    token: str
    expires_at: datetime.datetime
    user: User
    org: Organization


def with_google(id_token, nonce):
    """Sign in with a Google ID token and the nonce it was asked with; raise SignInRefused or SignInUnavailable."""
    try:
        if not nonce:
            raise InvalidIdToken("Send the 'nonce' this sign-in asked Google with: an ID token without it could be replayed.")
        claims = verify_id_token(id_token, nonce=nonce)
        if not nonces.claim(nonce, claims["exp"]):
            raise InvalidIdToken("This sign-in was already used; sign in again.")
    except InvalidIdToken as exc:
        record_refusal("invalid_token", exc.message, method="google")
        raise SignInRefused(401, "invalid_token", exc.message) from exc
    except CertificatesUnavailable as exc:
        raise SignInUnavailable(str(exc), retry_after=CERTS_RETRY_AFTER_SECONDS) from exc
    except SignInNotConfigured as exc:
        raise SignInUnavailable(str(exc), code="google_not_configured") from exc
    return _start(Identity.from_google(claims))


def refuse_dev(message):
    """Record that development sign-in is refused to this request, and raise SignInRefused (403)."""
    record_refusal("dev_signin_refused", message, method="dev")
    raise SignInRefused(403, "dev_signin_refused", message)


def for_dev(email, name=""):
    """Sign in as ``email`` without Google (the caller has checked this request may); raise SignInRefused."""
    try:
        identity = Identity.for_dev(email, name)
    except SignInRefused as exc:
        record_refusal(exc.reason, exc.message, method="dev", email=email)
        raise
    return _start(identity)


def record_refusal(reason, message, org=None, **detail):
    with write_transaction():
        audit.record("signin.refused", org=org, reason=reason, message=message, **detail)


def _start(identity):
    try:
        user = sign_in(identity)
    except SignInRefused as exc:
        record_refusal(exc.reason, exc.message, org=exc.org, method="dev" if identity.dev else "google", email=identity.email)
        raise
    token, expires = issue_session(user)
    return Session(token, expires, user, Organization.get_by_id(user.org_id))
