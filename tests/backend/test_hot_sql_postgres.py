"""hot_sql on PostgreSQL: a statement is prepared once per connection, whatever its list's length (SQLite caches by text itself)."""

import pytest

from threadbook import hot_sql
from threadbook.db import database

from .test_hot_sql import SQL


def _prepared_names():
    return {name for (name,) in database.execute_sql("SELECT name FROM pg_prepared_statements").fetchall()}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_a_statement_is_prepared_once_per_connection_whatever_the_list_length(db, factory):
    org = factory.org(domain="acme.example")
    factory.user(org, email="ada@acme.example")
    before = _prepared_names()
    for addresses in (["ada@acme.example"], ["a@acme.example", "b@acme.example", "ada@acme.example"], []):
        hot_sql.fetch(SQL, [org.id, addresses])
    added = _prepared_names() - before
    assert len(added) == 1 and next(iter(added)).startswith("tb_")

    # A new connection (the pool dropped the old one) prepares it again rather than failing.
    database.manual_close()  # closed for good, not handed back to the pool
    database.connect()
    assert _prepared_names() == set()
    assert len(hot_sql.fetch(SQL, [org.id, ["ada@acme.example"]])) == 1
    assert _prepared_names() == added


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_prepared_statements_are_planned_once_not_on_every_execute(db):
    # Left to "auto", PostgreSQL kept planning the lookup's "= ANY($n)" statements on every EXECUTE.
    assert database.execute_sql("SHOW plan_cache_mode").fetchone()[0] == "force_generic_plan"
    for _ in range(7):  # past the five custom plans "auto" would try
        hot_sql.fetch(SQL, [1, ["ada@acme.example"]])
    name, generic, custom = database.execute_sql("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE left(name, 3) = 'tb_'").fetchone()
    assert (generic, custom) == (7, 0), name
