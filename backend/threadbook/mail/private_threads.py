"""Threads a person keeps private: their logged copies in it become private, and so will its later messages.

Only the person's own copies are touched (a colleague's copy of the same mail
is theirs). ``mail.store`` gives later messages of a kept-private thread the
private level (identity/access.py: ``private_threads``).
"""

from threadbook import audit
from threadbook.crm.participants import own_copies_in_thread
from threadbook.db import write_transaction
from threadbook.identity.access import PRIVATE
from threadbook.models import Email, PrivateThread


def keep_thread_private(user, thread_id, private):
    """Keep the user's thread private (or stop), audited; return the ids of their logged copies in it."""
    with write_transaction():
        ids = own_copies_in_thread(user, thread_id)
        if private:
            PrivateThread.insert(org=user.org_id, user=user.id, gmail_thread_id=thread_id).on_conflict(
                conflict_target=[PrivateThread.user, PrivateThread.gmail_thread_id], action="NOTHING"
            ).execute()
            changed = [e.id for e in Email.select(Email.id).where(Email.id.in_(ids) & (Email.visibility != PRIVATE))] if ids else []
            if changed:
                Email.update(visibility=PRIVATE).where(Email.id.in_(changed)).execute()
        else:
            PrivateThread.delete().where((PrivateThread.user == user.id) & (PrivateThread.gmail_thread_id == thread_id)).execute()
            changed = []
        audit.record("thread.privacy_changed", org=user.org_id, user=user.id, thread_id=thread_id, private=private, email_ids=changed)
    return ids
