"""Migration 17: CRM tasks and users' links to Google Tasks appear on an older database, nothing else touched."""

import pytest
from peewee import DataError

from threadbook import migrations
from threadbook.db import database, is_postgres
from threadbook.models import Contact, GoogleTasksLink, Organization, Task


def _after(version):
    """The steps a database at ``version`` runs, in order (later branches add steps)."""
    return [number for number, _, _ in migrations.STEPS if number > version]


def test_version_14_database_gains_tasks_and_google_tasks_links(db):
    database.drop_tables([Task, GoogleTasksLink])
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=14, description="mail sync remembers what it left out")
    org = Organization.create(name="Old Org", is_personal=True)
    contact = Contact.create(org=org, name="Ada")

    assert migrations.upgrade() == _after(14)
    assert 17 in _after(14)

    columns = {c.name for c in database.get_columns(Task._meta.table_name)}
    assert {"title", "due_date", "due_time", "contact_id", "lead_id", "deal_id", "owner_id", "done", "done_at", "google_task_id", "google_deleted"} <= columns
    assert {"refresh_token", "list_id", "updated_min", "last_error", "retry_after"} <= {c.name for c in database.get_columns(GoogleTasksLink._meta.table_name)}
    Task.create(org=org, title="Call Ada", contact=contact)
    assert Contact.get_by_id(contact.id).name == "Ada" and Task.get().contact_id == contact.id
    assert migrations.upgrade() == []


def test_version_21_database_takes_the_500_character_titles_the_api_allows(db):
    org = Organization.create(name="Old Org", is_personal=True)
    if is_postgres():
        database.execute_sql("ALTER TABLE task ALTER COLUMN title TYPE VARCHAR(255)")  # as version 21 made it
        with pytest.raises(DataError), database.atomic():
            Task.create(org=org, title="T" * 256)  # what the API answered 500 to
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=21, description="Gmail push")

    assert migrations.upgrade() == [22]
    Task.create(org=org, title="T" * 500)
    assert len(Task.get().title) == 500
