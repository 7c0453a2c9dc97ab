"""The one door to IMAP servers: connect (TLS, STARTTLS or plain), log in, list folders, search and fetch by UID.

Built on the standard library's ``imaplib``. Every failure leaves as an
``ImapFailure`` whose ``reason`` says what a person can do about it:

- ``login``: the server refused the username or password (its own words in the message);
- ``unreachable``: the host does not resolve, refuses the connection or does not answer in time;
- ``tls``: the TLS handshake or the certificate check failed;
- ``host_not_allowed``: the host resolves to a private, loopback or link-local address
  (``IMAP_ALLOW_PRIVATE_HOSTS`` off), or plain IMAP was asked of a host that is not loopback
  (``IMAP_ALLOW_PLAINTEXT`` off): the backend must not become a way into its own network,
  nor send a password in clear over one;
- ``protocol``: the server answered something we cannot use, or dropped the connection mid-way.

The socket connects to the address that was checked (never resolved twice), and
certificates are verified against the system's authorities plus ``IMAP_CA_FILE``.
"""

import dataclasses
import imaplib
import ipaddress
import re
import socket
import ssl

TLS_MODES = ("tls", "starttls", "none")
SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "INBOX.Sent", "INBOX/Sent", "[Gmail]/Sent Mail", "Gesendet", "Envoyés")
_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>"[^"]*"|NIL) (?P<name>.+)$')
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
MAX_HEADER_BYTES = 256 * 1024
_RESPONSE_CODE = re.compile(r"^\[[^\]]*\]\s*")


class ImapFailure(Exception):
    """An IMAP server could not be used; ``reason`` is one of the module's reasons, ``message`` says what to do."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclasses.dataclass
class ImapSettings:
    """How connections are made; ``from_config`` reads the app's settings (docs/imap.md)."""

    timeout: float = 30.0
    ca_file: str = ""
    allow_private_hosts: bool = False
    allow_plaintext: bool = False

    @classmethod
    def from_config(cls, config):
        return cls(
            timeout=config.get("IMAP_TIMEOUT_SECONDS", 30.0),
            ca_file=config.get("IMAP_CA_FILE", ""),
            allow_private_hosts=config.get("IMAP_ALLOW_PRIVATE_HOSTS", False),
            allow_plaintext=config.get("IMAP_ALLOW_PLAINTEXT", False),
        )


def _server_text(exc):
    """The server's own words from an imaplib error ("b'[AUTHENTICATIONFAILED] Authentication failed.'")."""
    text = str(exc.args[0] if exc.args else exc)
    if text.startswith(("b'", 'b"')):
        text = text[2:-1]
    return _RESPONSE_CODE.sub("", text).strip()[:300] or "no reason given"


