"""Fixtures for the calendar, dropbox and sending tests: fake Gmail and Calendar under one root, and the fake token endpoint.

``GOOGLE_API_ROOT`` is one setting for Gmail and Calendar, so one local server
serves both fakes (``tests/fakes/gcalendar.combined_app``); the Gmail half
shares its state with the suite's ``gmail`` fixture. Access tokens that the
fake token endpoint issues open the matching fake mailbox and calendar with
the scopes granted. A test module imports ``app_settings`` and ``workspace``
from here.
"""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from threadbook import crypto
from threadbook.db import database
from threadbook.models import Mailbox

from ..fakes.gcalendar import CalendarState, combined_app
from ..fakes.google_oauth import CLIENT_ID, CLIENT_SECRET
from ..fakes.server import ServerThread
from .sync_support import ENCRYPTION_KEY, _oauth_server  # noqa: F401 (a fixture)

GMAIL_MODIFY = "https://www.googleapis.com/auth/gmail.modify"
CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events"
CALENDAR_FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
ALL_SCOPES = (GMAIL_MODIFY, CALENDAR_EVENTS, CALENDAR_FREEBUSY)


@pytest.fixture(scope="session")
def _google_apis(_gmail_server):
    calendar = CalendarState()
    with ServerThread(combined_app(_gmail_server.state, calendar)) as server:
        yield SimpleNamespace(gmail=_gmail_server.state, calendar=calendar, root=server.url + "/")


@dataclass
class Workspace:
    """The fake Google of one test: ``gmail`` and ``calendar`` states, the token endpoint, and the root they share."""

    gmail: object
    calendar: object
    oauth: object
    root: str

    def settings(self):
        return {
            "GOOGLE_API_ROOT": self.root,
            "GOOGLE_TOKEN_URI": self.oauth.url + "/token",
            "GOOGLE_REVOKE_URI": self.oauth.url + "/revoke",
            "GOOGLE_CLIENT_IDS": [CLIENT_ID],
            "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
            "QUEUE_IMMEDIATE": True,
            "ENCRYPTION_KEY": ENCRYPTION_KEY,
            "SYNC_QUOTA_UNITS_PER_SECOND": 0,
            "DROPBOX_DOMAIN": "dropbox.threadbook.example",
        }

    def connect(self, app, user, scopes=ALL_SCOPES, **fields):
        """Connect the user's Google as if they had consented to ``scopes``; return the Mailbox row."""
        if user.email.lower() not in self.gmail.mailboxes:
            self.gmail.add_mailbox(user.email)
        if user.email.lower() not in self.calendar.calendars:
            self.calendar.add_calendar(user.email)
        refresh_token = self.oauth.grant_refresh_token(user.email, scope=" ".join(scopes))
        with app.app_context():
            database.connect(reuse_if_open=True)
            return Mailbox.create(
                org=user.org_id,
                user=user.id,
                kind="oauth",
                refresh_token=crypto.encrypt(refresh_token),
                scopes=" ".join(sorted(scopes)),
                status=fields.pop("status", "active"),
                **fields,
            )


@pytest.fixture
def workspace(_google_apis, _oauth_server, gmail):
    _google_apis.calendar.reset()
    oauth = _oauth_server
    oauth.reset()
    gmail_state, calendar_state = _google_apis.gmail, _google_apis.calendar

    def on_access_token(token, email, scopes):
        mail_scopes = [s for s in scopes if "gmail" in s or s.startswith("https://mail")]
        calendar_scopes = [s for s in scopes if "/auth/calendar" in s]
        if mail_scopes:
            gmail_state.grant(token, email, scopes=mail_scopes)
        if calendar_scopes:
            calendar_state.grant(token, email, scopes=calendar_scopes)

    def on_revoke(token):
        for state in (gmail_state, calendar_state):
            if token in state.grants:
                state.expire(token)

    oauth.on_access_token, oauth.on_revoke = on_access_token, on_revoke
    yield Workspace(gmail_state, calendar_state, oauth, _google_apis.root)
    oauth.on_access_token = oauth.on_revoke = None


@pytest.fixture
def app_settings(workspace):
    return workspace.settings()
