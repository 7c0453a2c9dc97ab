"""The organisation: its settings, its members' roles and its invitations (its audit log: audit_log.py).

Every id is looked up within the given organisation: another organisation's
id is ``NotInOrganisation``, as if it did not exist. Each change is audited
with the administrator who made it; deciding who may call these (members read,
administrators change) is the API's guard.
"""

from peewee import IntegrityError

from threadbook import audit, matching
from threadbook.db import is_postgres, write_transaction
from threadbook.models import DEFAULT_DEAL_STAGES, Invitation, Organization, User

BOOLEAN_SETTINGS = ("invite_only", "store_bodies", "sync_enabled", "archive_sorted_threads")
SETTINGS = ("name", "default_visibility", "deal_stages") + BOOLEAN_SETTINGS


class NotInOrganisation(LookupError):
    """No such member or invitation in the organisation; ``what`` names which."""

    def __init__(self, what):
        super().__init__(f"No such {what} in your organisation.")
        self.what = what


class ChangeRefused(Exception):
    """The change would break a rule of the organisation (its only administrator, a duplicate)."""


def deal_stages(org):
    """The organisation's deal stages in order: its own, else the defaults."""
    return list(org.deal_stages or DEFAULT_DEAL_STAGES)


def setting(org, name):
    """The value of setting ``name`` as members see it (deal stages with the defaults filled in)."""
    return deal_stages(org) if name == "deal_stages" else getattr(org, name)


def update_settings(org, actor, wanted):
    """Apply ``wanted`` ({setting: value}, checked values of SETTINGS); audit what changed; return the organisation."""
    with write_transaction():
        org = Organization.get_by_id(org.id)
        changes = {name: [setting(org, name), value] for name, value in wanted.items() if setting(org, name) != value}
        if changes:
            for name, (_, value) in changes.items():
                setattr(org, name, value)
            org.save()
            audit.record("org.updated", org=org, user=actor, changes=changes)
    return org


def locked(org):
    """Re-read the organisation inside the caller's write transaction, its row locked on PostgreSQL (SQLite's write lock suffices)."""
    query = Organization.select().where(Organization.id == org.id)
    return (query.for_update() if is_postgres() else query).get()


def members(org):
    return User.select().where(User.org == org.id).order_by(User.id)


def change_role(org, actor, member_id, role):
    """Give a member ``role``; the organisation's only administrator stays one. Return the member."""
    with write_transaction():
        member = User.get_or_none((User.id == member_id) & (User.org == org.id))
        if member is None:
            raise NotInOrganisation("member")
        if member.role != role:
            if member.role == "admin" and _admin_count(org) == 1:
                raise ChangeRefused("This is the organisation's only administrator; make someone else an administrator first.")
            audit.record("member.role_changed", org=org.id, user=actor, member_id=member.id, email=member.email, old=member.role, new=role)
            member.role = role
            member.save()
    return member


def invitations(org):
    return Invitation.select().where(Invitation.org == org.id).order_by(Invitation.id)


def invite(org, actor, email, role):
    """Invite an address (not yet a member, not yet invited) with ``role``; return the invitation.

    Raise ``matching.InvalidAddress`` for an address Threadbook cannot use.
    """
    normalized = matching.normalize_address(email)
    try:
        with write_transaction():
            if User.select().where((User.org == org.id) & (User.email_normalized == normalized)).exists():
                raise ChangeRefused(f"{email} is already a member of your organisation.")
            invitation = Invitation.create(org=org.id, email_normalized=normalized, role=role, invited_by=actor)
            audit.record("invitation.created", org=org.id, user=actor, email=normalized, role=role)
    except IntegrityError:
        raise ChangeRefused(f"{email} is already invited.") from None
    return invitation


def withdraw_invitation(org, actor, invitation_id):
    with write_transaction():
        invitation = Invitation.get_or_none((Invitation.id == invitation_id) & (Invitation.org == org.id))
        if invitation is None:
            raise NotInOrganisation("invitation")
        invitation.delete_instance()
        audit.record("invitation.deleted", org=org.id, user=actor, email=invitation.email_normalized, role=invitation.role)


def _admin_count(org):
    return User.select().where((User.org == org.id) & (User.role == "admin")).count()


# Mail sync's organisation settings (docs/sync.md), booleans like the others; kept apart so the list above stays as it was.
SYNC_SETTINGS = ("remove_labels_on_disconnect", "blocklist_applies_to_manual_logs")
BOOLEAN_SETTINGS = BOOLEAN_SETTINGS + SYNC_SETTINGS
SETTINGS = SETTINGS + SYNC_SETTINGS

# No-copy mode's two switches (mail/content_policy.py); switching on purges, so PATCH /org goes through mail/no_copy_switch.py.
NO_COPY_SETTINGS = ("no_copy_mode", "no_copy_keep_subjects")
BOOLEAN_SETTINGS = BOOLEAN_SETTINGS + NO_COPY_SETTINGS
SETTINGS = SETTINGS + NO_COPY_SETTINGS
