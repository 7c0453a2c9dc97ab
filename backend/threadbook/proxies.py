"""Believe X-Forwarded-For and X-Forwarded-Proto only from the reverse proxies the deployment names.

Behind nginx every request's socket peer is nginx, so rate limits keyed on
the peer would count every client as one, and the audit log would record
nginx's address. werkzeug's ProxyFix takes the client's address from the
last X-Forwarded-For entry (the one nginx appends with
``$proxy_add_x_forwarded_for``), but it believes whoever sends the header:
served without a proxy, a client could pick its own address and slip past
its limit. So ProxyFix runs only for requests whose socket peer is one of
``TRUSTED_PROXIES`` (THREADBOOK_TRUSTED_PROXIES: addresses or networks);
every other request keeps the address its socket had. Entries a client
wrote further left in X-Forwarded-For are never read (one hop is trusted).

ProxyFix keeps the socket's own values under ``werkzeug.proxy_fix.orig``,
which the development sign-in's loopback checks read (api/web_security.py).
"""

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


def parse_networks(values):
    """Return the networks that addresses or CIDR blocks (a list of strings) name; ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"THREADBOOK_TRUSTED_PROXIES: {value!r} is not an IP address or network (examples: 127.0.0.1, 10.0.0.5, 10.0.0.0/24).") from None
    return tuple(networks)


class TrustedProxyFix:
    """WSGI middleware: ProxyFix (one hop, for-address and scheme) for requests from a trusted proxy, nothing for the rest."""

    def __init__(self, wsgi_app, networks):
        self.direct = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=1, x_proto=1)
        self.networks = tuple(networks)

    def is_trusted(self, peer):
        try:
            address = ipaddress.ip_address((peer or "").strip())
        except ValueError:
            return False  # a unix socket's peer has no address: name the proxy by TCP address instead
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.is_trusted(environ.get("REMOTE_ADDR")):
            return self.proxied(environ, start_response)
        return self.direct(environ, start_response)


def install(app, values):
    """Wrap ``app.wsgi_app`` so requests from the proxies ``values`` names carry the client's address; no names, no change."""
    networks = parse_networks(values)
    if networks:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, networks)
    return networks
