"""Google Tasks for one user through their stored grant (link.py): the only place its credentials are opened."""

from flask import current_app

from threadbook import crypto
from threadbook.google import oauth
from threadbook.google.credentials import client_id
from threadbook.google.tasks import TASKS_SCOPE, GoogleTasks


def api_root(config):
    return config.get("GOOGLE_TASKS_API_ROOT") or config["GOOGLE_API_ROOT"]


def tasks_client(link, config=None):
    """GoogleTasks acting for the link's user (raises crypto.DecryptionFailed for a key that changed)."""
    config = config or current_app.config
    refresh_token = crypto.decrypt(link.refresh_token)
    credentials = oauth.user_credentials(
        refresh_token, config["GOOGLE_TOKEN_URI"], client_id(config), config.get("GOOGLE_CLIENT_SECRET") or "", scopes=(TASKS_SCOPE,)
    )
    return GoogleTasks(credentials, api_root(config))
