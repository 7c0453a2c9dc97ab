"""Encrypt secrets at rest (refresh tokens, service-account keys) with Fernet.

The key comes from config ``ENCRYPTION_KEY`` (env ``THREADBOOK_ENCRYPTION_KEY``);
when unset, one is generated once into ``instance/encryption_key`` (mode 0600,
created atomically: ``secret_files``), like the session secret; ``create_app``
refuses to start with a configured key that is too weak or a generated file
that holds no key. Several comma-separated keys rotate: the first
encrypts, any of them decrypts. A key is either a Fernet key (32 url-safe
base64 bytes, from ``Fernet.generate_key()``) or any passphrase of 16+
characters, stretched with HKDF.

Nothing here logs a plaintext or a key, and ``DecryptionFailed`` never quotes
the ciphertext.
"""

import base64
import functools
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from threadbook import secret_files

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
    """Return the key kept in instance/, creating it on first use (atomically: see secret_files)."""
    path = Path(instance_path) / KEY_FILE
    key = secret_files.read_or_create(path, lambda: Fernet.generate_key().decode())
    _check_generated(key, path)
    return key


def _check_generated(key, path):
    try:
        if len(base64.urlsafe_b64decode(key.encode())) == 32 and len(key) == 44:
            return
    except ValueError:
        pass
    raise WeakKey(
        f"{path} does not hold a Fernet key ({'it is empty' if not key else f'{len(key)} characters'}). Restore it from a backup; "
        "only if nothing was ever encrypted with it, delete it to generate a new one (secrets stored with the old key cannot be read)."
    )


def check_keys(configured, instance_path):
    """Raise WeakKey unless the configured keys (or the generated key, once it exists) can encrypt."""
    if configured:
        keys = [key for key in configured.split(",") if key.strip()]
        if not keys:
            raise WeakKey("THREADBOOK_ENCRYPTION_KEY holds no key, only commas.")
        for key in keys:
            _fernet_key(key)
        return
    path = Path(instance_path) / KEY_FILE
    if path.exists():
        _check_generated(path.read_text().strip(), path)


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
