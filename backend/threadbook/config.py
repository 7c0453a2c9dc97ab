"""Read configuration from the environment, in one place.

Every setting has the name documented in README.md and docs/; tests pass a
mapping to ``create_app`` that overrides these.
"""

import os
import secrets
from pathlib import Path

from .loopback import dev_signin_bind_error

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_API_ROOT = "https://www.googleapis.com/"
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
# The id the manifest `key` gives the unpacked extension (see manifest.json).
EXTENSION_ORIGIN = "chrome-extension://jkepanmacpnmjgfgkefaagampdbnmmal"


class ConfigError(RuntimeError):
    """A setting the server must not start with; the message says which and what to do.

    A RuntimeError, so gunicorn prints it as ``Error: ...`` and exits 1.
    """


def _bool(value, default=False):
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def dev_signin_enabled():
    """Return whether THREADBOOK_DEV_SIGNIN turns the development sign-in on."""
    return _bool(os.environ.get("THREADBOOK_DEV_SIGNIN"))


def _list(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _secret_key(instance_path):
    """Return the configured secret, or one generated once into instance/."""
    configured = os.environ.get("THREADBOOK_SECRET_KEY")
    if configured:
        return configured
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def from_environment(instance_path):
    """Build the settings mapping from environment variables."""
    env = os.environ.get
    default_db = "sqlite:///" + str(Path(instance_path) / "threadbook.sqlite3")
    return {
        "DATABASE_URL": env("THREADBOOK_DATABASE_URL") or default_db,
        "SECRET_KEY": _secret_key(instance_path),
        "GOOGLE_CLIENT_IDS": _list(env("GOOGLE_CLIENT_ID")),
        "GOOGLE_CLIENT_SECRET": env("GOOGLE_CLIENT_SECRET") or "",
        "GOOGLE_CERTS_URL": env("GOOGLE_CERTS_URL") or GOOGLE_CERTS_URL,
        "GOOGLE_API_ROOT": env("GOOGLE_API_ROOT") or GOOGLE_API_ROOT,
        "GOOGLE_TOKEN_URI": env("GOOGLE_TOKEN_URI") or GOOGLE_TOKEN_URI,
        "ALLOWED_ORIGINS": _list(env("THREADBOOK_ALLOWED_ORIGINS")) or [EXTENSION_ORIGIN],
        "DEV_SIGNIN": dev_signin_enabled(),
        "BIND_ADDRESS": env("THREADBOOK_BIND") or "127.0.0.1:5000",
        "SESSION_TTL_SECONDS": int(env("THREADBOOK_SESSION_TTL") or 3600),
        "RATELIMIT_STORAGE_URI": env("THREADBOOK_REDIS_URL") or "memory://",
        "RATELIMIT_API": env("THREADBOOK_RATELIMIT_API") or "600 per minute",
        "RATELIMIT_SIGNIN": env("THREADBOOK_RATELIMIT_SIGNIN") or "20 per minute",
        "RATELIMIT_API_ADDRESS": env("THREADBOOK_RATELIMIT_API_ADDRESS") or "3000 per minute",
        "REDIS_URL": env("THREADBOOK_REDIS_URL") or "",
        "ENCRYPTION_KEY": env("THREADBOOK_ENCRYPTION_KEY") or "",
        # Mail sync (docs/sync.md)
        "GOOGLE_AUTH_URI": env("GOOGLE_AUTH_URI") or GOOGLE_AUTH_URI,
        "GOOGLE_REVOKE_URI": env("GOOGLE_REVOKE_URI") or "",  # empty: beside GOOGLE_TOKEN_URI
        "SYNC_BACKFILL_DAYS": int(env("THREADBOOK_SYNC_BACKFILL_DAYS") or 90),
        "SYNC_QUOTA_UNITS_PER_SECOND": float(env("THREADBOOK_SYNC_QUOTA_UNITS_PER_SECOND") or 200),
        "SYNC_LEASE_SECONDS": int(env("THREADBOOK_SYNC_LEASE_SECONDS") or 300),
        "SYNC_MAX_RETRIES": int(env("THREADBOOK_SYNC_MAX_RETRIES") or 5),
        "QUEUE_IMMEDIATE": _bool(env("THREADBOOK_QUEUE_IMMEDIATE")),
        "MAX_CONTENT_LENGTH": int(env("THREADBOOK_MAX_REQUEST_BYTES") or 1024 * 1024),
        # Calendar sync, the BCC dropbox, sending (docs/calendar-dropbox-sending.md)
        "CALENDAR_SYNC_DAYS": int(env("THREADBOOK_CALENDAR_SYNC_DAYS") or 90),
        "DROPBOX_DOMAIN": (env("THREADBOOK_DROPBOX_DOMAIN") or "").strip().lower(),
        "DROPBOX_MAX_BYTES": int(env("THREADBOOK_DROPBOX_MAX_BYTES") or 25 * 1024 * 1024),
        "SEND_MAX_ATTACHMENT_BYTES": int(env("THREADBOOK_SEND_MAX_ATTACHMENT_BYTES") or 25 * 1024 * 1024),
        "TRACKED_THREAD_DAYS": int(env("THREADBOOK_TRACKED_THREAD_DAYS") or 90),
    }


def check(config):
    """Raise ConfigError when the settings are unsafe to serve with."""
    error = dev_signin_bind_error(config)
    if error:
        raise ConfigError(error)
