"""Read a logged email's content live from the viewer's own Gmail (for no-copy mode, where the CRM keeps none).

Who may read is decided first and is never widened: the email must be one
the viewer may see (mail/emails.py ``visible_email``: another person's
private mail is ``EmailNotFound``) and read in full (their own copy, or one
shared in full, identity/access.py); a copy shared as metadata only answers
``not_shared``.

Where the content comes from is then only the viewer's own Gmail (their
extension token, else their connected mailbox: mail/gmail_access.py), never a
colleague's mailbox: first by the Gmail ids the viewer's own copies of this
mail have there (``MailboxMessage``), else by searching their mailbox for the
RFC Message-ID (``rfc822msgid:``) and keeping only a message whose
Message-ID header is exactly it. A Message-ID is chosen by the sender and
proves nothing; reading it in one's own mailbox shows only what one already
holds. When that fails the answer says why, and carries no content.
"""

from dataclasses import dataclass

from threadbook.crm.serializers import iso
from threadbook.google import errors as google_errors
from threadbook.identity.access import readable_in_full
from threadbook.mail.emails import visible_email
from threadbook.mail.gmail_access import NoMailAccess, open_mail
from threadbook.mail.store import parse_gmail_message
from threadbook.models import Email, MailboxMessage

SEARCH_LIMIT = 5  # messages one Message-ID may match in a mailbox (resent copies); each is checked
REASONS = {
    "not_shared": "Its owner shares only who, when and the subject of this email.",
    "no_mailbox": "Threadbook cannot reach your Gmail: sign in with Google again, or connect your mailbox on the Account screen.",
    "not_in_your_gmail": "This email is not in your Gmail, so its content cannot be shown here (Threadbook keeps no copy).",
    "gmail_refused": "Your Gmail refused to show this email: sign in with Google again, or reconnect your mailbox.",
    "gmail_unavailable": "Gmail did not answer; try again in a moment.",
}


@dataclass
class LiveContent:
    """The answer: ``content`` (subject, snippet, body, from, date) or None with ``reason`` (a key of REASONS); ``found_by`` how."""

    email_id: int
    content: dict | None = None
    reason: str | None = None
    found_by: str | None = None  # "your_copy" (its Gmail id), "message_id" (a search of your mailbox)

    @property
    def message(self):
        return REASONS.get(self.reason)


def read_live(user, org, email_id, access_token=None):
    """The content of email ``email_id`` from ``user``'s own Gmail; raises EmailNotFound for mail they may not see."""
    email = visible_email(user, email_id)
    if not readable_in_full(user, email):
        return LiveContent(email.id, reason="not_shared")
    try:
        gmail = open_mail(user, org, access_token).gmail
    except NoMailAccess:
        return LiveContent(email.id, reason="no_mailbox")
    try:
        message, found_by = _from_own_copies(gmail, user, email), "your_copy"
        if message is None:
            message, found_by = _by_message_id(gmail, email.rfc_message_id), "message_id"
    except (google_errors.ReauthRequired, google_errors.InsufficientScope):
        return LiveContent(email.id, reason="gmail_refused")
    except google_errors.GoogleApiError:
        return LiveContent(email.id, reason="gmail_unavailable")
    if message is None:
        return LiveContent(email.id, reason="not_in_your_gmail")
    return LiveContent(email.id, content=_content(message), found_by=found_by)


def _own_gmail_ids(user, email):
    """The Gmail ids of the viewer's own copies of this mail (same key, owned by them), as their mailbox placed them."""
    own = Email.select(Email.id).where((Email.org == user.org_id) & (Email.owner == user.id) & (Email.message_key == email.message_key))
    rows = MailboxMessage.select(MailboxMessage.gmail_message_id).where((MailboxMessage.user == user.id) & MailboxMessage.email.in_(own))
    return [row.gmail_message_id for row in rows]


def _from_own_copies(gmail, user, email):
    for gmail_id in _own_gmail_ids(user, email):
        try:
            return gmail.get_message(gmail_id, format="full")
        except google_errors.NotFound:
            continue  # deleted from the mailbox since; a search may still find it
    return None


def searchable(message_id):
    """The Message-ID as a ``rfc822msgid:`` search term, or None when it cannot be searched for."""
    if not message_id or message_id.startswith("<sha256.") and message_id.endswith("@threadbook.invalid>"):
        return None  # none, or a digest of one too long to store (mail/store.py)
    term = message_id.strip().removeprefix("<").removesuffix(">")
    if not term or any(c.isspace() or c in '"<>()' for c in term):
        return None  # not a Message-ID Gmail's search syntax can carry
    return term


def _by_message_id(gmail, message_id):
    term = searchable(message_id)
    if term is None:
        return None
    found = gmail.list_messages(query=f"rfc822msgid:{term}", max_results=SEARCH_LIMIT).get("messages") or []
    for item in found:
        try:
            message = gmail.get_message(item["id"], format="full")
        except google_errors.NotFound:
            continue
        if parse_gmail_message(message).rfc_message_id == message_id:
            return message  # exactly this Message-ID, not whatever the search also matched
    return None


def _content(message):
    parsed = parse_gmail_message(message, with_body=True)
    return {
        "subject": parsed.subject,
        "snippet": parsed.snippet,
        "body": parsed.body or "",
        "from": {"name": parsed.from_name, "email": parsed.from_email},
        "date": iso(parsed.date),
    }