def resolve(host, port, tls, settings):
    """Return the IP address to connect to, or raise ImapFailure when it may not be used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ImapFailure("unreachable", f"The host {host!r} does not resolve: check its name.") from None
    address = ipaddress.ip_address(infos[0][4][0])
    if not address.is_global and not settings.allow_private_hosts:
        raise ImapFailure("host_not_allowed", f"{host} is a private or local address; this server connects only to public IMAP servers.")
    if tls == "none" and not address.is_loopback and not settings.allow_plaintext:
        raise ImapFailure("host_not_allowed", "Plain IMAP (no TLS) would send your password in clear: use TLS (port 993) or STARTTLS.")
    return str(address)


def tls_context(settings):
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.ca_file:
        context.load_verify_locations(settings.ca_file)
    return context


class _Pinned:
    """Connect to the checked address, keeping the host name for TLS (SNI and the certificate check)."""

    address = None

    def _create_socket(self, timeout):
        return socket.create_connection((self.address, self.port), timeout)


class _PlainIMAP(_Pinned, imaplib.IMAP4):
    def __init__(self, host, address, port, timeout):
        self.address = address
        super().__init__(host, port, timeout=timeout)


class _TlsIMAP(_Pinned, imaplib.IMAP4_SSL):
    def __init__(self, host, address, port, context, timeout):
        self.address = address
        super().__init__(host, port, ssl_context=context, timeout=timeout)

    def _create_socket(self, timeout):
        return self.ssl_context.wrap_socket(_Pinned._create_socket(self, timeout), server_hostname=self.host)


def _quote(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapConnection:
    """One logged-in IMAP session; use ``open`` as a context manager."""

    def __init__(self, conn):
        self.conn = conn

    @classmethod
    def open(cls, host, port, tls, username, password, settings):
        address = resolve(host, port, tls, settings)
        try:
            if tls == "tls":
                conn = _TlsIMAP(host, address, port, tls_context(settings), settings.timeout)
            else:
                conn = _PlainIMAP(host, address, port, settings.timeout)
                if tls == "starttls":
                    conn.starttls(ssl_context=tls_context(settings))
        except ssl.SSLCertVerificationError as exc:
            raise ImapFailure("tls", f"The server's TLS certificate was refused ({exc.verify_message}).") from None
        except ssl.SSLError as exc:
            raise ImapFailure("tls", f"The TLS handshake with {host}:{port} failed ({exc.reason or exc}); check the port and TLS mode.") from None
        except TimeoutError:
            raise ImapFailure("unreachable", f"{host}:{port} did not answer within {settings.timeout:g} seconds.") from None
        except OSError as exc:
            raise ImapFailure("unreachable", f"Could not connect to {host}:{port} ({exc.strerror or exc}).") from None
        except imaplib.IMAP4.error as exc:
            raise ImapFailure("protocol", f"{host}:{port} did not answer as an IMAP server: {_server_text(exc)}") from None
        session = cls(conn)
        session._login(username, password)
        return session

    def _login(self, username, password):
        try:
            if "AUTH=PLAIN" in self.conn.capabilities:
                # SASL PLAIN carries any character of either, where LOGIN needs quoting rules servers disagree on.
                self.conn.authenticate("PLAIN", lambda _: f"\0{username}\0{password}".encode())
            else:
                self.conn.login(_quote(username), _quote(password))
        except imaplib.IMAP4.abort as exc:
            self.close()
            raise ImapFailure("protocol", f"The server closed the connection during login: {_server_text(exc)}") from None
        except imaplib.IMAP4.error as exc:
            self.close()
            raise ImapFailure("login", f"The server refused the login: {_server_text(exc)}") from None
        except OSError as exc:
            self.close()
            raise ImapFailure("unreachable", f"The connection dropped during login ({exc}).") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.conn.logout()
        except Exception:  # already gone: nothing to tidy
            try:
                self.conn.shutdown()
            except Exception:
                pass

    def _run(self, what, fn, *args):
        """Run one command; a dropped connection or a refusal becomes ImapFailure (``protocol``)."""
        try:
            typ, data = fn(*args)
        except imaplib.IMAP4.abort as exc:
            raise ImapFailure("protocol", f"The connection dropped during {what}: {_server_text(exc)}") from None
        except imaplib.IMAP4.error as exc:
            raise ImapFailure("protocol", f"The server refused {what}: {_server_text(exc)}") from None
        except OSError as exc:
            raise ImapFailure("unreachable", f"The connection dropped during {what} ({exc}).") from None
        if typ != "OK":
            raise ImapFailure("protocol", f"The server refused {what}: {_server_text(Exception(data[0] if data else b''))}")
        return data

    def folders(self):
        """Return {"inbox": "INBOX", "sent": name or None}: Sent by SPECIAL-USE \\Sent, else a common name."""
        names, sent = [], None
        for line in self._run("LIST", self.conn.list, '""', "*"):
            if isinstance(line, tuple):  # a name sent as a literal
                flags, name = line[0], line[1]
            else:
                match = _LIST_LINE.match(line or b"")
                if not match:
                    continue
                flags, name = match.group("flags"), match.group("name")
            name = name.decode("utf-8", "replace")
            if name.startswith('"') and name.endswith('"'):
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            if b"\\noselect" in flags.lower() or b"\\nonexistent" in flags.lower():
                continue
            names.append(name)
            if sent is None and b"\\sent" in flags.lower().split():
                sent = name
        if sent is None:
            lowered = {n.lower(): n for n in names}
            sent = next((lowered[c.lower()] for c in SENT_NAMES if c.lower() in lowered), None)
        return {"inbox": "INBOX", "sent": sent}

    def select(self, name):
        """Open a folder read-only; return its UIDVALIDITY."""
        self._run(f"opening {name}", self.conn.select, _quote(name), True)
        data = self.conn.response("UIDVALIDITY")[1]
        if not data or not data[0]:
            raise ImapFailure("protocol", f"The server gave no UIDVALIDITY for {name}.")
        return int(data[0])

    def uids_after(self, last_uid, since=None):
        """Return the folder's UIDs above ``last_uid`` (and from ``since``, a date, if given), ascending."""
        criteria = ["UID", f"{last_uid + 1}:*"]
        if since is not None:
            criteria += ["SINCE", since.strftime("%d-%b-%Y")]
        data = self._run("SEARCH", self.conn.uid, "SEARCH", *criteria)
        uids = sorted({int(u) for chunk in data if chunk for u in chunk.split()})
        return [u for u in uids if u > last_uid]  # "n:*" always names the last message, even below n

    def _fetch(self, uids, items):
        """Return {uid: (response items before the literal, literal bytes)} of ``UID FETCH``."""
        data = self._run("FETCH", self.conn.uid, "FETCH", ",".join(map(str, uids)), items)
        found = {}
        for index, part in enumerate(data):
            if not isinstance(part, tuple):
                continue
            after = data[index + 1] if index + 1 < len(data) and isinstance(data[index + 1], bytes) else b""
            match = _UID.search(part[0]) or _UID.search(after)
            if match:
                found[int(match.group(1))] = (part[0] + b" " + after, part[1])
        return found

    def fetch_headers(self, uids, max_bytes=MAX_HEADER_BYTES):
        """Return {uid: (size, header bytes)}, each header block cut at ``max_bytes`` (a hostile server's cannot fill memory)."""
        found = self._fetch(uids, f"(UID RFC822.SIZE BODY.PEEK[HEADER]<0.{max_bytes}>)")
        return {uid: (int(m.group(1)) if (m := _SIZE.search(items)) else 0, literal) for uid, (items, literal) in found.items()}

    def fetch_messages(self, uids, max_bytes):
        """Return {uid: raw message bytes}, each cut at ``max_bytes`` (the text is read from its start)."""
        found = self._fetch(uids, f"(UID BODY.PEEK[]<0.{max_bytes}>)")
        return {uid: literal for uid, (_, literal) in found.items()}
