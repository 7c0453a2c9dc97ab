"""Change organisation settings where no-copy mode may purge stored mail content.

Every ``PATCH /org`` goes through ``update_settings``: when the settings
asked for leave a policy (mail/content_policy.py) that stored copies break —
no-copy mode switched on, or subjects no longer kept under it — those copies
lose their body and snippet (and subject) in the same transaction as the
switch, audited as ``org.content_purged`` with who and how many. Such a purge
happens only when the request confirms it (``confirm == "purge"``); otherwise
``PurgeNotConfirmed`` says what would be lost and from how many emails,
and nothing changes. Switching the mode off brings nothing back.
"""

import functools
import operator

from threadbook import audit
from threadbook.db import write_transaction
from threadbook.identity import organisations
from threadbook.mail.content_policy import ContentPolicy
from threadbook.models import Email, Notification

CONFIRMATION = "purge"


class PurgeNotConfirmed(Exception):
    """The change would delete stored content of ``emails`` emails (``parts``: body, snippet, subject) and was not confirmed."""

    def __init__(self, emails, parts):
        self.emails, self.parts = emails, parts
        lost = " and ".join((", ".join(parts[:-1]), parts[-1])) if len(parts) > 1 else parts[0]
        super().__init__(
            f"This deletes the stored {lost} of {emails} logged email{'s' if emails != 1 else ''} in your organisation; "
            "they cannot be brought back, even by switching no-copy mode off (people can still read mail in their own Gmail). "
            f'Send the change again with "confirm": "{CONFIRMATION}" to go ahead.'
        )


def _policy_after(org, wanted):
    no_copy = wanted.get("no_copy_mode", org.no_copy_mode)
    keep_subjects = wanted.get("no_copy_keep_subjects", org.no_copy_keep_subjects)
    return ContentPolicy(keep_content=not no_copy, keep_subject=not no_copy or bool(keep_subjects))


def _at_stake(org_id, policy):
    """What the organisation's copies hold that ``policy`` does not keep: (number of emails, parts they would lose)."""
    lost = {}  # parts: the copies that still hold them
    if not policy.keep_content:
        lost[("body", "snippet")] = Email.content_stored == True  # noqa: E712 (peewee builds SQL from ==)
    if not policy.keep_subject:
        lost[("subject",)] = Email.subject_stored == True  # noqa: E712
    if not lost:
        return 0, []
    mine = Email.select().where(Email.org == org_id)
    count = mine.where(functools.reduce(operator.or_, lost.values())).count()
    return count, [part for parts, holding in lost.items() if mine.where(holding).exists() for part in parts]


def update_settings(org, actor, wanted, confirm=None):
    """Apply ``wanted`` (checked settings) as organisations.update_settings does, purging what the new policy forbids.

    Raises PurgeNotConfirmed when copies would lose content and ``confirm`` is not ``CONFIRMATION``. Returns the organisation.
    """
    with write_transaction():
        # Lock the row first (PostgreSQL): stores under way finish, later ones wait and see the new policy.
        current = organisations.locked(org)
        policy = _policy_after(current, wanted)
        count, parts = _at_stake(current.id, policy)
        if count and confirm != CONFIRMATION:
            raise PurgeNotConfirmed(count, parts)
        updated = organisations.update_settings(current, actor, wanted)
        if count:
            _purge(current.id, policy)
            audit.record("org.content_purged", org=current.id, user=actor, emails=count, parts=parts)
    return updated


def _purge(org_id, policy):
    if not policy.keep_content:
        Email.update(body=None, snippet="", content_stored=False).where((Email.org == org_id) & (Email.content_stored == True)).execute()  # noqa: E712
    if not policy.keep_subject:
        Email.update(subject="", subject_stored=False).where((Email.org == org_id) & (Email.subject_stored == True)).execute()  # noqa: E712
        Notification.update(subject="").where(Notification.org == org_id).execute()
