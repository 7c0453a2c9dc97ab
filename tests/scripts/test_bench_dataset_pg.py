"""bench/dataset_pg.py: a SQLite benchmark file copied into PostgreSQL keeps its rows, its booleans and NULLs, and new ids follow the copied ones."""

import os

import psycopg2
import pytest

from bench import dataset_pg
from tests import pg_server
from threadbook import create_app
from threadbook.db import database
from threadbook.migrations import upgrade
from threadbook.models import Company, Contact, ContactAddress, Organization, User

from ..conftest import TEST_SECRET


@pytest.fixture
def pg_url(request):
    if not os.environ.get("THREADBOOK_TEST_POSTGRES_URL") and not pg_server.find_bin_dir():
        pytest.skip("PostgreSQL is not installed (Debian's 'postgresql' package) and THREADBOOK_TEST_POSTGRES_URL is not set")
    url_for = request.getfixturevalue("postgres")
    name = f"tb_bench_copy_{os.getpid()}"
    pg_server.admin_execute(url_for("postgres"), f"DROP DATABASE IF EXISTS {name}")
    pg_server.admin_execute(url_for("postgres"), f"CREATE DATABASE {name}")
    yield url_for(name)
    pg_server.admin_execute(url_for("postgres"), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _tiny_sqlite(path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": TEST_SECRET})
    with app.app_context():
        database.connect(reuse_if_open=True)
        upgrade()
        org = Organization.create(name="Bench Org", domain="us.example", is_personal=False)
        User.create(org=org, google_sub="sub-me", email="me@us.example", email_normalized="me@us.example", name="Me", role="admin")
        company = Company.create(org=org, name="Acme", name_lower="acme")
        for n in range(5):
            contact = Contact.create(org=org, name=f"Person {n}", name_lower=f"person {n}", company=company if n % 2 else None, title="" if n == 0 else "Buyer")
            ContactAddress.create(org=org, contact=contact, email=f"p{n}@acme.example", email_normalized=f"p{n}@acme.example", is_primary=True)
            ContactAddress.create(org=org, contact=contact, email=f"p.{n}@gmail.com", email_normalized=f"p{n}@gmail.com", is_primary=False)
        database.close()


def test_copy_keeps_rows_booleans_nulls_and_sequences(tmp_path, pg_url):
    sqlite_path = tmp_path / "tiny.sqlite3"
    _tiny_sqlite(sqlite_path)

    counts = dataset_pg.copy_sqlite(sqlite_path, pg_url, verbose=False)

    assert counts["contact"] == 5 and counts["contact_address"] == 10 and counts["organization"] == 1
    conn = psycopg2.connect(pg_url)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute("SELECT is_primary, COUNT(*) FROM contact_address GROUP BY is_primary ORDER BY is_primary")
            assert cursor.fetchall() == [(False, 5), (True, 5)]
            cursor.execute("SELECT COUNT(*) FROM contact WHERE company_id IS NULL")
            assert cursor.fetchone() == (3,)  # NULL stays NULL
            cursor.execute("SELECT title FROM contact WHERE name = 'Person 0'")
            assert cursor.fetchone() == ("",)  # the empty string stays a string
            cursor.execute("INSERT INTO contact (org_id, name, name_lower, created_at, updated_at) VALUES (1, 'New', 'new', now(), now()) RETURNING id")
            assert cursor.fetchone() == (6,)  # the sequence continues after the copied ids
    finally:
        conn.close()


def test_a_writable_run_clones_the_kept_copy_even_while_a_session_holds_it(pg_url):
    # Right after a fresh copy, autovacuum is usually connected to it, and CREATE DATABASE ... TEMPLATE refused.
    admin = pg_url.rsplit("/", 1)[0] + "/postgres"
    template = pg_url.rsplit("/", 1)[1]
    name = f"{template}_run"
    holder = psycopg2.connect(pg_url)
    holder.autocommit = True
    with holder.cursor() as cursor:
        cursor.execute("CREATE TABLE kept (n int)")
        cursor.execute("INSERT INTO kept VALUES (7)")
    try:
        dataset_pg.clone(admin, template, name)
        clone_conn = psycopg2.connect(pg_url.rsplit("/", 1)[0] + f"/{name}")
        try:
            with clone_conn, clone_conn.cursor() as cursor:
                cursor.execute("SELECT n FROM kept")
                assert cursor.fetchall() == [(7,)]
        finally:
            clone_conn.close()
    finally:
        holder.close()
        pg_server.admin_execute(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
