"""Dropbox addresses: ``<user's dropbox_token>@<THREADBOOK_DROPBOX_DOMAIN>``, and issuing a new one."""

import secrets

from peewee import IntegrityError

from threadbook.db import write_transaction
from threadbook.models import User


def dropbox_address(user, domain):
    """Return the user's dropbox address, or None when no dropbox domain is configured."""
    return f"{user.dropbox_token}@{domain}" if domain else None


def is_dropbox_address(address, domain):
    """True for any address at the dropbox domain (never a real participant of the mail)."""
    return bool(domain) and address.rpartition("@")[2].strip().lower().rstrip(".") == domain


def user_for_address(address, domain):
    """Return the user whose dropbox ``address`` is, or None."""
    local, _, host = (address or "").strip().rpartition("@")
    if not domain or host.lower().rstrip(".") != domain or not local:
        return None
    if not (local.isascii() and local.isalnum()):
        return None  # tokens are hexadecimal: a NUL or UTF-8 is no token, and never reaches the database
    return User.get_or_none(User.dropbox_token == local.lower())


def new_token():
    """A fresh dropbox token: unguessable, so a leaked address is retired by issuing a new one."""
    return secrets.token_hex(8)


class RotationFailed(Exception):
    """No new token could be stored (each try clashed with another user's)."""


def rotate(user):
    """Give the user a new dropbox token (the old address stops working); return the user as stored."""
    for _ in range(3):  # a clash of 64 random bits is all but impossible; still, never a 500
        try:
            with write_transaction():
                User.update(dropbox_token=new_token()).where(User.id == user.id).execute()
            return User.get_by_id(user.id)
        except IntegrityError:
            continue
    raise RotationFailed("Could not issue a new dropbox address; try again.")
