"""Tell loopback from the rest: listening addresses, peers and Host headers.

The development sign-in (docs/auth.md) is for one person trying Threadbook on
their own machine, so it needs all three to be loopback: where the server
listens, who the socket peer is, and the name the request was addressed to.
The last one stops DNS rebinding: a web page whose name is made to resolve to
127.0.0.1 reaches the server from the victim's own browser (a loopback peer),
but its requests still carry the page's name in ``Host``.
"""

import ipaddress
import re

_PORT = re.compile(r"^(?::[0-9]{1,5})?$")


def is_loopback_host(host):
    """Return True for ``localhost`` or a loopback IP address (127.0.0.0/8, ::1), written plainly."""
    host = host or ""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_bind(bind):
    """Return True when a gunicorn-style bind (host:port, [v6]:port, unix:path; comma-separated) is reachable only locally."""
    binds = [b.strip() for b in (bind or "").split(",")]
    return bool(binds) and all(_one_loopback_bind(b) for b in binds)


def _one_loopback_bind(bind):
    if not bind:
        return False
    if bind.startswith("unix:"):
        return True
    if bind.startswith("["):
        host = bind[1:].partition("]")[0]
    elif bind.count(":") == 1:
        host = bind.partition(":")[0]
    else:
        host = bind
    return is_loopback_host(host)


def is_loopback_host_header(value):
    """Return True when a ``Host`` header names this machine: localhost, 127.x.y.z or [::1], with an optional port.

    Anything else is refused, including names that merely start like one
    (``127.0.0.1.evil.example``, ``localhost.evil.example``) and a trailing dot.
    """
    value = (value or "").strip()
    if value.startswith("["):
        host, closed, port = value[1:].partition("]")
        if not closed or ":" not in host:  # brackets hold an IPv6 address, nothing else
            return False
    else:
        host, colon, port = value.partition(":")
        port = colon + port
    return bool(_PORT.match(port)) and is_loopback_host(host)


def dev_signin_bind_error(config):
    """Return why the server must not start (a message), or None: development sign-in needs a loopback-only bind."""
    if config.get("DEV_SIGNIN") and not is_loopback_bind(config.get("BIND_ADDRESS", "")):
        return (
            f"THREADBOOK_DEV_SIGNIN is on but the server listens beyond loopback (THREADBOOK_BIND={config.get('BIND_ADDRESS')!r}); "
            "anyone who can reach it could sign in as anyone. Bind 127.0.0.1 (or [::1], a unix: socket), or turn development sign-in off."
        )
    return None
