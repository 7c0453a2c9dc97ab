"""Schema migrations: a database from an earlier version upgrades in place."""

from threadbook import migrations
from threadbook.db import database
from threadbook.models import Contact, Organization


def _columns(table):
    return {c.name for c in database.get_columns(table)}


def test_fresh_database_is_stamped_latest(db):
    assert migrations.current_version() == migrations.LATEST
    assert migrations.upgrade() == []


def test_version_1_database_upgrades_with_nothing_lost(db):
    # Make the database look like version 1 made it: no contact.phone column.
    from playhouse.migrate import migrate

    migrate(migrations._migrator().drop_column("contact", "phone"))
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=1, description="baseline schema")
    assert "phone" not in _columns("contact")
    org_id = Organization.insert(name="Old Org", is_personal=True).execute()
    database.execute_sql(
        "INSERT INTO contact (org_id, name, name_lower, created_at, updated_at) VALUES (%s, 'Old Contact', 'old contact', '2024-01-01 00:00:00', '2024-01-01 00:00:00')".replace(
            "%s", str(org_id)
        )
    )

    assert migrations.upgrade() == list(range(2, migrations.LATEST + 1))

    assert "phone" in _columns("contact")
    assert migrations.current_version() == migrations.LATEST
    contact = Contact.get(Contact.name == "Old Contact")
    assert contact.org_id == org_id and contact.phone is None
    contact.phone = "+44 20 7946 0000"
    contact.save()
    assert Contact.get_by_id(contact.id).phone == "+44 20 7946 0000"
    # Running again changes nothing.
    assert migrations.upgrade() == []
