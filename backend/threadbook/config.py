"""Read configuration from the environment, in one place.

Every setting has the name documented in README.md and docs/; tests pass a
mapping to ``create_app`` that overrides these.
"""

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from threadbook import crypto, proxies, secret_files
from threadbook.jobs.queue import QUEUE_FILE
from threadbook.loopback import dev_signin_bind_error

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_API_ROOT = "https://www.googleapis.com/"
# The People API (Google Contacts) has its own host.
GOOGLE_PEOPLE_API_ROOT = "https://people.googleapis.com/"
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
# The id the manifest `key` gives the unpacked extension (see manifest.json).
EXTENSION_ORIGIN = "chrome-extension://jkepanmacpnmjgfgkefaagampdbnmmal"
SECRET_KEY_FILE = "secret_key"
# The checkout this package runs from (backend/threadbook/config.py -> the root), where instance/ lives.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIN_SECRET_KEY_LENGTH = 32  # HS256 wants a key at least as long as its 256-bit hash


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


def instance_path():
    """Return the instance folder: THREADBOOK_INSTANCE_PATH, else ``instance/`` at the project root; never the working directory.

    gunicorn changes into backend/ (gunicorn.conf.py's ``chdir``) while the worker
    and the CLI run from wherever they were started: a folder relative to the
    working directory gave them different databases, queues and keys. A relative
    THREADBOOK_INSTANCE_PATH is taken from the project root for the same reason.
    """
    configured = os.environ.get("THREADBOOK_INSTANCE_PATH")
    if configured:
        return str(PROJECT_ROOT / Path(configured).expanduser())  # an absolute value replaces the root
    if not (PROJECT_ROOT / "backend" / "threadbook").is_dir():
        raise ConfigError(f"Threadbook is not running from its checkout ({PROJECT_ROOT}); set THREADBOOK_INSTANCE_PATH to the folder for its data and keys.")
    return str(PROJECT_ROOT / "instance")


def describe_paths(config, instance_path):
    """Return one line saying which instance folder, database and task queue this process uses (for the start-up log)."""
    source = "THREADBOOK_INSTANCE_PATH" if os.environ.get("THREADBOOK_INSTANCE_PATH") else "the project root"
    if config.get("QUEUE_IMMEDIATE"):
        queue = "run in process (QUEUE_IMMEDIATE)"
    elif config.get("REDIS_URL"):
        queue = "Redis " + _without_password(config["REDIS_URL"])
    else:
        queue = str(Path(instance_path) / QUEUE_FILE)
    return f"instance folder {instance_path} (from {source}); database {_without_password(config['DATABASE_URL'])}; task queue {queue}"


def _without_password(url):
    parts = urlsplit(url)
    if not parts.password:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":***@", 1)))


def _secret_key(instance_path):
    """Return the configured secret, or the one generated once into instance/; raise ConfigError for a weak one."""
    configured = os.environ.get("THREADBOOK_SECRET_KEY")
    if configured is not None:  # set, even to nothing: a deployment meant to configure it
        return require_secret_key(configured, "THREADBOOK_SECRET_KEY")
    path = Path(instance_path) / SECRET_KEY_FILE
    return require_secret_key(secret_files.read_or_create(path, lambda: secrets.token_urlsafe(48)), str(path))


def require_secret_key(value, source):
    """Return ``value`` stripped, or raise ConfigError when it is too short to sign sessions."""
    value = (value or "").strip()
    if len(value) < MIN_SECRET_KEY_LENGTH:
        found = "empty" if not value else f"{len(value)} characters"
        raise ConfigError(
            f"The session secret from {source} is {found}; it must be at least {MIN_SECRET_KEY_LENGTH} characters "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(48))' makes one). A generated file that is "
            "empty or short can be deleted to make a new one, which signs everyone out."
        )
    return value


