"""Encrypt secrets at rest (refresh tokens, service-account keys) with Fernet.

The key comes from config ``ENCRYPTION_KEY`` (env ``THREADBOOK_ENCRYPTION_KEY``);
when unset, one is generated once into ``instance/encryption_key`` (mode 0600),
like the session secret. Several comma-separated keys rotate: the first
encrypts, any of them decrypts. A key is either a Fernet key (32 url-safe
base64 bytes, from ``Fernet.generate_key()``) or any passphrase of 16+
characters, stretched with HKDF.

Nothing here logs a plaintext or a key, and ``DecryptionFailed`` never quotes
the ciphertext.
"""

import base64
import functools
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

KEY_FILE = "encryption_key"
_HKDF_INFO = b"threadbook encryption at rest v1"


class DecryptionFailed(Exception):
    """A stored secret cannot be decrypted (wrong or rotated-out key, or tampering)."""


class WeakKey(ValueError):
    """The configured encryption key is too short to be a key."""


def _fernet_key(text):
    """Return a Fernet key for a configured key: as is when it is one, else HKDF-derived."""
    raw = text.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32 and len(raw) == 44:
            return raw
    except ValueError:
        pass
    if len(raw) < 16:
        raise WeakKey("THREADBOOK_ENCRYPTION_KEY must be a Fernet key or a passphrase of at least 16 characters.")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(raw)
    return base64.urlsafe_b64encode(derived)


def generated_key(instance_path):
    """Return the key kept in instance/, creating it on first use."""
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race; use its key
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(Fernet.generate_key().decode())
    return path.read_text().strip()


@functools.lru_cache(maxsize=8)
def _cipher(configured):
    keys = [k for k in configured.split(",") if k.strip()]
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def cipher(app=None):
    """Return the MultiFernet for an app (the current one by default)."""
    app = app or current_app
    configured = app.config.get("ENCRYPTION_KEY") or generated_key(app.instance_path)
    return _cipher(configured)


def encrypt(plaintext, app=None):
    """Return ``plaintext`` (str) encrypted and authenticated, as ASCII text."""
    return cipher(app).encrypt(plaintext.encode()).decode("ascii")


def decrypt(token, app=None):
    """Return the plaintext of a value from ``encrypt``, or raise DecryptionFailed."""
    try:
        return cipher(app).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, AttributeError):
        raise DecryptionFailed("A stored secret could not be decrypted with the configured THREADBOOK_ENCRYPTION_KEY.") from None


def decrypt_fresh(token, max_age_seconds, app=None):
    """Decrypt a token made at most ``max_age_seconds`` ago (Fernet stamps the time), or raise DecryptionFailed."""
    try:
        return cipher(app).decrypt(token.encode("ascii"), ttl=max_age_seconds).decode()
    except (InvalidToken, UnicodeError, AttributeError):
        raise DecryptionFailed("The token is invalid or has expired.") from None
