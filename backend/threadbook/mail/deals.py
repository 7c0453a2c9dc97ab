"""Logged mail and deals: the deal a person logs their copies to, chosen at log time or later.

Any member may log their own mail to any deal of the organisation (deals are
shared records); a deal of another organisation, or none, is ``DealNotFound``.
Only the copy's owner, or an administrator, changes its deal later
(mail/emails.py). Deleting a deal leaves the mail, unlinked (``on_delete``
SET NULL).
"""

from threadbook.models import Deal, Email

KEEP = object()  # "leave the deal as it is": no deal_id in the request


class DealNotFound(Exception):
    """No deal with this id in the person's organisation."""


def deal_in_org(user, deal_id):
    """The deal ``deal_id`` of the user's organisation; raises DealNotFound."""
    if not 0 < deal_id < 2**63:
        raise DealNotFound(deal_id)
    deal = Deal.get_or_none((Deal.id == deal_id) & (Deal.org == user.org_id))
    if deal is None:
        raise DealNotFound(deal_id)
    return deal


def link(user, email_ids, deal):
    """Link the user's own copies among ``email_ids`` to ``deal`` (None unlinks them)."""
    ids = sorted(set(email_ids))
    if ids:
        Email.update(deal=deal.id if deal is not None else None).where(Email.id.in_(ids) & (Email.owner == user.id)).execute()


def common_deal(email_ids):
    """The deal every one of ``email_ids`` is linked to, or None (no mail, no deal, or several)."""
    ids = sorted(set(email_ids))
    if not ids:
        return None
    deal_ids = {d for (d,) in Email.select(Email.deal).where(Email.id.in_(ids)).tuples()}
    if len(deal_ids) != 1 or None in deal_ids:
        return None
    return Deal.get_or_none(Deal.id == deal_ids.pop())
