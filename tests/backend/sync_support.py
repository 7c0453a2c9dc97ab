"""Fixtures and helpers shared by the mail sync tests (tests/backend/test_sync_*.py).

``google`` serves the fake Gmail API (the suite's ``gmail`` fixture) and the
fake OAuth token endpoint together: access tokens the token endpoint issues
open the matching fake mailbox, and revoking them closes it. A test module
imports ``app_settings`` from here to point the app at both, with the task
queue in immediate mode and a fixed encryption key.
"""

import datetime
from dataclasses import dataclass

import pytest
from cryptography.fernet import Fernet

from threadbook import crypto
from threadbook.db import database
from threadbook.models import Mailbox, utcnow
from threadbook.sync.mailbox_sync import SyncSettings, sync_mailbox

from ..fakes.google_oauth import CLIENT_ID, CLIENT_SECRET, FakeGoogleOAuth
from ..fakes.server import ServerThread

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


@pytest.fixture(scope="session")
def _oauth_server():
    fake = FakeGoogleOAuth()
    with ServerThread(fake.app) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
def google(gmail, _oauth_server):
    oauth = _oauth_server
    oauth.reset()
    state = gmail.state

    def on_access_token(token, email, scopes):
        state.grant(token, email, scopes=[s for s in scopes if "gmail" in s or s.startswith("https://mail")] or ["gmail.modify"])

    def on_revoke(token):
        if token in state.grants:
            state.expire(token)

    oauth.on_access_token, oauth.on_revoke = on_access_token, on_revoke
    yield Google(gmail, oauth, oauth.url)
    oauth.on_access_token = oauth.on_revoke = None


@pytest.fixture
def app_settings(google):
    return google.settings()


def ago(**delta):
    """A timezone-aware time that long ago (the fake stamps messages with it)."""
    return datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(**delta)


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
