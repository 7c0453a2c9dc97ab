"""The IMAP tests run against a real Dovecot (tests/imap_server.py), started once for the session.

Each test gets its own mail user (``mailbox``), so tests never see each
other's folders. The app trusts the server's self-signed certificate
(``IMAP_CA_FILE``), may reach loopback (``IMAP_ALLOW_PRIVATE_HOSTS``) and runs
queued jobs at once (a connect syncs before it answers).
"""

import itertools

import pytest

from ... import imap_server
from ..support.imap import Mailbox
from ..support.sync import ENCRYPTION_KEY

_users = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot():
    if not imap_server.available():
        pytest.skip(imap_server.SKIP_REASON)
    with imap_server.DovecotServer() as server:
        yield server


@pytest.fixture
def app_settings(dovecot):
    return {
        "QUEUE_IMMEDIATE": True,
        "ENCRYPTION_KEY": ENCRYPTION_KEY,
        "IMAP_CA_FILE": dovecot.cert_path,
        "IMAP_ALLOW_PRIVATE_HOSTS": True,
        "IMAP_TIMEOUT_SECONDS": 20,
    }


@pytest.fixture
def mailbox(dovecot):
    """A fresh mail user on the Dovecot: append mail, change its password, read its connect body."""
    name = f"rep{next(_users)}"
    dovecot.add_user(name, "app-password-1")
    return Mailbox(dovecot, name, "app-password-1")


@pytest.fixture
def org(factory):
    return factory.org(domain="acme.example")


@pytest.fixture
def rep(factory, org):
    return factory.user(org, email="rep@acme.example", name="Rep")


@pytest.fixture
def colleague(factory, org):
    return factory.user(org, email="col@acme.example", name="Col")


@pytest.fixture
def admin(factory, org):
    return factory.user(org, email="boss@acme.example", role="admin", name="Boss")
