"""New-mail notifications: a contact or lead wrote to a user and sync stored it, so the record's owner is told.

Who is told: the owner of each contact or lead whose address sent the mail
(nobody follows records yet, so owners only), when their switch
(``User.notifications_enabled``) is on, and only for mail they may see
(``access.visible_emails``: their own copy, or a colleague's copy that is not
private). Mail the user sent, and mail from colleagues, tells no one. One
notification per person per mail (``message_key``): a mail two colleagues
both hold is told once. Reading the feed checks visibility again, so a copy
made private later drops out of it.
"""

from threadbook.db import write_transaction
from threadbook.identity import access
from threadbook.matching import try_normalize
from threadbook.models import Contact, ContactAddress, Email, Lead, Notification, User, utcnow

MAX_PAGE = 100


def _records_by_address(org_id, addresses):
    """Return {normalised address: [(kind, id, name, owner id)]} for the organisation's contacts and leads."""
    found = {}
    if not addresses:
        return found
    contacts = (
        ContactAddress.select(ContactAddress.email_normalized, Contact.id, Contact.name, Contact.owner)
        .join(Contact)
        .where((ContactAddress.org == org_id) & ContactAddress.email_normalized.in_(addresses) & Contact.owner.is_null(False))
        .tuples()
    )
    for address, record_id, name, owner in contacts:
        found.setdefault(address, []).append(("contact", record_id, name, owner))
    leads = Lead.select(Lead.email_normalized, Lead.id, Lead.name, Lead.owner).where(
        (Lead.org == org_id) & Lead.email_normalized.in_(addresses) & Lead.owner.is_null(False) & Lead.converted_contact.is_null()
    )
    for address, record_id, name, owner in leads.tuples():
        found.setdefault(address, []).append(("lead", record_id, name, owner))
    return found


def notify_new_mail(org, user, email_ids):
    """Tell record owners about ``user``'s newly synced copies (Email ids); return how many notifications were made."""
    if not email_ids:
        return 0
    emails = list(Email.select().where((Email.id.in_(list(email_ids))) & (Email.org == org.id)))
    own = try_normalize(user.email)
    sender = {e.id: try_normalize(e.from_email) for e in emails}
    records = _records_by_address(org.id, {a for a in sender.values() if a and a != own})
    wanted = {}  # owner id -> [(email, record)]
    for email in emails:
        for record in records.get(sender[email.id], ()):
            wanted.setdefault(record[3], []).append((email, record))
    if not wanted:
        return 0
    owners = User.select().where(User.id.in_(list(wanted)) & (User.org == org.id) & (User.notifications_enabled == True))
    rows = []
    for owner in owners:
        pairs = wanted[owner.id]
        visible = {i for (i,) in Email.select(Email.id).where(Email.id.in_([e.id for e, _ in pairs]) & access.visible_emails(owner)).tuples()}
        for email, (kind, record_id, name, _) in pairs:
            if email.id in visible:
                rows.append(
                    {
                        "org": org.id,
                        "user": owner.id,
                        "email": email.id,
                        "message_key": email.message_key,
                        "record_kind": kind,
                        "record_id": record_id,
                        "record_name": (name or "")[:255],
                        "from_email": email.from_email[:255],
                        "subject": email.subject or "",
                        "gmail_thread_id": email.gmail_thread_id,
                        "created_at": utcnow(),
                    }
                )
    if not rows:
        return 0
    with write_transaction():
        for row in rows:
            Notification.insert(row).on_conflict_ignore().execute()
    return len(rows)


def _visible(user):
    """Notifications of ``user`` about mail they may still see."""
    return (
        Notification.select(Notification).join(Email, on=(Notification.email == Email.id)).where((Notification.user == user.id) & access.visible_emails(user))
    )


def unread_count(user):
    return _visible(user).where(Notification.read_at.is_null()).count()


def page(user, cursor=None, limit=20):
    """Return (notifications newest first, next cursor or None): ``cursor`` is the id the last page ended at."""
    query = _visible(user)
    if cursor is not None:
        query = query.where(Notification.id < cursor)
    rows = list(query.order_by(Notification.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].id) if more else None)


def mark_read(user, ids=None):
    """Mark the user's notifications read (``ids``, or all when None); return how many changed."""
    query = Notification.update(read_at=utcnow()).where((Notification.user == user.id) & Notification.read_at.is_null())
    if ids is not None:
        if not ids:
            return 0
        query = query.where(Notification.id.in_(list(ids)))
    with write_transaction():
        return query.execute()


def set_enabled(user, enabled):
    with write_transaction():
        User.update(notifications_enabled=bool(enabled)).where(User.id == user.id).execute()
    user.notifications_enabled = bool(enabled)
