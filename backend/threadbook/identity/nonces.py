"""Use each sign-in nonce once, so a captured ID token and its nonce cannot be exchanged again.

The extension asks Google for an ID token with a fresh random ``nonce`` and
sends both; the token's signature binds the nonce. Remembering the nonces
already exchanged (a digest, until the token would expire anyway) makes a
replayed pair worthless, on every worker, since the record is in the database.
"""

import datetime
import hashlib

from threadbook.db import write_transaction
from threadbook.models import UsedSignInNonce, utcnow


def claim(nonce, token_expires_at):
    """Record ``nonce`` as used; return False when it was used before."""
    digest = hashlib.sha256(nonce.encode()).hexdigest()
    expires = datetime.datetime.fromtimestamp(token_expires_at, datetime.UTC).replace(tzinfo=None)
    with write_transaction():
        # Expired entries go first: their tokens are refused on expiry anyway.
        UsedSignInNonce.delete().where(UsedSignInNonce.expires_at < utcnow()).execute()
        # RETURNING, not the insert's row id: SQLite reports the last id even when nothing was inserted.
        inserted = (
            UsedSignInNonce.insert(digest=digest, expires_at=expires)
            .on_conflict(conflict_target=[UsedSignInNonce.digest], action="NOTHING")
            .returning(UsedSignInNonce.id)
            .execute()
        )
        return bool(list(inserted))