def from_environment(instance_path, environ=None, secret_key=None):
    """Build the settings mapping from environment variables (``environ``, default ``os.environ``).

    ``secret_key`` given: use it instead of reading (or generating) the session secret; ``threadbook doctor`` checks that itself.
    """
    env = (os.environ if environ is None else environ).get
    default_db = "sqlite:///" + str(Path(instance_path) / "threadbook.sqlite3")
    return {
        "DATABASE_URL": env("THREADBOOK_DATABASE_URL") or default_db,
        "SECRET_KEY": _secret_key(instance_path) if secret_key is None else secret_key,
        "GOOGLE_CLIENT_IDS": _list(env("GOOGLE_CLIENT_ID")),
        "GOOGLE_CLIENT_SECRET": env("GOOGLE_CLIENT_SECRET") or "",
        "GOOGLE_CERTS_URL": env("GOOGLE_CERTS_URL") or GOOGLE_CERTS_URL,
        "GOOGLE_API_ROOT": env("GOOGLE_API_ROOT") or GOOGLE_API_ROOT,
        "GOOGLE_TASKS_API_ROOT": env("GOOGLE_TASKS_API_ROOT") or "",  # empty: GOOGLE_API_ROOT (docs/google-tasks.md)
        "GOOGLE_PEOPLE_API_ROOT": env("GOOGLE_PEOPLE_API_ROOT") or GOOGLE_PEOPLE_API_ROOT,
        "GOOGLE_TOKEN_URI": env("GOOGLE_TOKEN_URI") or GOOGLE_TOKEN_URI,
        "ALLOWED_ORIGINS": _list(env("THREADBOOK_ALLOWED_ORIGINS")) or [EXTENSION_ORIGIN],
        "DEV_SIGNIN": _bool(env("THREADBOOK_DEV_SIGNIN")),
        "BIND_ADDRESS": env("THREADBOOK_BIND") or "127.0.0.1:5000",
        # Reverse proxies whose X-Forwarded-For/-Proto are believed (proxies.py); none by default
        "TRUSTED_PROXIES": _list(env("THREADBOOK_TRUSTED_PROXIES")),
        "SESSION_TTL_SECONDS": int(env("THREADBOOK_SESSION_TTL") or 3600),
        # Without Redis: each process's own counters (api/rate_limit_storage.py).
        "RATELIMIT_STORAGE_URI": env("THREADBOOK_REDIS_URL") or "threadbook-memory://",
        "RATELIMIT_API": env("THREADBOOK_RATELIMIT_API") or "600 per minute",
        "RATELIMIT_SIGNIN": env("THREADBOOK_RATELIMIT_SIGNIN") or "20 per minute",
        "RATELIMIT_API_ADDRESS": env("THREADBOOK_RATELIMIT_API_ADDRESS") or "3000 per minute",
        "REDIS_URL": env("THREADBOOK_REDIS_URL") or "",
        "ENCRYPTION_KEY": env("THREADBOOK_ENCRYPTION_KEY") or "",
        # Mail sync (docs/sync.md)
        "GOOGLE_AUTH_URI": env("GOOGLE_AUTH_URI") or GOOGLE_AUTH_URI,
        "GOOGLE_REVOKE_URI": env("GOOGLE_REVOKE_URI") or "",  # empty: beside GOOGLE_TOKEN_URI
        "SYNC_BACKFILL_DAYS": int(env("THREADBOOK_SYNC_BACKFILL_DAYS") or 90),
        "RECONCILE_DAYS": int(env("THREADBOOK_RECONCILE_DAYS") or 7),
        "SYNC_QUOTA_UNITS_PER_SECOND": float(env("THREADBOOK_SYNC_QUOTA_UNITS_PER_SECOND") or 200),
        "SYNC_LEASE_SECONDS": int(env("THREADBOOK_SYNC_LEASE_SECONDS") or 300),
        "SYNC_MAX_RETRIES": int(env("THREADBOOK_SYNC_MAX_RETRIES") or 5),
        # Gmail push through Pub/Sub (docs/sync.md, "Gmail push"); no topic: polling only
        "GMAIL_PUSH_TOPIC": (env("GMAIL_PUSH_TOPIC") or "").strip(),
        "GMAIL_PUSH_AUDIENCE": (env("GMAIL_PUSH_AUDIENCE") or "").strip(),
        "GMAIL_PUSH_SERVICE_ACCOUNT": (env("GMAIL_PUSH_SERVICE_ACCOUNT") or "").strip().lower(),
        "QUEUE_IMMEDIATE": _bool(env("THREADBOOK_QUEUE_IMMEDIATE")),
        "MAX_CONTENT_LENGTH": int(env("THREADBOOK_MAX_REQUEST_BYTES") or 1024 * 1024),
        # Contact lists uploaded to POST /api/v1/org/imports (docs/import.md)
        "IMPORT_MAX_BYTES": int(env("THREADBOOK_IMPORT_MAX_BYTES") or 20 * 1024 * 1024),
        # Calendar sync, the BCC dropbox, sending (docs/calendar-dropbox-sending.md)
        "CALENDAR_SYNC_DAYS": int(env("THREADBOOK_CALENDAR_SYNC_DAYS") or 90),
        "DROPBOX_DOMAIN": (env("THREADBOOK_DROPBOX_DOMAIN") or "").strip().lower(),
        "DROPBOX_MAX_BYTES": int(env("THREADBOOK_DROPBOX_MAX_BYTES") or 25 * 1024 * 1024),
        "DROPBOX_MAX_RECIPIENTS": int(env("THREADBOOK_DROPBOX_MAX_RECIPIENTS") or 50),
        "SEND_MAX_ATTACHMENT_BYTES": int(env("THREADBOOK_SEND_MAX_ATTACHMENT_BYTES") or 25 * 1024 * 1024),
        "TRACKED_THREAD_DAYS": int(env("THREADBOOK_TRACKED_THREAD_DAYS") or 90),
        # IMAP mailboxes (docs/imap.md)
        "IMAP_SYNC_MINUTES": int(env("THREADBOOK_IMAP_SYNC_MINUTES") or 10),
        "IMAP_TIMEOUT_SECONDS": float(env("THREADBOOK_IMAP_TIMEOUT_SECONDS") or 30),
        "IMAP_CA_FILE": env("THREADBOOK_IMAP_CA_FILE") or "",
        "IMAP_ALLOW_PRIVATE_HOSTS": _bool(env("THREADBOOK_IMAP_ALLOW_PRIVATE_HOSTS")),
        "IMAP_ALLOW_PLAINTEXT": _bool(env("THREADBOOK_IMAP_ALLOW_PLAINTEXT")),
    }


