"""Decide who sees a logged email, and how much of it.

An email's ``visibility`` is one of:

- ``private``: only its owner (the user whose mailbox it was logged from) sees it;
- ``team_metadata``: colleagues see who, when and the subject, never the
  snippet or the body;
- ``team_full``: everyone in the organisation sees everything.

Whoever has the same mail in their own mailbox (a MailboxMessage row: they
logged or synced it too) has already read it, so they see it in full whatever
its setting. Only the owner may change the setting.
"""

from peewee import SQL, fn

from .models import Email, MailboxMessage


def _has_mailbox_copy(user_id):
    return fn.EXISTS(
        MailboxMessage.select(SQL("1")).where((MailboxMessage.email == Email.id) & (MailboxMessage.user == user_id))
    )


def visible_emails(user):
    """Return a condition on Email: in the user's organisation and visible to them."""
    return (Email.org == user.org_id) & (
        (Email.visibility != "private") | (Email.owner == user.id) | _has_mailbox_copy(user.id)
    )


# The same rule in SQL, for hand-written queries where the email table is
# aliased ``e``; its parameters are ``visible_sql_params(user)``.
VISIBLE_SQL = (
    "(e.visibility <> 'private' OR e.owner_id = ? OR EXISTS "
    "(SELECT 1 FROM mailbox_message mm WHERE mm.email_id = e.id AND mm.user_id = ?))"
)


def visible_sql_params(user):
    return (user.id, user.id)


def content_visible_ids(user, emails):
    """Return the ids among ``emails`` whose snippet and body the user may read.

    ``emails`` are Email rows already known to be visible to the user.
    """
    visible = set()
    unsure = []
    for email in emails:
        if email.visibility == "team_full" or email.owner_id == user.id:
            visible.add(email.id)
        else:
            unsure.append(email.id)
    if unsure:
        rows = MailboxMessage.select(MailboxMessage.email).where(
            (MailboxMessage.user == user.id) & (MailboxMessage.email.in_(unsure))
        )
        visible.update(row.email_id for row in rows)
    return visible


def can_change_visibility(user, email):
    return email.owner_id == user.id
