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
from threadbook.identity import addresses
from threadbook.models import Mailbox
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


def start(user, org, redirect_uri=None, extra_scopes=(), intent="connect", target=None):
    """Return ``{"authorization_url", "state", "redirect_uri"}`` for the user's consent at Google.

    ``extra_scopes`` are asked beside mail sync's, for a feature the user just turned on (Google Contacts).
    ``intent`` is sealed in the state so it finishes only the way it started:
    ``connect`` (this module's ``finish``) or ``replace`` with the ``target``
    address (sync/readdress.py).
    """
    require_client()
    redirect_uri = _checked_redirect_uri(redirect_uri or _default_redirect_uri())
    verifier = oauth.new_code_verifier()
    sealed = {"u": user.id, "o": org.id, "v": verifier, "r": redirect_uri, "n": secrets.token_urlsafe(8)}
    if intent != "connect":
        sealed.update(i=intent, t=target)
    state = crypto.encrypt(json.dumps(sealed))
    url = oauth.authorization_url(
        current_app.config["GOOGLE_AUTH_URI"],
        client_id(current_app.config),
        redirect_uri,
        state,
        oauth.code_challenge(verifier),
        scopes=(*oauth.CONNECT_SCOPES, *extra_scopes),
        login_hint=target or user.email,
    )
    return {"authorization_url": url, "state": state, "redirect_uri": redirect_uri}


def finish(user, org, code, state_token, redirect_uri):
    """Exchange the code, check the grant and the mailbox, store the refresh token; return the mailbox (its sync queued)."""
    require_client()
    tokens = exchange(code, state_of(user, org, state_token, redirect_uri)["v"], redirect_uri)
    refresh_token = tokens.get("refresh_token")
    replaced, kept = [], False
    try:
        scopes = checked_scopes(tokens)
        address = profile_address(tokens["access_token"])
        account_sub = oauth.id_token_claims(tokens).get("sub")
        # Google renamed the account (same sub, new address): follow it, keeping the mailbox and its position.
        renamed = matching.try_normalize(address) != user.email_normalized and _same_account(user, account_sub)
        if matching.try_normalize(address) != user.email_normalized and not renamed:
            raise MailboxRefused("wrong_mailbox", f"You chose the mailbox {address}, but you are signed in as {user.email}; connect your own mailbox.")
        with write_transaction():
            if renamed:
                take_address(user, address, reason="google_account_renamed")
            mailbox = connection.store_oauth_grant(user, refresh_token, scopes, replaced, account_sub=account_sub)
        kept = True
    finally:
        # Revoke what we will not keep: a refused grant, or (once stored) the token this one replaces.
        connection.revoke_all(replaced if kept else [refresh_token])
    queue_sync_soon(mailbox.id)
    return mailbox


def checked_scopes(tokens):
    """Return the granted scopes (space-separated) of an exchange that gave offline Gmail access, or refuse."""
    granted = set((tokens.get("scope") or "").split())
    if not tokens.get("refresh_token"):
        raise MailboxRefused("google_no_refresh_token", "Google granted no offline access; start connecting again and allow access.")
    if oauth.GMAIL_MODIFY not in granted:
        raise MailboxRefused("google_scope_missing", "Threadbook needs permission to read and label your Gmail; start again and tick every box.")
    return " ".join(sorted(granted))


def take_address(user, address, reason, old_kind="former"):
    """Make ``address`` the user's (inside the caller's transaction), or refuse 409 when someone else holds it."""
    try:
        addresses.change_address(user, address, reason=reason, old_kind=old_kind)
    except addresses.AddressTaken as exc:
        raise MailboxRefused("address_taken", exc.message) from None


def _same_account(user, account_sub):
    """Whether the consenting Google account is the one connected (or, before any, the one signed in with)."""
    if not account_sub:
        return False
    mailbox = Mailbox.get_or_none(Mailbox.user == user.id)
    if mailbox is not None and mailbox.account_sub:
        return mailbox.account_sub == account_sub
    return account_sub == user.google_sub and addresses.signin_address(user) is None


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


def state_of(user, org, state_token, redirect_uri, intent="connect"):
    """Return the sealed state (``v`` the PKCE verifier) this user started for ``intent``, with this redirect URI, in the last 10 minutes."""
    try:
        state = json.loads(crypto.decrypt_fresh(state_token, STATE_MAX_AGE_SECONDS))
    except (crypto.DecryptionFailed, ValueError):
        raise MailboxRefused("invalid", "The connection request is invalid or older than 10 minutes; start connecting again.", field="state") from None
    if state.get("u") != user.id or state.get("o") != org.id:
        raise MailboxRefused("invalid", "This connection was started by another user; start connecting again.", field="state")
    if state.get("r") != redirect_uri:
        raise MailboxRefused("invalid", "'redirect_uri' differs from the one the connection started with.", field="redirect_uri")
    if state.get("i", "connect") != intent:
        raise MailboxRefused("invalid", f"This state was started to {state.get('i', 'connect')} a mailbox, not to {intent} one; start again.", field="state")
    return state


def exchange(code, verifier, redirect_uri):
    config = current_app.config
    try:
        return oauth.exchange_code(config["GOOGLE_TOKEN_URI"], client_id(config), config["GOOGLE_CLIENT_SECRET"], code, verifier, redirect_uri)
    except oauth.InvalidGrant as exc:
        raise MailboxRefused("google_invalid_grant", f"Google refused the authorisation ({exc.description or exc.error}); start connecting again.") from exc
    except oauth.OAuthError as exc:
        raise MailboxRefused("google_token_error", f"Google's token endpoint refused the exchange ({exc.error}); try again.") from exc


def profile_address(access_token):
    try:
        return Gmail.for_access_token(access_token, current_app.config["GOOGLE_API_ROOT"]).get_profile()["emailAddress"]
    except GoogleApiError as exc:
        raise MailboxRefused("google_unavailable", f"Gmail did not answer for the new connection ({exc.status or 'unreachable'}); try again.") from exc
