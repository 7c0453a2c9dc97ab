"""Helpers of the IMAP tests: a mail user on the test Dovecot, messages to append, a proxy that can cut a connection."""

import email.utils
import imaplib
import itertools
import socket
import ssl
import threading
import time

_ids = itertools.count(1)


def message(sender, to, subject="Hello", message_id=None, body="Hi there.", cc=None, date=None, extra=None):
    """Return RFC 822 bytes; ``message_id`` False leaves the header out."""
    lines = [f"From: {sender}", f"To: {to}"]
    if cc:
        lines.append(f"Cc: {cc}")
    lines += [f"Subject: {subject}", f"Date: {email.utils.format_datetime(date) if date else email.utils.formatdate()}"]
    if message_id is None:
        message_id = f"<m{next(_ids)}.{time.time_ns()}@test.example>"
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    lines += [f"{name}: {value}" for name, value in (extra or {}).items()]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(lines).encode()


class Mailbox:
    """One mail user on the test Dovecot."""

    def __init__(self, server, user, password):
        self.server, self.user, self.password = server, user, password

    def session(self):
        conn = imaplib.IMAP4("127.0.0.1", self.server.port, timeout=20)
        conn.login(self.user, self.password)
        return conn

    def append(self, raw, folder="INBOX"):
        conn = self.session()
        try:
            typ, data = conn.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def run(self, *command):
        """Run one IMAP command (e.g. ``("delete", "Sent")``) as this user."""
        conn = self.session()
        try:
            typ, data = getattr(conn, command[0])(*command[1:])
            assert typ == "OK", data
            return data
        finally:
            conn.logout()

    def set_password(self, password, timeout=20):
        """Change the password on the server and wait until the server takes it."""
        self.password = password
        self.server.add_user(self.user, password)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.session().logout()
                return
            except imaplib.IMAP4.error:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def connect_body(self, port=None, tls="starttls", **overrides):
        return {
            "host": "127.0.0.1",
            "port": self.server.port if port is None else port,
            "tls": tls,
            "username": self.user,
            "password": self.password,
            **overrides,
        }


class CuttingProxy:
    """A TCP proxy to the server that drops the client's connection when it sends its ``cut_at``-th ``UID FETCH``.

    Once: later connections pass through untouched. ``connections`` counts every connection made.
    """

    def __init__(self, port, cut_at=None):
        self.target = ("127.0.0.1", port)
        self.cut_at = cut_at
        self.fetches = 0
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source, sink, from_client):
        try:
            while data := source.recv(65536):
                if from_client and self.cut_at is not None:
                    self.fetches += data.upper().count(b" UID FETCH ")
                    if self.fetches >= self.cut_at:
                        self.cut_at = None  # once
                        for s in (source, sink):
                            s.shutdown(socket.SHUT_RDWR)
                        return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.close()
                except OSError:
                    pass

    def close(self):
        self.listener.close()


def tls_probe(port, cafile):
    """True when ``port`` speaks implicit TLS with a certificate ``cafile`` trusts (a sanity check for the fixture)."""
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock, context.wrap_socket(sock, server_hostname="127.0.0.1"):
        return True
