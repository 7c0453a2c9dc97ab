"""A user's own preferences: who sees their new mail by default."""

from threadbook import audit
from threadbook.db import write_transaction
from threadbook.models import User


def set_default_visibility(user, level):
    """Set the level the user's new mail gets when nobody chooses (None: the organisation's default); audit a change."""
    with write_transaction():
        if level != user.default_visibility:
            User.update(default_visibility=level).where(User.id == user.id).execute()
            audit.record("user.default_visibility_changed", org=user.org_id, user=user.id, old=user.default_visibility, new=level)
    user.default_visibility = level
    return user
