"""Fixtures shared by every test: an app on SQLite and on PostgreSQL, users, sessions."""

import itertools
import os
import shutil
import tempfile

import pytest

# Keys, the task queue and other instance files of every app the tests create go to a throwaway
# directory, never to the checkout's instance/ (where `make run` keeps the developer's database
# and queue). Set before the app package is imported.
TEST_INSTANCE = os.environ["THREADBOOK_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="threadbook-test-instance-")


def pytest_unconfigure(config):
    shutil.rmtree(TEST_INSTANCE, ignore_errors=True)


from threadbook import create_app
from threadbook.db import database
from threadbook.migrations import upgrade
from threadbook.models import ALL_MODELS, Organization, User

from . import pg_server

TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"


TEMPLATE_DB = f"tb_test_{os.getpid()}"


def _make_template(url_for):
    """Create the database the PostgreSQL tests share, with the current schema."""
    create_database(url_for, TEMPLATE_DB)


def create_database(url_for, name):
    """Create PostgreSQL database ``name`` with the current schema (a module that keeps its own state uses one)."""
    from threadbook import db as db_module

    pg_server.admin_execute(url_for("postgres"), f"CREATE DATABASE {name}")
    created = db_module.open_database(url_for(name))
    db_module.database.initialize(created)
    with created.connection_context():
        upgrade()
    created.close_all()


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the session; yields a function name -> URL."""
    external = os.environ.get("THREADBOOK_TEST_POSTGRES_URL")
    if external:
        base = external.rsplit("/", 1)[0]
        url_for = lambda name: f"{base}/{name}"
        _make_template(url_for)
        yield url_for
        pg_server.admin_execute(url_for("postgres"), f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
        return
    server = pg_server.PostgresServer().start()
    try:
        _make_template(server.url)
        yield server.url
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'threadbook.sqlite3'}"
    # One schema per run, emptied before each test: much faster than a database each.
    url = request.getfixturevalue("postgres")(TEMPLATE_DB)
    # DELETE beats TRUNCATE on tables this small; children first.
    pg_server.admin_execute(url, ";".join(f'DELETE FROM "{m._meta.table_name}"' for m in reversed(ALL_MODELS)))
    return url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'threadbook.sqlite3'}"


def build_app(database_url, tmp_path, **overrides):
    settings = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "RATELIMIT_ENABLED": False,
    }
    settings.update(overrides)
    app = create_app(settings)
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        database.close()
    return app


@pytest.fixture
def app_settings():
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_settings):
    app = build_app(database_url, tmp_path, **app_settings)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """An open connection for tests that touch models directly."""
    database.connect(reuse_if_open=True)
    yield database
    if not database.is_closed():
        database.close()


class Factory:
    """Make organisations and users, and sign them in, with little ceremony."""

    def __init__(self, app):
        self.app = app
        self._n = itertools.count(1)

    def org(self, name=None, domain=None, **fields):
        n = next(self._n)
        with self.app.app_context():
            database.connect(reuse_if_open=True)
            return Organization.create(name=name or f"Org {n}", domain=domain, is_personal=domain is None, **fields)

    def user(self, org, email=None, role="member", name=None, **fields):
        from threadbook.matching import normalize_address

        n = next(self._n)
        email = email or f"user{n}@{org.domain or 'example.org'}"
        with self.app.app_context():
            database.connect(reuse_if_open=True)
            return User.create(
                org=org,
                google_sub=fields.pop("google_sub", f"sub-{n}-{email}"),
                email=email,
                email_normalized=normalize_address(email),
                name=name or f"User {n}",
                role=role,
                **fields,
            )

    def headers(self, user, **extra):
        from threadbook.identity.sessions import issue_session

        with self.app.app_context():
            token, _ = issue_session(user)
        return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
def factory(app):
    return Factory(app)


@pytest.fixture(scope="session")
def _google_identity_server():
    from .fakes.google_identity import FakeGoogleIdentity
    from .fakes.server import ServerThread

    fake = FakeGoogleIdentity()
    with ServerThread(fake.app) as server:
        fake.url = server.url
        fake.settings = fake.app_settings(server.url)
        yield fake


@pytest.fixture
def google_identity(_google_identity_server):
    """A fake Google Sign-In on a local port (tests/fakes/google_identity.py), reset for each test.

    ``google_identity.settings`` points an app at it: return it from ``app_settings``.
    """
    _google_identity_server.reset()
    return _google_identity_server


@pytest.fixture(scope="session")
def _gmail_server():
    from .fakes.gmail import running_fake_gmail

    with running_fake_gmail() as fake:
        yield fake


@pytest.fixture
def gmail(_gmail_server):
    """A fake Gmail API on a local port (tests/fakes/gmail.py), emptied for each test.

    ``gmail.state`` holds its mailboxes and tokens; point an app at it with
    ``{"GOOGLE_API_ROOT": gmail.root}`` from ``app_settings``.
    """
    _gmail_server.state.reset()
    return _gmail_server


@pytest.fixture(scope="session")
def _gtasks_server():
    from .fakes.gtasks import running_fake_tasks

    with running_fake_tasks() as fake:
        yield fake


@pytest.fixture
def gtasks(_gtasks_server):
    """A fake Google Tasks API on a local port (tests/fakes/gtasks.py), emptied for each test.

    Point an app at it with ``{"GOOGLE_TASKS_API_ROOT": gtasks.root}``.
    """
    root = _gtasks_server.root
    _gtasks_server.reset()
    _gtasks_server.root = root
    return _gtasks_server


@pytest.fixture(scope="session")
def _people_server():
    from .fakes.gpeople import PeopleState, create_app
    from .fakes.server import ServerThread

    state = PeopleState()
    with ServerThread(create_app(state)) as server:
        state.root = server.url + "/"
        yield state


@pytest.fixture
def people(_people_server):
    """A fake People API (Google Contacts) on a local port (tests/fakes/gpeople.py), emptied for each test.

    Point an app at it with ``{"GOOGLE_PEOPLE_API_ROOT": people.root}``.
    """
    root = _people_server.root
    _people_server.reset()
    _people_server.root = root
    return _people_server
