"""Migration 16: a database from before Google Contacts copying gains its two tables; running again changes nothing."""

from threadbook import migrations
from threadbook.db import database
from threadbook.models import GoogleContactLink, GoogleContactsSync


def _columns(table):
    return {c.name for c in database.get_columns(table)}


def _after(version):
    """The steps a database at ``version`` runs, in order (later branches add steps)."""
    return [number for number, _, _ in migrations.STEPS if number > version]


def test_version_14_database_gains_google_contacts_tables(db):
    database.drop_tables([GoogleContactLink, GoogleContactsSync])
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=14, description="reconciliation")

    applied = migrations.upgrade()

    assert applied == _after(14) and 16 in applied
    assert {"user_id", "enabled", "filter_kind", "filter_value", "group_resource_name", "retry_at", "running_until", "last_error"} <= _columns(
        "google_contacts_sync"
    )
    assert {"user_id", "contact_id", "resource_name", "etag", "fingerprint", "conflict_at"} <= _columns("google_contact_link")
    assert migrations.upgrade() == []


def test_the_step_runs_again_after_an_interruption(db):
    migrations._google_contacts()  # tables already there: nothing to do, nothing raised
    assert "etag" in _columns("google_contact_link")


def test_contacts_gain_the_index_that_says_whether_one_changed(db):
    assert any(index.columns == ["org_id", "updated_at"] for index in database.get_indexes("contact"))
    database.execute_sql("DROP INDEX contact_org_id_updated_at")
    migrations._google_contacts()
    assert any(index.columns == ["org_id", "updated_at"] for index in database.get_indexes("contact"))
