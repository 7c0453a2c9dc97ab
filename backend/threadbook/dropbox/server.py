"""The dropbox's SMTP server: aiosmtpd on its own event loop, database work in a thread pool.

aiosmtpd hands the message over as bytes (``decode_data`` off) and offers
``SMTPUTF8`` and ``8BITMIME``: UTF-8 headers sent raw are read as RFC 6532 says.

Replies, as a mail server gives them (every message gets a 250 or a
permanent 5xx saying why; a 4xx only for what a later delivery can cure):

- ``RCPT TO`` an unknown address (or one no token can be): ``550 5.1.1``;
  from anyone but the address's user (envelope sender, normalised): ``550 5.7.1``;
- more than ``DROPBOX_MAX_BYTES`` (25 MB): ``552``, at ``MAIL FROM`` when the
  client declares a ``SIZE`` (advertised in ``EHLO``), else after ``DATA``;
  a line over 1,000 bytes: aiosmtpd's ``500``;
- header From not the user: ``550 5.7.1``;
- more than ``DROPBOX_MAX_RECIPIENTS`` (50) addresses in To/Cc/Bcc: ``550 5.5.3``
  (checked before anything is written, so one message's write transaction
  stays short and never starves the API);
- content that cannot be logged: ``554 5.6.0`` naming the problem (no From,
  more than one, an invalid address, a header twice or over 20,000
  characters, a NUL byte, bytes that are not UTF-8, an unparsable message);
- logged: ``250 2.0.0 Logged as email <id>``; the same mail again:
  ``250 2.0.0 Already logged`` (accepted, so the sender sees no bounce);
- the database locked, busy or unreachable, or a race lost to a concurrent
  delivery: ``451 4.3.0`` so the sending server tries again later; nothing
  was stored;
- any other failure (a fault that a retry would meet again): ``554 5.3.0``
  after DATA, ``550 5.3.0`` at RCPT; nothing was stored.
"""

import asyncio
import concurrent.futures
import logging
import threading

import peewee
from aiosmtpd.smtp import SMTP

from threadbook.db import database
from threadbook.dropbox.ingest import MAX_RECIPIENTS, Refused, check_recipient, ingest

log = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure; try again later"
# What a later delivery can cure: a locked or busy database, a lost connection,
# a unique index that a concurrent delivery filled first (the retry finds its row).
TEMPORARY_ERRORS = (peewee.OperationalError, peewee.InterfaceError, peewee.IntegrityError)


def failure_reply(exc, permanent):
    """Return the reply to an unexpected failure: temporary for the database, else ``permanent``."""
    return TEMPORARY_FAILURE if isinstance(exc, TEMPORARY_ERRORS) else permanent


class DropboxHandler:
    """aiosmtpd handler: checks recipients at RCPT, ingests at DATA, off the event loop."""

    def __init__(self, app, executor):
        self.app = app
        self.domain = app.config["DROPBOX_DOMAIN"]
        self.executor = executor

    def _in_app(self, fn, *args):
        """Run ``fn`` with an app context and this thread's own database connection."""
        with self.app.app_context():
            database.connect(reuse_if_open=True)
            try:
                return fn(*args)
            finally:
                if not database.is_closed():
                    database.close()

    async def _run(self, fn, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._in_app, fn, *args)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        try:
            user = await self._run(check_recipient, envelope.mail_from, address, self.domain)
        except Refused as refusal:
            log.info("dropbox: refused RCPT %s from %s: %s", address, envelope.mail_from, refusal.reply)
            return refusal.reply
        except Exception as exc:
            log.exception("dropbox: RCPT check failed")
            return failure_reply(exc, "550 5.3.0 Internal error; the recipient could not be checked")
        envelope.rcpt_tos.append(address)
        # Every accepted recipient belongs to the sender, so to one user.
        envelope.dropbox_user = user
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        user = getattr(envelope, "dropbox_user", None)
        if user is None:
            return "503 5.5.1 Error: need RCPT command"
        try:
            max_recipients = self.app.config.get("DROPBOX_MAX_RECIPIENTS", MAX_RECIPIENTS)
            result = await self._run(ingest, envelope.original_content or envelope.content, user, self.domain, max_recipients)
        except Refused as refusal:
            log.info("dropbox: refused a message for user %s: %s", user.id, refusal.reply)
            return refusal.reply
        except Exception as exc:
            log.exception("dropbox: storing a message failed")
            return failure_reply(exc, "554 5.3.0 Internal error; nothing was logged")
        kind = "duplicate" if result.duplicate else "new"
        log.info("dropbox: user %s, email %s (%s), %d contact(s) created", user.id, result.email_id, kind, len(result.contacts_created))
        return result.reply()


class DropboxServer:
    """Serve the dropbox on ``host:port`` (port 0: any free port, read ``port`` after ``start``)."""

    def __init__(self, app, host="127.0.0.1", port=2525, tls_context=None, workers=4):
        self.app = app
        self.host = host
        self.port = port
        self.tls_context = tls_context
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dropbox")
        self.handler = DropboxHandler(app, self.executor)
        self.loop = None
        self._server = None
        self._thread = None

    def _protocol(self):
        return SMTP(
            self.handler,
            data_size_limit=self.app.config["DROPBOX_MAX_BYTES"],
            hostname=self.app.config["DROPBOX_DOMAIN"] or "localhost",  # never a DNS lookup for the greeting
            ident="Threadbook dropbox",
            tls_context=self.tls_context,
            enable_SMTPUTF8=True,
            loop=self.loop,
        )

    async def _open(self):
        self._server = await self.loop.create_server(self._protocol, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def start(self):
        """Serve in a background thread (tests); return self once listening."""
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure = []

        def run():
            asyncio.set_event_loop(self.loop)
            try:
                self.loop.run_until_complete(self._open())
            except Exception as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, name="dropbox-smtp", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def stop(self):
        if self.loop is None:
            return

        async def close():
            self._server.close()
            await self._server.wait_closed()

        if self._thread is not None:
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()
        self.executor.shutdown(wait=True)

    def serve_forever(self, on_ready=None):
        """Serve in this thread until interrupted (the CLI)."""
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._open())
            if on_ready:
                on_ready(self)
            self.loop.run_forever()
        except KeyboardInterrupt:
            pass
        finally:
            if self._server is not None:
                self._server.close()
                self.loop.run_until_complete(self._server.wait_closed())
            self.loop.close()
            self.executor.shutdown(wait=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
