"""Schema step 20: a database from before IMAP accounts gains their tables."""

from threadbook import migrations
from threadbook.db import database
from threadbook.models import ImapAccount, ImapFolder


def _after(version):
    """The steps a database at ``version`` runs, in order (later branches add steps)."""
    return [number for number, _, _ in migrations.STEPS if number > version]


def test_version_14_database_gains_imap_accounts_and_folders(db):
    database.drop_tables([ImapFolder, ImapAccount])
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=14, description="reconciliation")

    assert migrations.upgrade() == _after(14)

    columns = {c.name for c in database.get_columns(ImapAccount._meta.table_name)}
    assert {"host", "port", "tls", "username", "password", "status", "failures", "lease_owner"} <= columns
    assert {"account_id", "role", "name", "uidvalidity", "last_uid"} <= {c.name for c in database.get_columns(ImapFolder._meta.table_name)}
    assert migrations.upgrade() == []
