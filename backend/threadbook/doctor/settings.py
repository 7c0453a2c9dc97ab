"""The configuration checks: each THREADBOOK_* / GOOGLE_* setting read as the server reads it, without starting it.

Nothing here writes: a missing generated secret is reported as "generated on
first start", not created.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from threadbook import config as config_module
from threadbook import crypto, proxies
from threadbook.doctor import report
from threadbook.loopback import dev_signin_bind_error, is_loopback_bind, is_loopback_host

DOCS = "docs/google-setup.md"
CLIENT_ID = re.compile(r"^[0-9]+-[0-9a-z]+\.apps\.googleusercontent\.com$")
EXTENSION_ORIGIN = re.compile(r"^chrome-extension://[a-p]{32}$")
DEFAULT_BACKEND_URL = "http://127.0.0.1:5000"  # the extension's default (extension/shared/settings.js)
# Settings read as numbers, with a working example of each (the default).
NUMBERS = {
    "THREADBOOK_SESSION_TTL": "3600",
    "THREADBOOK_MAX_REQUEST_BYTES": "1048576",
    "THREADBOOK_WORKERS": "4",
    "THREADBOOK_THREADS": "4",
    "THREADBOOK_SYNC_BACKFILL_DAYS": "90",
    "THREADBOOK_SYNC_QUOTA_UNITS_PER_SECOND": "200",
    "THREADBOOK_SYNC_LEASE_SECONDS": "300",
    "THREADBOOK_SYNC_MAX_RETRIES": "5",
    "THREADBOOK_CALENDAR_SYNC_DAYS": "90",
    "THREADBOOK_DROPBOX_MAX_BYTES": "26214400",
    "THREADBOOK_DROPBOX_MAX_RECIPIENTS": "50",
    "THREADBOOK_SEND_MAX_ATTACHMENT_BYTES": "26214400",
    "THREADBOOK_TRACKED_THREAD_DAYS": "90",
}
FLOATS = {"THREADBOOK_SYNC_QUOTA_UNITS_PER_SECOND"}  # the others are whole numbers
URLS = ("GOOGLE_CERTS_URL", "GOOGLE_TOKEN_URI", "GOOGLE_API_ROOT", "GOOGLE_PEOPLE_API_ROOT", "GOOGLE_AUTH_URI", "GOOGLE_REVOKE_URI")
SECRET_EXAMPLE = "THREADBOOK_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"


def check(environ=None):
    """Return ``(checks, config, instance_path)``; config and instance_path are None when the instance folder cannot be known."""
    environ = os.environ if environ is None else environ
    checks = []
    try:
        instance = config_module.instance_path()
    except config_module.ConfigError as exc:
        checks.append(report.fail("instance folder", str(exc), "THREADBOOK_INSTANCE_PATH=/var/lib/threadbook"))
        return checks, None, None
    checks.append(_instance_folder(instance, environ))
    checks.extend(c for c in (_number(name, environ) for name in NUMBERS) if c)
    clean = {k: v for k, v in environ.items() if not (k in NUMBERS and _not_a_number(k, v))}
    config = config_module.from_environment(instance, environ=clean, secret_key="")
    checks.append(_secret_key(instance, environ))
    checks.append(_encryption_key(config, instance))
    checks.extend(_google(config))
    checks.extend(_urls(environ))
    checks.extend(_bind(config))
    checks.append(_origins(config))
    if config["TRUSTED_PROXIES"]:
        checks.append(_trusted_proxies(config))
    if config["DEV_SIGNIN"]:
        checks.append(
            report.warn(
                "development sign-in",
                "on (THREADBOOK_DEV_SIGNIN): anyone on this machine can sign in as anyone, without Google",
                "never with real data; THREADBOOK_DEV_SIGNIN=0 turns it off",
            )
        )
    if config["DROPBOX_DOMAIN"]:
        checks.append(report.ok("BCC dropbox", f"addresses <token>@{config['DROPBOX_DOMAIN']}; run `threadbook dropbox` where that domain's MX points"))
    return checks, config, instance


def _instance_folder(instance, environ):
    source = "THREADBOOK_INSTANCE_PATH" if environ.get("THREADBOOK_INSTANCE_PATH") else "the project root"
    path = Path(instance)
    if path.is_dir():
        if not os.access(path, os.W_OK):
            return report.fail(
                "instance folder", f"{path} (from {source}) is not writable", "let this user write it, or THREADBOOK_INSTANCE_PATH=/var/lib/threadbook"
            )
        return report.ok("instance folder", f"{path} (from {source})")
    if path.exists():
        return report.fail("instance folder", f"{path} (from {source}) is not a folder", "THREADBOOK_INSTANCE_PATH=/var/lib/threadbook")
    return report.ok("instance folder", f"{path} (from {source}; created on first start)")


def _not_a_number(name, value):
    """True when a set value is not a number the server can read as ``name`` (or is negative)."""
    if not value.strip():
        return False
    try:
        return (float if name in FLOATS else int)(value.strip()) < 0
    except ValueError:
        return True


def _number(name, environ):
    value = environ.get(name)
    if value is None or not _not_a_number(name, value):
        return None
    return report.fail("number setting", f"{name}={value!r} is not a {'number' if name in FLOATS else 'whole number'} of 0 or more", f"{name}={NUMBERS[name]}")


def _secret_key(instance, environ):
    name = "session secret"
    configured = environ.get("THREADBOOK_SECRET_KEY")
    if configured is not None:
        try:
            config_module.require_secret_key(configured, "THREADBOOK_SECRET_KEY")
        except config_module.ConfigError as exc:
            return report.fail(name, str(exc).split(" (python3")[0], SECRET_EXAMPLE)
        return report.ok(name, "THREADBOOK_SECRET_KEY is set and long enough")
    path = Path(instance) / config_module.SECRET_KEY_FILE
    if not path.exists():
        return report.ok(name, f"generated into {path} on first start (or set {SECRET_EXAMPLE.split('=')[0]})")
    try:
        config_module.require_secret_key(path.read_text(), str(path))
    except config_module.ConfigError:
        return report.fail(
            name,
            f"{path} is empty or shorter than {config_module.MIN_SECRET_KEY_LENGTH} characters",
            f"delete it (a new one is generated; everyone signs in again), or {SECRET_EXAMPLE}",
        )
    except OSError as exc:
        return report.fail(name, f"{path} cannot be read ({exc.strerror})", f"let this user read it, or {SECRET_EXAMPLE}")
    return report.ok(name, f"generated, in {path}")


def _encryption_key(config, instance):
    name = "encryption key"
    try:
        crypto.check_keys(config["ENCRYPTION_KEY"], instance)
    except crypto.WeakKey as exc:
        example = "THREADBOOK_ENCRYPTION_KEY=$(python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        return report.fail(name, str(exc), example)
    source = "THREADBOOK_ENCRYPTION_KEY" if config["ENCRYPTION_KEY"] else f"{Path(instance) / crypto.KEY_FILE} (generated on first use)"
    return report.ok(name, source)


def _google(config):
    ids = config["GOOGLE_CLIENT_IDS"]
    secret = config["GOOGLE_CLIENT_SECRET"]
    example = "GOOGLE_CLIENT_ID=123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"
    if not ids:
        detail = "GOOGLE_CLIENT_ID is not set: Google isn't set up on this backend, so Google sign-in, logging threads, sending and mail sync are off"
        if not config["DEV_SIGNIN"]:
            return [report.fail("Google client", detail + ", and development sign-in is off: nobody can sign in", f"{example} (see {DOCS})")]
        return [report.warn("Google client", detail + "; only the development sign-in works", f"{example} (see {DOCS})")]
    checks = []
    odd = [value for value in ids if not CLIENT_ID.match(value)]
    if odd:
        checks.append(
            report.warn(
                "Google client",
                f"{', '.join(odd)} does not look like a Google OAuth client id",
                f"copy it from the Cloud console's Credentials page: {example}",
            )
        )
    else:
        checks.append(report.ok("Google client", f"{len(ids)} client id(s); mailbox connect uses {ids[0]}"))
    if not secret:
        checks.append(
            report.warn(
                "Google client secret",
                "GOOGLE_CLIENT_SECRET is not set: connecting a mailbox for mail sync answers 503 (sign-in and logging work)",
                f"GOOGLE_CLIENT_SECRET=GOCSPX-… (the secret of the Web client {ids[0]}; see {DOCS})",
            )
        )
    else:
        checks.append(report.ok("Google client secret", "set"))
    return checks


def _urls(environ):
    checks = []
    for name in URLS:
        value = environ.get(name)
        if not value:
            continue
        parts = urlsplit(value)
        default = getattr(config_module, name, "https://…")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            checks.append(report.fail("Google endpoint", f"{name}={value!r} is not an absolute http(s) URL", f"unset it, or {name}={default}"))
        elif parts.scheme == "http" and not is_loopback_host(parts.hostname):
            checks.append(report.warn("Google endpoint", f"{name}={value} is plain http beyond this machine", f"{name}={default}"))
    return checks


def _trusted_proxies(config):
    name = "trusted proxies"
    try:
        proxies.parse_networks(config["TRUSTED_PROXIES"])
    except ValueError as exc:
        return report.fail(name, str(exc), "THREADBOOK_TRUSTED_PROXIES=127.0.0.1 (the address nginx connects to gunicorn from)")
    listed = ", ".join(config["TRUSTED_PROXIES"])
    return report.ok(name, f"client addresses are taken from X-Forwarded-For when the request comes from {listed} (docs/deploy.md)")


def _bind(config):
    bind = config["BIND_ADDRESS"]
    name = "listen address"
    example = "THREADBOOK_BIND=127.0.0.1:5000"
    port = None
    for one in (part.strip() for part in bind.split(",")):
        if one.startswith("unix:") and len(one) > 5:
            continue
        host, colon, digits = one.rpartition(":")
        if not colon or not host or not digits.isdigit() or not 0 < int(digits) < 65536:
            return [report.fail(name, f"THREADBOOK_BIND={bind!r}: {one!r} is not host:port or unix:path", example)]
        port = port or int(digits)
    error = dev_signin_bind_error(config)
    if error:
        return [report.fail(name, error, example + " (or THREADBOOK_DEV_SIGNIN=0)")]
    checks = [report.ok(name, f"THREADBOOK_BIND={bind}" + (" (this machine only)" if is_loopback_bind(bind) else ""))]
    url = f"http://127.0.0.1:{port}" if port else None
    if url != DEFAULT_BACKEND_URL:
        where = url if url and is_loopback_bind(bind) else "this server's public https:// URL (behind its proxy)"
        checks.append(
            report.warn(
                "extension backend URL",
                f"the extension looks for {DEFAULT_BACKEND_URL} unless its Options say otherwise",
                f"set Threadbook's Options → Backend URL to {where}",
            )
        )
    return checks


def _origins(config):
    origins = config["ALLOWED_ORIGINS"]
    name = "allowed extension ids"
    example = f"THREADBOOK_ALLOWED_ORIGINS={config_module.EXTENSION_ORIGIN}"
    if any(origin.strip() == "*" for origin in origins):
        return report.fail(name, "THREADBOOK_ALLOWED_ORIGINS contains '*': any web page could call the API with a user's session", example)
    odd = [origin for origin in origins if not EXTENSION_ORIGIN.match(origin)]
    if odd:
        return report.warn(name, f"{', '.join(odd)} is not a chrome-extension://<32 letters a-p> origin", example)
    first = origins[0].split("://", 1)[1]
    return report.ok(name, f"{', '.join(origins)}; mailbox connect redirects to https://{first}.chromiumapp.org/")
