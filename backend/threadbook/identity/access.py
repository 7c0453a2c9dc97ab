"""Who may see which mail and who may change which record: the one access model.

Every query that shows mail and every write that stores mail or changes a
record goes through this module; docs/access.md is the same rules as a table.

Mail
----
Each ``Email`` row is one person's copy: ``owner`` is the user whose evidence
it is (their own Gmail copy, their own dropbox message, mail they sent). Two
colleagues holding the same mail hold two rows under one ``message_key`` (the
RFC Message-ID), so what a person reads comes only from their own row or from
a row whose owner shared it. A Message-ID, In-Reply-To or References header
is written by the sender and proves nothing: it only lets a timeline show the
copies of one mail once.

- ``private``: only the owner reads it (not even that it exists);
- ``team_metadata``: colleagues see who, when and the subject;
- ``team_full``: colleagues see everything.

The level of new mail: the owner's thread marked private wins for mail that
arrives by itself (sync, dropbox, replies), then the choice made at log time,
then the owner's default, then the organisation's. Only the owner, or an
administrator (audited), changes a level later, links it to a deal, or
unlogs it (removes the copy from the CRM; audited).

Records
-------
Contacts, leads, companies, deals and meetings have an ``owner``; notes an
``author``. Anyone in the organisation may create records and edit their
shared fields (name, title, phone, company, stage…). Reassigning a record
(changing ``owner``) and deleting it belong to its owner or an administrator;
a member may take an unowned record for themselves. A note is edited or
deleted by its author or an administrator. A meeting lives in its owner's
calendar: only the owner changes or cancels it. A match correction (anyone's
to make, for the whole organisation) is removed by the member who made it or
an administrator. Every reassignment, deletion, cancellation, visibility
change and correction is audited.
"""

from peewee import SQL, Case, fn

from threadbook.models import VISIBILITIES, Contact, Email, PrivateThread, User

PRIVATE, TEAM_METADATA, TEAM_FULL = VISIBILITIES


def is_admin(user):
    return user.role == "admin"


# ---------------------------------------------------------------- records: reading


def visible_contacts(user):
    """Return a condition on Contact: the contacts the user may see (every contact of their organisation, today).

    Anything that copies contacts out of the CRM (Google Contacts) selects through this, so a rule that hides
    some contacts from some colleagues has one place to go.
    """
    return Contact.org == user.org_id


# ---------------------------------------------------------------- mail: reading


def visible_emails(user):
    """Return a condition on Email: rows of the user's organisation the user may know exist."""
    return (Email.org == user.org_id) & ((Email.owner == user.id) | (Email.visibility != PRIVATE))


def readable_in_full(user, email):
    """Whether the user may read the email's snippet and body (it is visible to them)."""
    return email.owner_id == user.id or email.visibility == TEAM_FULL


def _rank(user, alias):
    """How good a copy is for ``user``: their own first, then shared in full, then metadata."""
    return Case(None, ((alias.owner == user.id, 0), (alias.visibility == TEAM_FULL, 1)), 2)


def best_copies(user):
    """Return a condition on Email: visible rows that are the user's best copy of their mail.

    The copies of one mail (same ``message_key``) show once: the user's own,
    else one shared in full, else one shared as metadata; ties go to the oldest row.
    """
    other = Email.alias("other_copy")
    better = other.select(SQL("1")).where(
        (other.org == Email.org)
        & (other.message_key == Email.message_key)
        & (other.id != Email.id)
        & ((other.owner == user.id) | (other.visibility != PRIVATE))
        & ((_rank(user, other) < _rank(user, Email)) | ((_rank(user, other) == _rank(user, Email)) & (other.id < Email.id)))
    )
    return visible_emails(user) & ~fn.EXISTS(better)


# The visibility rule in SQL for hand-written queries where the email table is
# aliased ``e``; its parameters are ``visible_sql_params(user)``.
VISIBLE_SQL = "(e.owner_id = ? OR e.visibility <> 'private')"


def visible_sql_params(user):
    return (user.id,)


# ---------------------------------------------------------------- mail: writing


def default_level(org, owner):
    """The level new mail of ``owner`` (a User or its id) gets when nobody chooses: theirs, else the organisation's."""
    if isinstance(owner, int):
        owner = User.select(User.default_visibility).where(User.id == owner).first()
    return getattr(owner, "default_visibility", None) or org.default_visibility


def level_for_new_mail(org, owner, chosen=None):
    """The level for mail stored now: the choice made at log time, else the defaults."""
    return chosen or default_level(org, owner)


def private_threads(owner_id, thread_ids):
    """Return the ids among ``thread_ids`` that ``owner_id`` marked private."""
    ids = sorted({t for t in thread_ids if t})
    if owner_id is None or not ids:
        return set()
    rows = PrivateThread.select(PrivateThread.gmail_thread_id).where((PrivateThread.user == owner_id) & PrivateThread.gmail_thread_id.in_(ids))
    return {row.gmail_thread_id for row in rows}


def can_change_visibility(user, email):
    """The owner changes who sees their mail; an administrator may too (audited by the caller)."""
    return email.owner_id == user.id or (is_admin(user) and email.org_id == user.org_id)


def can_unlog(user, email):
    """Unlog a copy (remove it from the CRM): its owner, or an administrator of its organisation (audited by the caller)."""
    return email.owner_id == user.id or (is_admin(user) and email.org_id == user.org_id)


def can_link_deal(user, email):
    """Link a copy to a deal, or unlink it: its owner, or an administrator, like its visibility."""
    return can_change_visibility(user, email)


# ---------------------------------------------------------------- records


def owns(user, record):
    """Whether ``user`` is the record's owner (a note's author); an unowned record is nobody's."""
    owner_id = getattr(record, "owner_id", None)
    if owner_id is None:
        owner_id = getattr(record, "author_id", None)
    return owner_id is not None and owner_id == user.id


def can_delete(user, record):
    """Delete a contact, lead, company, deal or note: its owner (author) or an administrator."""
    return owns(user, record) or is_admin(user)


def can_reassign(user, record, new_owner_id):
    """Change a record's owner: its owner or an administrator; anyone may take an unowned record for themselves."""
    if owns(user, record) or is_admin(user):
        return True
    return getattr(record, "owner_id", None) is None and new_owner_id == user.id


def can_edit_note(user, note):
    """Edit or delete a note: its author or an administrator."""
    return owns(user, note) or is_admin(user)


def can_remove_correction(user, correction):
    """Remove a match correction: the member who made it or an administrator."""
    return (correction.created_by_id is not None and correction.created_by_id == user.id) or is_admin(user)


def can_change_meeting(user, meeting):
    """A meeting lives in its owner's calendar: only they change or cancel it."""
    return meeting.owner_id is not None and meeting.owner_id == user.id
