"""The one place that turns "this user" into Google clients.

Two ways in, in this order: a short-lived access token the extension sent
(the API reads the ``X-Google-Access-Token`` header and passes it here), else
the credentials stored for the user's connected mailbox (their refresh token,
or the organisation's service account; built by ``credentials``), narrowed to
the scopes the caller needs. When neither can be used, ``NoGoogleAccess`` says
what the person should do.
"""

import dataclasses

from flask import current_app

from threadbook.google.calendar import CALENDAR_FULL, CALENDAR_LIST_READONLY, CALENDAR_LIST_SCOPES, CALENDAR_SCOPES, Calendar
from threadbook.google.credentials import MissingCredentials, google_credentials
from threadbook.google.gmail import Gmail
from threadbook.google.gmail_send import GmailSender
from threadbook.google.people import CONTACTS, People
from threadbook.models import Mailbox


class NoGoogleAccess(Exception):
    """Neither a token from the extension nor a usable connected mailbox; the message says what to do."""


class ContactsNotGranted(NoGoogleAccess):
    """The connected mailbox's grant does not include Google Contacts (the contacts scope)."""


class CalendarListNotGranted(NoGoogleAccess):
    """The connected mailbox's grant does not include the calendar list (calendar.calendarlist.readonly)."""


@dataclasses.dataclass
class MailAccess:
    """Gmail for one user: ``gmail`` reads and labels, ``sender`` sends."""

    gmail: Gmail
    sender: GmailSender


def connected_mailbox(user):
    """The user's mailbox when its stored credentials may be used, else None."""
    mailbox = Mailbox.get_or_none(Mailbox.user == user.id)
    if mailbox is None or mailbox.status in ("disconnected", "needs_reconnect"):
        return None
    return mailbox


def granted_calendar_scopes(mailbox):
    """Return the calendar scopes the mailbox's grant allows (all of them for a service account)."""
    if mailbox.kind == "service_account":
        return CALENDAR_SCOPES
    granted = set((mailbox.scopes or "").split())
    if CALENDAR_FULL in granted:
        return CALENDAR_SCOPES
    return tuple(s for s in CALENDAR_SCOPES if s in granted)


def mailbox_gmail(mailbox, user, org, config=None):
    """Gmail acting for a connected mailbox (mail sync, label sorting); raises MissingCredentials."""
    config = config or current_app.config
    return Gmail(google_credentials(mailbox, user, org, config), config["GOOGLE_API_ROOT"])


def connected_mailbox_gmail(user, org, config=None):
    """Gmail through the user's connected mailbox (its grant includes gmail.modify), or None when there is none usable.

    For what the extension's token may not do, such as labelling a thread when
    the token only reads: the connected mailbox is the same Google account.
    """
    mailbox = connected_mailbox(user)
    if mailbox is None:
        return None
    try:
        return mailbox_gmail(mailbox, user, org, config)
    except MissingCredentials:
        return None


def mail_access(user, org, access_token=None, config=None):
    """Gmail reading and sending for ``user``: the extension's token, else the connected mailbox's credentials."""
    config = config or current_app.config
    root = config["GOOGLE_API_ROOT"]
    if access_token:
        return MailAccess(Gmail.for_access_token(access_token, root), GmailSender.for_access_token(access_token, root))
    mailbox = connected_mailbox(user)
    if mailbox is None:
        raise NoGoogleAccess("Threadbook has no access to your Gmail: sign in with Google again, or connect your mailbox on the Account screen.")
    try:
        credentials = google_credentials(mailbox, user, org, config)
    except MissingCredentials as exc:
        raise NoGoogleAccess(f"Your mailbox connection cannot be used ({exc}); connect it again.") from exc
    return MailAccess(Gmail(credentials, root), GmailSender(credentials, root))


def calendar_for(user, org, access_token=None, config=None):
    """Google Calendar acting for ``user``: the extension's token, else the mailbox's calendar grant."""
    config = config or current_app.config
    if access_token:
        return Calendar.for_access_token(access_token, config["GOOGLE_API_ROOT"])
    mailbox = connected_mailbox(user)
    if mailbox is None:
        raise NoGoogleAccess("Google is not connected for you: connect your mailbox, or send a Google access token with calendar access.")
    scopes = granted_calendar_scopes(mailbox)
    if not scopes:
        raise NoGoogleAccess("Your Google connection does not include Calendar: connect Google again and allow calendar access.")
    try:
        credentials = google_credentials(mailbox, user, org, config, scopes=scopes)
    except MissingCredentials as exc:
        raise NoGoogleAccess(str(exc)) from exc
    return Calendar(credentials, config["GOOGLE_API_ROOT"])


def calendar_list_for(user, org, access_token=None, config=None):
    """Google Calendar able to list the user's calendars: (client, "token" | "oauth" | "service_account").

    The extension's token is tried as it is (Google answers InsufficientScope
    when it lacks the list scope); a connected mailbox only when its grant
    includes one of ``CALENDAR_LIST_SCOPES`` (CalendarListNotGranted otherwise),
    or through the organisation's service account, whose delegation may or may not allow it.
    """
    config = config or current_app.config
    if access_token:
        return Calendar.for_access_token(access_token, config["GOOGLE_API_ROOT"]), "token"
    mailbox = connected_mailbox(user)
    if mailbox is None:
        raise NoGoogleAccess("Google is not connected for you: sign in with Google again to choose your calendars.")
    if mailbox.kind != "service_account" and not set((mailbox.scopes or "").split()) & set(CALENDAR_LIST_SCOPES):
        raise CalendarListNotGranted("Your Google connection does not include the list of your calendars.")
    try:
        credentials = google_credentials(mailbox, user, org, config, scopes=(CALENDAR_LIST_READONLY,))
    except MissingCredentials as exc:
        raise NoGoogleAccess(str(exc)) from exc
    return Calendar(credentials, config["GOOGLE_API_ROOT"]), mailbox.kind


def contacts_granted(mailbox):
    """Whether a connected mailbox may write the user's Google Contacts (a service account: its delegation decides)."""
    return mailbox.kind == "service_account" or CONTACTS in (mailbox.scopes or "").split()


def people_for(user, org, config=None):
    """Google Contacts for background copying, through the connected mailbox's grant (never the extension's token)."""
    config = config or current_app.config
    mailbox = connected_mailbox(user)
    if mailbox is None:
        raise NoGoogleAccess("Google is not connected for you: connect Google on the Account screen to copy contacts.")
    if not contacts_granted(mailbox):
        raise ContactsNotGranted("Your Google connection does not include Google Contacts: allow Contacts on the Account screen.")
    try:
        credentials = google_credentials(mailbox, user, org, config, scopes=(CONTACTS,))
    except MissingCredentials as exc:
        raise NoGoogleAccess(str(exc)) from exc
    return People(credentials, config["GOOGLE_PEOPLE_API_ROOT"])
