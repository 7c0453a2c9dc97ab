"""One logged email as a person may see it, and changing who sees it or the deal it belongs to.

An email the person may not know exists (another person's private mail,
another organisation's) is ``EmailNotFound``, exactly like an id that names
nothing. Only the owner, or an administrator, may change its sharing level or
its deal (identity/access.py); each change is audited.
"""

from threadbook import audit
from threadbook.db import write_transaction
from threadbook.identity.access import can_change_visibility, can_link_deal, visible_emails
from threadbook.mail.deals import KEEP
from threadbook.models import Email


class EmailNotFound(Exception):
    """No email with this id that the person may see."""


class NotAllowedToShare(Exception):
    """The person may see the email but not change who sees it, or its deal."""


def visible_email(user, email_id):
    """The email if ``user`` may see it at all; raises EmailNotFound otherwise."""
    if not 0 < email_id < 2**63:
        raise EmailNotFound(email_id)  # beyond any database integer
    email = Email.select().where((Email.id == email_id) & visible_emails(user)).first()
    if email is None:
        raise EmailNotFound(email_id)
    return email


def change_visibility(user, email_id, visibility):
    """Give the email the sharing level ``visibility`` (audited when it changes); return the email as stored.

    Raises EmailNotFound, NotAllowedToShare.
    """
    return update_email(user, email_id, visibility=visibility)


def update_email(user, email_id, visibility=None, deal=KEEP):
    """Change the email's sharing level and/or deal (a Deal of the organisation, or None); audited; return it as stored.

    Raises EmailNotFound, NotAllowedToShare.
    """
    with write_transaction():
        email = visible_email(user, email_id)
        if visibility is not None and not can_change_visibility(user, email):
            raise NotAllowedToShare("Only the person whose mail this is, or an administrator, can change who sees it.")
        if deal is not KEEP and not can_link_deal(user, email):
            raise NotAllowedToShare("Only the person whose mail this is, or an administrator, can change its deal.")
        if visibility is not None and visibility != email.visibility:
            Email.update(visibility=visibility).where(Email.id == email.id).execute()
            audit.record(
                "email.visibility_changed",
                org=user.org_id,
                user=user.id,
                email_id=email.id,
                owner_id=email.owner_id,
                old=email.visibility,
                new=visibility,
            )
        deal_id = None if deal is KEEP or deal is None else deal.id
        if deal is not KEEP and deal_id != email.deal_id:
            Email.update(deal=deal_id).where(Email.id == email.id).execute()
            audit.record("email.deal_changed", org=user.org_id, user=user.id, email_id=email.id, owner_id=email.owner_id, old=email.deal_id, new=deal_id)
    return Email.get_by_id(email_id)
