"""Connect a user's own mailbox with OAuth: an authorisation code with PKCE, for offline access.

1. ``start`` returns Google's consent URL and a ``state``; the panel opens the
   URL (``chrome.identity.launchWebAuthFlow``);
2. Google redirects to ``redirect_uri`` with ``code`` and ``state``;
3. ``finish`` exchanges the code at ``GOOGLE_TOKEN_URI`` with the PKCE
   verifier, checks the mailbox is the caller's own, stores the refresh token
   encrypted and queues the first sync.

The state is the PKCE verifier, the caller and the redirect URI, encrypted
and authenticated with the server's key and valid for 10 minutes, so the
verifier never leaves the server in clear and a state works only for the
user who started it. Tokens and keys are never returned or logged.
"""

import json
import secrets
from urllib.parse import urlparse

from flask import current_app

from threadbook import crypto, matching
from threadbook.db import write_transaction
from threadbook.google import oauth
from threadbook.google.credentials import client_id
from threadbook.google.errors import NOT_CONFIGURED, GoogleApiError
from threadbook.google.gmail import Gmail
from threadbook.sync import connection
from threadbook.sync.connection import MailboxRefused
from threadbook.sync.queueing import queue_sync_soon

STATE_MAX_AGE_SECONDS = 600


def require_client():
    """Refuse unless the server has an OAuth client to connect mailboxes with: ``google_not_configured`` without
    any (Google isn't set up), ``not_configured`` without its secret."""
    if not client_id(current_app.config):
        raise MailboxRefused("google_not_configured", NOT_CONFIGURED)
    if not current_app.config.get("GOOGLE_CLIENT_SECRET"):
        raise MailboxRefused("not_configured", "Mailbox connection is not set up on this server: it needs GOOGLE_CLIENT_SECRET (see docs/google-setup.md).")


def start(user, org, redirect_uri=None, extra_scopes=()):
    """Return ``{"authorization_url", "state", "redirect_uri"}`` for the user's consent at Google.

    ``extra_scopes`` are asked beside mail sync's, for a feature the user just turned on (Google Contacts).
    """
    require_client()
    redirect_uri = _checked_redirect_uri(redirect_uri or _default_redirect_uri())
    verifier = oauth.new_code_verifier()
    state = crypto.encrypt(json.dumps({"u": user.id, "o": org.id, "v": verifier, "r": redirect_uri, "n": secrets.token_urlsafe(8)}))
    url = oauth.authorization_url(
        current_app.config["GOOGLE_AUTH_URI"],
        client_id(current_app.config),
        redirect_uri,
        state,
        oauth.code_challenge(verifier),
        scopes=(*oauth.CONNECT_SCOPES, *extra_scopes),
        login_hint=user.email,
    )
    return {"authorization_url": url, "state": state, "redirect_uri": redirect_uri}


def finish(user, org, code, state_token, redirect_uri):
    """Exchange the code, check the grant and the mailbox, store the refresh token; return the mailbox (its sync queued)."""
    require_client()
    verifier = _verifier_from_state(user, org, state_token, redirect_uri)
    tokens = _exchange(code, verifier, redirect_uri)
    refresh_token = tokens.get("refresh_token")
    granted = set((tokens.get("scope") or "").split())
    revoke_later = [refresh_token] if refresh_token else []
    try:
        if not refresh_token:
            raise MailboxRefused("google_no_refresh_token", "Google granted no offline access; start connecting again and allow access.")
        if oauth.GMAIL_MODIFY not in granted:
            raise MailboxRefused("google_scope_missing", "Threadbook needs permission to read and label your Gmail; start again and tick every box.")
        address = _profile_address(tokens["access_token"])
        if matching.try_normalize(address) != user.email_normalized:
            raise MailboxRefused("wrong_mailbox", f"You chose the mailbox {address}, but you are signed in as {user.email}; connect your own mailbox.")
        revoke_later = []
        with write_transaction():
            mailbox = connection.store_oauth_grant(user, refresh_token, " ".join(sorted(granted)), revoke_later)
    finally:
        # Revoke what we will not keep: a refused grant, or the token this one replaces.
        connection.revoke_all(revoke_later)
    queue_sync_soon(mailbox.id)
    return mailbox


def _default_redirect_uri():
    origin = (current_app.config.get("ALLOWED_ORIGINS") or [""])[0]
    if origin.startswith("chrome-extension://"):
        return f"https://{origin.split('://', 1)[1].strip('/')}.chromiumapp.org/"
    return None


def _checked_redirect_uri(value):
    if not value:
        raise MailboxRefused("invalid", "'redirect_uri' is required (the extension's https://<id>.chromiumapp.org/).", field="redirect_uri")
    parsed = urlparse(value)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise MailboxRefused("invalid", "'redirect_uri' must be an absolute http(s) URL, e.g. https://<extension id>.chromiumapp.org/.", field="redirect_uri")
    return value


def _verifier_from_state(user, org, state_token, redirect_uri):
    """Return the PKCE verifier of a state this user started, with this redirect URI, in the last 10 minutes."""
    try:
        state = json.loads(crypto.decrypt_fresh(state_token, STATE_MAX_AGE_SECONDS))
    except (crypto.DecryptionFailed, ValueError):
        raise MailboxRefused("invalid", "The connection request is invalid or older than 10 minutes; start connecting again.", field="state") from None
    if state.get("u") != user.id or state.get("o") != org.id:
        raise MailboxRefused("invalid", "This connection was started by another user; start connecting again.", field="state")
    if state.get("r") != redirect_uri:
        raise MailboxRefused("invalid", "'redirect_uri' differs from the one the connection started with.", field="redirect_uri")
    return state["v"]


def _exchange(code, verifier, redirect_uri):
    config = current_app.config
    try:
        return oauth.exchange_code(config["GOOGLE_TOKEN_URI"], client_id(config), config["GOOGLE_CLIENT_SECRET"], code, verifier, redirect_uri)
    except oauth.InvalidGrant as exc:
        raise MailboxRefused("google_invalid_grant", f"Google refused the authorisation ({exc.description or exc.error}); start connecting again.") from exc
    except oauth.OAuthError as exc:
        raise MailboxRefused("google_token_error", f"Google's token endpoint refused the exchange ({exc.error}); try again.") from exc


def _profile_address(access_token):
    try:
        return Gmail.for_access_token(access_token, current_app.config["GOOGLE_API_ROOT"]).get_profile()["emailAddress"]
    except GoogleApiError as exc:
        raise MailboxRefused("google_unavailable", f"Gmail did not answer for the new connection ({exc.status or 'unreachable'}); try again.") from exc
