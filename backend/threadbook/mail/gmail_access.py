"""The Gmail the mail services act through for a person: their token from the extension, else their connected mailbox.

``open_mail`` asks ``google.access.mail_access`` and turns its
``NoGoogleAccess`` into the mail domain's ``NoMailAccess``, so callers (the
API's views among them) need nothing from ``threadbook.google`` to say what
the person should do.
"""

from threadbook.google.access import NoGoogleAccess, connected_mailbox_gmail, mail_access


class NoMailAccess(Exception):
    """Neither a token from the extension nor a usable connected mailbox; the message says what to do."""


def open_mail(user, org, access_token=None):
    """The user's ``MailAccess`` (``gmail`` reads and labels, ``sender`` sends); raises NoMailAccess."""
    try:
        return mail_access(user, org, access_token)
    except NoGoogleAccess as exc:
        raise NoMailAccess(str(exc)) from exc


def mailbox_gmail_for(user, org):
    """Gmail through the user's connected mailbox, or None: what labels a thread when the extension's token may not."""
    return connected_mailbox_gmail(user, org)
