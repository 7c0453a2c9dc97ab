"""Versioned schema migrations that upgrade a database in place.

A new database gets the current schema and is stamped with the latest version.
An existing one runs each pending step in order, inside a transaction where the
database allows it. Steps are written to be idempotent (they check before they
add), so a step interrupted on SQLite can simply run again.

To change the schema: change models.py, then append a step here that brings an
older database to the same shape (``add_column_if_missing`` and friends).
"""

import datetime

from peewee import CharField, DateTimeField, IntegerField, Model
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from . import models
from .db import database, is_sqlite


class SchemaVersion(Model):
    version = IntegerField(primary_key=True)
    applied_at = DateTimeField(default=datetime.datetime.utcnow)
    description = CharField(default="")

    class Meta:
        database = database
        table_name = "schema_version"


def _migrator():
    return SqliteMigrator(database.obj) if is_sqlite() else PostgresqlMigrator(database.obj)


def _columns(table):
    return {c.name for c in database.get_columns(table)}


def add_column_if_missing(model, field_name):
    table = model._meta.table_name
    field = model._meta.fields[field_name]
    if field.column_name not in _columns(table):
        migrate(_migrator().add_column(table, field.column_name, field))


def create_tables_if_missing(*model_classes):
    database.create_tables(model_classes, safe=True)


def _baseline():
    create_tables_if_missing(*models.ALL_MODELS)


def _contact_phone():
    add_column_if_missing(models.Contact, "phone")


def _mailbox_backfill_since():
    add_column_if_missing(models.Mailbox, "backfill_since")


# (version, description, step). Append only; never renumber.
STEPS = [
    (1, "baseline schema", _baseline),
    (2, "contacts have a phone number", _contact_phone),
    (3, "mailboxes remember their backfill window", _mailbox_backfill_since),
]
LATEST = STEPS[-1][0]


def current_version():
    if not database.table_exists(SchemaVersion._meta.table_name):
        return None
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def upgrade():
    """Bring the database to the latest schema; return the versions applied."""
    database.create_tables([SchemaVersion], safe=True)
    version = current_version() or 0
    fresh = version == 0 and not database.table_exists(models.Organization._meta.table_name)
    applied = []
    if fresh:
        with database.atomic():
            database.create_tables(models.ALL_MODELS, safe=True)
            SchemaVersion.create(version=LATEST, description="created at latest")
        return [LATEST]
    for number, description, step in STEPS:
        if number <= version:
            continue
        with database.atomic():
            step()
            SchemaVersion.create(version=number, description=description)
        applied.append(number)
    return applied
