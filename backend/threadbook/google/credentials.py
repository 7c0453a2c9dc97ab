"""Open a mailbox's Gmail with its stored credentials (a user's refresh token or the org's service account).

Secrets are decrypted only here, only in memory, and never logged.
"""

import json

from flask import current_app

from threadbook import crypto
from threadbook.google import oauth


class MissingCredentials(Exception):
    """The mailbox has no usable credentials: it must be connected again."""


def client_id(config):
    ids = config.get("GOOGLE_CLIENT_IDS") or []
    return ids[0] if ids else ""


def revoke_uri(config):
    """The revocation endpoint: configured, else beside the token endpoint (as Google's are)."""
    configured = config.get("GOOGLE_REVOKE_URI")
    if configured:
        return configured
    token_uri = config["GOOGLE_TOKEN_URI"]
    return token_uri.rsplit("/", 1)[0] + "/revoke"


def service_account_info(org):
    """Return the organisation's decrypted service-account key, or None."""
    if not org.service_account_key:
        return None
    return json.loads(crypto.decrypt(org.service_account_key))


def google_credentials(mailbox, user, org, config=None, scopes=None):
    """Return refreshable google-auth credentials for a mailbox, or raise MissingCredentials.

    ``scopes`` narrows the access tokens to what the caller needs (default: mail sync's).
    """
    config = config or current_app.config
    scopes = tuple(scopes or oauth.SYNC_SCOPES)
    try:
        if mailbox.kind == "service_account":
            info = service_account_info(org)
            if info is None:
                raise MissingCredentials("The organisation's service account was removed.")
            return oauth.delegated_credentials(info, user.email, config["GOOGLE_TOKEN_URI"], scopes=scopes)
        if not mailbox.refresh_token:
            raise MissingCredentials("The mailbox has no stored authorisation.")
        refresh_token = crypto.decrypt(mailbox.refresh_token)
    except crypto.DecryptionFailed as exc:
        raise MissingCredentials(str(exc)) from exc
    return oauth.user_credentials(refresh_token, config["GOOGLE_TOKEN_URI"], client_id(config), config.get("GOOGLE_CLIENT_SECRET") or "", scopes=scopes)
