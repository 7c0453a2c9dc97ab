"""A user's addresses: the current one (``User.email``) and the others that still mean "them" in mail.

An address changes when Google renames the account (same ``sub``, new
``email``, seen at sign-in or when connecting Gmail) or when the user connects
another mailbox they own instead (sync/readdress.py). The old address is kept
as a ``UserAddress`` so mail from it is still recognised as theirs (mail sync's
colleague check, "self" in lookups). Whoever else holds the new address as
their *current* one blocks the change: two users never share one.
"""

from threadbook import audit, matching
from threadbook.models import User, UserAddress


class AddressTaken(Exception):
    """The address is another user's current address, in this organisation or another."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def taken_message(user, normalized, shown=None):
    """Return why ``normalized`` cannot become ``user``'s address (a sentence), or None when it is free."""
    shown = shown or normalized
    colleague = User.get_or_none((User.org == user.org_id) & (User.email_normalized == normalized) & (User.id != user.id))
    if colleague is not None:
        who = colleague.name or colleague.email
        return f"{shown} is already the address of {who} in your organisation; ask an administrator to sort it out before switching to it."
    elsewhere = User.select(User.id).where((User.email_normalized == normalized) & (User.org != user.org_id)).exists()
    if elsewhere:
        return f"{shown} already belongs to a Threadbook user of another organisation; that account must give it up before you can switch to it."
    return None


def check_free(user, normalized, shown=None):
    """Raise AddressTaken unless ``normalized`` may become ``user``'s address."""
    message = taken_message(user, normalized, shown)
    if message:
        raise AddressTaken(message)


def change_address(user, email, reason, actor=None, old_kind="former"):
    """Make ``email`` the user's current address, keeping the old one as an address of ``old_kind``; return the user.

    Runs inside the caller's write transaction; raises AddressTaken (nothing changed) when someone else holds it.
    """
    normalized = matching.normalize_address(email)
    if normalized == user.email_normalized:
        return user
    check_free(user, normalized, email)
    old_email, old_normalized = user.email, user.email_normalized
    keep_address(user, old_email, old_kind)
    UserAddress.delete().where((UserAddress.user == user.id) & (UserAddress.email_normalized == normalized)).execute()
    User.update(email=email, email_normalized=normalized).where(User.id == user.id).execute()
    user.email, user.email_normalized = email, normalized
    audit.record("user.address_changed", org=user.org_id, user=actor or user, old=old_email, new=email, reason=reason, old_normalized=old_normalized)
    return user


def keep_address(user, email, kind="former"):
    """Remember ``email`` as one of the user's other addresses (its kind updated if already known)."""
    normalized = matching.normalize_address(email)
    row = UserAddress.get_or_none((UserAddress.user == user.id) & (UserAddress.email_normalized == normalized))
    if row is None:
        UserAddress.create(org=user.org_id, user=user.id, email=email, email_normalized=normalized, kind=kind)
    elif row.kind != kind:
        UserAddress.update(kind=kind).where(UserAddress.id == row.id).execute()


def signin_address(user):
    """Return the user's ``signin`` address row (their sign-in account is not their mailbox's), or None."""
    return UserAddress.get_or_none((UserAddress.user == user.id) & (UserAddress.kind == "signin"))


def other_addresses(user_id):
    """Return the normalised addresses of a user other than the current one."""
    return {row.email_normalized for row in UserAddress.select(UserAddress.email_normalized).where(UserAddress.user == user_id)}


def org_other_addresses(org_id):
    """Return every member's other addresses (normalised): mail from them is a colleague's."""
    return {row.email_normalized for row in UserAddress.select(UserAddress.email_normalized).where(UserAddress.org == org_id)}


def signed_in_as(user, email, normalized):
    """Follow the address Google reports at sign-in for a known ``sub`` (the account may have been renamed).

    When the user's mailbox is another account's (a ``signin`` row), only that
    row follows; otherwise the user's address changes, unless someone else holds
    the new one (then nothing changes: signing in still works, and the refusal is audited).
    """
    if normalized == user.email_normalized:
        return
    row = signin_address(user)
    if row is not None:
        if row.email_normalized != normalized:
            UserAddress.update(kind="former").where(UserAddress.id == row.id).execute()
            keep_address(user, email, "signin")
        return
    try:
        change_address(user, email, reason="google_account_renamed")
    except AddressTaken as exc:
        audit.record("user.address_change_refused", org=user.org_id, user=user, new=email, reason=exc.message)
