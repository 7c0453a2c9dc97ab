"""Grant Google Tasks to Threadbook: an authorisation code with PKCE for offline access to the ``tasks`` scope only.

Asked for only when the user turns Google Tasks on (incremental authorisation):
the consent names just ``tasks``, and ``include_granted_scopes`` keeps what the
user granted before. The steps and the state are those of connecting a
mailbox (sync/connect_oauth.py): ``start`` gives Google's consent URL and an
encrypted state (the PKCE verifier, the caller, the redirect URI, 10 minutes),
the extension runs it with ``chrome.identity.launchWebAuthFlow``, ``finish``
exchanges the code and keeps the refresh token encrypted (link.py).

The token it replaces is dropped, not revoked: Google revokes a whole grant
(every scope, the connected mailbox's too) when any of its tokens is revoked.
"""

import json
import secrets
from urllib.parse import urlparse

from flask import current_app

from threadbook import crypto
from threadbook.google import oauth
from threadbook.google.credentials import client_id
from threadbook.google.errors import NOT_CONFIGURED
from threadbook.google.tasks import TASKS_SCOPE
from threadbook.tasks_sync import link as links
from threadbook.tasks_sync.refusals import TasksRefused

STATE_MAX_AGE_SECONDS = 600
SCOPES = (TASKS_SCOPE,)


def _require_client():
    if not client_id(current_app.config):
        raise TasksRefused("google_not_configured", NOT_CONFIGURED, 503)
    if not current_app.config.get("GOOGLE_CLIENT_SECRET"):
        raise TasksRefused("not_configured", "Google Tasks is not set up on this server: it needs GOOGLE_CLIENT_SECRET (see docs/google-setup.md).", 503)


def _redirect_uri(value):
    if not value:
        origin = (current_app.config.get("ALLOWED_ORIGINS") or [""])[0]
        if origin.startswith("chrome-extension://"):
            value = f"https://{origin.split('://', 1)[1].strip('/')}.chromiumapp.org/"
    parsed = urlparse(value or "")
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise TasksRefused("invalid", "'redirect_uri' must be an absolute http(s) URL, e.g. https://<extension id>.chromiumapp.org/.", field="redirect_uri")
    return value


def start(user, org, redirect_uri=None):
    """Return ``{"authorization_url", "state", "redirect_uri"}`` for the user's consent to Google Tasks."""
    _require_client()
    redirect_uri = _redirect_uri(redirect_uri)
    verifier = oauth.new_code_verifier()
    state = crypto.encrypt(json.dumps({"u": user.id, "o": org.id, "v": verifier, "r": redirect_uri, "k": "tasks", "n": secrets.token_urlsafe(8)}))
    url = oauth.authorization_url(
        current_app.config["GOOGLE_AUTH_URI"],
        client_id(current_app.config),
        redirect_uri,
        state,
        oauth.code_challenge(verifier),
        scopes=SCOPES,
        login_hint=user.email,
    )
    return {"authorization_url": url, "state": state, "redirect_uri": redirect_uri}


def finish(user, org, code, state_token, redirect_uri):
    """Exchange the code, check the grant includes Google Tasks, keep it and turn the switch on; return the link."""
    _require_client()
    verifier = _verifier(user, org, state_token, redirect_uri)
    config = current_app.config
    try:
        tokens = oauth.exchange_code(config["GOOGLE_TOKEN_URI"], client_id(config), config["GOOGLE_CLIENT_SECRET"], code, verifier, redirect_uri)
    except oauth.OAuthError as exc:
        raise TasksRefused("google_refused", f"Google refused the authorisation ({exc.error}); turn Google Tasks on again.", 422) from exc
    granted = set((tokens.get("scope") or "").split())
    if TASKS_SCOPE not in granted:
        raise TasksRefused("needs_scope", "Google Tasks was not allowed: turn it on again and tick the Google Tasks box.", 403)
    if not tokens.get("refresh_token"):
        raise TasksRefused("google_no_refresh_token", "Google granted no offline access; turn Google Tasks on again.", 422)
    links.store_grant(user, tokens["refresh_token"], " ".join(sorted(granted)))
    return links.link_of(user)


def _verifier(user, org, state_token, redirect_uri):
    if not isinstance(state_token, str) or not state_token:
        raise TasksRefused("invalid", "'state' is required.", field="state")
    try:
        state = json.loads(crypto.decrypt_fresh(state_token, STATE_MAX_AGE_SECONDS))
    except (crypto.DecryptionFailed, ValueError):
        raise TasksRefused("invalid", "The request is invalid or older than 10 minutes; turn Google Tasks on again.", field="state") from None
    if state.get("k") != "tasks" or state.get("u") != user.id or state.get("o") != org.id:
        raise TasksRefused("invalid", "This request was started by someone else or for something else; turn Google Tasks on again.", field="state")
    if state.get("r") != redirect_uri:
        raise TasksRefused("invalid", "'redirect_uri' differs from the one the request started with.", field="redirect_uri")
    return state["v"]
