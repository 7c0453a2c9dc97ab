"""Helpers shared by the mail sync tests (tests/backend/sync/ and others).

``Google`` is what the ``google`` fixture (tests/backend/conftest.py) yields:
the fake Gmail API (the suite's ``gmail`` fixture) and the fake OAuth token
endpoint together. Access tokens the token endpoint issues open the matching
fake mailbox, and revoking them closes it. ``Google.settings()`` points an app
at both, with the task queue in immediate mode and a fixed encryption key; the
``sync_settings`` fixture returns it, for a test module or folder to use as its
``app_settings``.
"""

import datetime
from dataclasses import dataclass

from cryptography.fernet import Fernet

from threadbook import crypto
from threadbook.db import database
from threadbook.models import Mailbox, utcnow
from threadbook.sync.mailbox_sync import SyncSettings, sync_mailbox

from ...fakes.google_oauth import CLIENT_ID, CLIENT_SECRET, FakeGoogleOAuth

ENCRYPTION_KEY = Fernet.generate_key().decode()


@dataclass
class Google:
    gmail: object  # RunningGmail: .state, .root
    oauth: FakeGoogleOAuth
    oauth_url: str

    @property
    def state(self):
        return self.gmail.state

    def settings(self):
        return {
            "GOOGLE_API_ROOT": self.gmail.root,
            "GOOGLE_TOKEN_URI": self.oauth_url + "/token",
            "GOOGLE_REVOKE_URI": self.oauth_url + "/revoke",
            "GOOGLE_AUTH_URI": self.oauth_url + "/o/oauth2/v2/auth",
            "GOOGLE_CLIENT_IDS": [CLIENT_ID],
            "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
            "QUEUE_IMMEDIATE": True,
            "ENCRYPTION_KEY": ENCRYPTION_KEY,
            "SYNC_QUOTA_UNITS_PER_SECOND": 0,  # unlimited unless a test sets one
        }


def ago(**delta):
    """A timezone-aware time that long ago (the fake stamps messages with it)."""
    return datetime.datetime.now(datetime.UTC) - datetime.timedelta(**delta)


def connect(app, google, user):
    """Connect ``user``'s mailbox as if they had consented: a real refresh token from the fake, stored encrypted."""
    if user.email.lower() not in google.state.mailboxes:
        google.state.add_mailbox(user.email)
    refresh_token = google.oauth.grant_refresh_token(user.email)
    with app.app_context():
        database.connect(reuse_if_open=True)
        return Mailbox.create(org=user.org_id, user=user.id, kind="oauth", refresh_token=crypto.encrypt(refresh_token), status="active")


class Sleeps(list):
    """An injectable sleep that records instead of waiting."""

    def __call__(self, seconds):
        self.append(seconds)


def run_sync(app, mailbox_id, **overrides):
    """Run one sync in the app (no real sleeping) and return its report."""
    sleeps = overrides.pop("sleeps", None)
    sleeps = Sleeps() if sleeps is None else sleeps
    on_page = overrides.pop("on_page", None)
    owner = overrides.pop("owner", None)
    with app.app_context():
        database.connect(reuse_if_open=True)
        settings = SyncSettings.from_config(app.config, sleep=sleeps, **overrides)
        return sync_mailbox(mailbox_id, settings=settings, on_page=on_page, owner=owner)


def mailbox_row(app, mailbox_id):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return Mailbox.get_by_id(mailbox_id)


def now():
    return utcnow()
