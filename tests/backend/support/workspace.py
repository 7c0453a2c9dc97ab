"""Helpers for the calendar, dropbox and sending tests: fake Gmail and Calendar under one root, and the fake token endpoint.

``GOOGLE_API_ROOT`` is one setting for Gmail and Calendar, so one local server
serves both fakes (``tests/fakes/gcalendar.combined_app``); the Gmail half
shares its state with the suite's ``gmail`` fixture. Access tokens that the
fake token endpoint issues open the matching fake mailbox and calendar with
the scopes granted. ``Workspace`` is what the ``workspace`` fixture
(tests/backend/conftest.py) yields; the ``workspace_settings`` fixture returns
its settings, for a test module or folder to use as its ``app_settings``.
"""

from dataclasses import dataclass

from threadbook import crypto
from threadbook.db import database
from threadbook.models import Mailbox

from ...fakes.google_oauth import CLIENT_ID, CLIENT_SECRET
from .sync import ENCRYPTION_KEY

GMAIL_MODIFY = "https://www.googleapis.com/auth/gmail.modify"
CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events"
CALENDAR_FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
ALL_SCOPES = (GMAIL_MODIFY, CALENDAR_EVENTS, CALENDAR_FREEBUSY)


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