# A Pub/Sub topic's full name (Google's rules for project ids and topic names).
PUSH_TOPIC_PATTERN = re.compile(r"^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/topics/[A-Za-z][A-Za-z0-9._~+%-]{2,254}$")


def gmail_push_error(config):
    """Why the Gmail push settings cannot work (a sentence naming the setting), or None (push off, or complete)."""
    topic = config.get("GMAIL_PUSH_TOPIC") or ""
    if not topic:
        return None
    if not PUSH_TOPIC_PATTERN.match(topic):
        return f"GMAIL_PUSH_TOPIC must be a Pub/Sub topic's full name, projects/<project>/topics/<topic>; it is {topic!r}."
    if not config.get("GMAIL_PUSH_AUDIENCE"):
        return "GMAIL_PUSH_AUDIENCE is empty: set it to the audience of the push subscription's OIDC token (e.g. https://crm.example.com/api/v1/gmail/push)."
    if "@" not in (config.get("GMAIL_PUSH_SERVICE_ACCOUNT") or ""):
        return "GMAIL_PUSH_SERVICE_ACCOUNT must be the email of the service account the push subscription signs its tokens as."
    return None


def check(config, instance_path):
    """Raise ConfigError when the settings are unsafe to serve with."""
    error = dev_signin_bind_error(config) or gmail_push_error(config)
    if error:
        raise ConfigError(error)
    require_secret_key(config.get("SECRET_KEY"), "SECRET_KEY")
    try:
        proxies.parse_networks(config.get("TRUSTED_PROXIES") or [])
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    try:
        crypto.check_keys(config.get("ENCRYPTION_KEY"), instance_path)
    except crypto.WeakKey as exc:
        raise ConfigError(str(exc)) from None
