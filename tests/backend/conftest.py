"""Fixtures shared by the backend tests: the fake Google behind mail sync, calendar and sending, and the access world.

The root conftest (tests/conftest.py) gives the app, client, factory and the
fake Gmail. The fixtures here add the fake OAuth token endpoint (``google``,
``workspace``), the BCC dropbox server and the access tests' organisation
(``world``). Helpers that are not fixtures live in tests/backend/support/ and
are imported where used.

``sync_settings`` and ``workspace_settings`` point the app at the fakes. A
folder whose tests all need one overrides ``app_settings`` in its own
conftest.py; a module that needs one in a mixed folder overrides it itself::

    @pytest.fixture
    def app_settings(workspace_settings):
        return workspace_settings
"""

from types import SimpleNamespace

import pytest

from threadbook.dropbox.server import DropboxServer

from ..fakes.gcalendar import CalendarState, combined_app
from ..fakes.google_oauth import FakeGoogleOAuth
from ..fakes.server import ServerThread
from .support.access import World
from .support.sync import Google
from .support.workspace import Workspace


@pytest.fixture(scope="session")
def _oauth_server():
    fake = FakeGoogleOAuth()
    with ServerThread(fake.app) as server:
        fake.url = server.url
        yield fake


# -- mail sync: the fake Gmail and the token endpoint (support/sync.py) ----------------------


@pytest.fixture
def google(gmail, _oauth_server):
    oauth = _oauth_server
    oauth.reset()
    state = gmail.state

    def on_access_token(token, email, scopes):
        # Exactly the Gmail scopes the token carries (maybe none: Gmail then answers 403, as Google does).
        state.grant(token, email, scopes=[s for s in scopes if "gmail" in s or s.startswith("https://mail")])

    def on_revoke(token):
        if token in state.grants:
            state.expire(token)

    oauth.on_access_token, oauth.on_revoke = on_access_token, on_revoke
    yield Google(gmail, oauth, oauth.url)
    oauth.on_access_token = oauth.on_revoke = None


@pytest.fixture
def sync_settings(google):
    """The app's settings for the mail sync tests: return it from ``app_settings``."""
    return google.settings()


# -- calendar, dropbox and sending: Gmail and Calendar under one root (support/workspace.py) --


@pytest.fixture(scope="session")
def _google_apis(_gmail_server):
    calendar = CalendarState()
    with ServerThread(combined_app(_gmail_server.state, calendar)) as server:
        yield SimpleNamespace(gmail=_gmail_server.state, calendar=calendar, root=server.url + "/")


@pytest.fixture
def workspace(_google_apis, _oauth_server, gmail):
    _google_apis.calendar.reset()
    oauth = _oauth_server
    oauth.reset()
    gmail_state, calendar_state = _google_apis.gmail, _google_apis.calendar

    def on_access_token(token, email, scopes):
        mail_scopes = [s for s in scopes if "gmail" in s or s.startswith("https://mail")]
        calendar_scopes = [s for s in scopes if "/auth/calendar" in s]
        # Every token opens both APIs with exactly its scopes (maybe none: a 403, as Google answers).
        gmail_state.grant(token, email, scopes=mail_scopes)
        calendar_state.grant(token, email, scopes=calendar_scopes)

    def on_revoke(token):
        for state in (gmail_state, calendar_state):
            if token in state.grants:
                state.expire(token)

    oauth.on_access_token, oauth.on_revoke = on_access_token, on_revoke
    yield Workspace(gmail_state, calendar_state, oauth, _google_apis.root)
    oauth.on_access_token = oauth.on_revoke = None


@pytest.fixture
def workspace_settings(workspace):
    """The app's settings for the calendar, dropbox and sending tests: return it from ``app_settings``."""
    return workspace.settings()


# -- the access tests' organisation (support/access.py) ------------------------------------


@pytest.fixture
def dropbox(app):
    with DropboxServer(app, "127.0.0.1", 0, workers=1) as server:
        yield server


@pytest.fixture
def world(app, client, factory, workspace, dropbox, db):
    return World(app, client, factory, workspace, dropbox)


@pytest.fixture
def team(factory):
    """One organisation with a rep, a colleague and an administrator: who may change whose records."""
    org = factory.org(domain="us.example")
    return {
        "org": org,
        "rep": factory.user(org, email="rep@us.example", name="Rep"),
        "colleague": factory.user(org, email="col@us.example", name="Col"),
        "admin": factory.user(org, email="boss@us.example", name="Boss", role="admin"),
    }
