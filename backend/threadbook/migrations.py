"""Versioned schema migrations that upgrade a database in place.

A new database gets the current schema and is stamped with the latest version.
An existing one runs each pending step in order, inside a transaction where the
database allows it. Steps are written to be idempotent (they check before they
add), so a step interrupted on SQLite can simply run again.

To change the schema: change a module of models/, then append a step here that brings an
older database to the same shape (``add_column_if_missing`` and friends).
"""

import contextlib
import datetime

from peewee import CharField, DateTimeField, IntegerField, Model
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from threadbook import models
from threadbook.db import database, is_sqlite


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


def add_column_with_sql_default(model, field_name):
    """Add a NOT NULL text or boolean column with its default written in SQL: one ALTER TABLE on SQLite and PostgreSQL alike.

    peewee's migrator adds such a column as nullable, then rebuilds the whole
    table on SQLite to make it NOT NULL; rebuilding ``organization`` drops it,
    and with foreign keys on that deletes every row that cascades from it.
    """
    table = model._meta.table_name
    field = model._meta.fields[field_name]
    if field.column_name in _columns(table):
        return
    if isinstance(field.default, bool):
        kind = "INTEGER" if is_sqlite() else "BOOLEAN"  # what peewee's BooleanField creates on each
        literal = str(int(field.default)) if is_sqlite() else str(field.default).upper()
    else:
        kind, literal = f"VARCHAR({field.max_length})", "'" + str(field.default).replace("'", "''") + "'"
    database.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{field.column_name}" {kind} NOT NULL DEFAULT {literal}')


def create_tables_if_missing(*model_classes):
    database.create_tables(model_classes, safe=True)


def _baseline():
    create_tables_if_missing(*models.ALL_MODELS)


def _contact_phone():
    add_column_if_missing(models.Contact, "phone")


def _mailbox_backfill_since():
    add_column_if_missing(models.Mailbox, "backfill_since")


_EMAIL_COLUMNS = (
    "org_id, owner_id, logged_by_id, message_key, rfc_message_id, gmail_message_id, gmail_thread_id, subject, "
    'from_email, from_name, "to", cc, date, snippet, body, in_reply_to, "references", visibility, source, created_at'
)


def _email_per_owner():
    """Give every holder of a mail their own Email row (identity/access.py), and the owner defaults.

    Before, colleagues' copies of one mail shared a row (unique per Message-ID)
    and each holder read it in full. Each MailboxMessage of someone other than
    the row's owner now gets a row of its own, private, keeping who, when and
    the subject; its snippet and body are left empty because the old rows
    cannot say whose copy they came from (a forged Message-ID may have joined
    them). Logged mail, participants and mailbox places are otherwise kept.
    """
    add_column_if_missing(models.User, "default_visibility")
    create_tables_if_missing(models.PrivateThread)
    strays = database.execute_sql(
        "SELECT mm.id, mm.user_id, mm.email_id FROM mailbox_message mm JOIN email e ON e.id = mm.email_id "
        "WHERE e.owner_id IS NULL OR e.owner_id <> mm.user_id ORDER BY mm.id"
    ).fetchall()
    database.execute_sql("DROP INDEX IF EXISTS email_org_id_message_key")
    param = database.obj.param
    for mailbox_message_id, user_id, email_id in strays:
        copy_id = database.execute_sql(
            f"SELECT id FROM email WHERE owner_id = {param} AND message_key = (SELECT message_key FROM email WHERE id = {param})",
            (user_id, email_id),
        ).fetchone()
        if copy_id is None:
            copy_id = database.execute_sql(
                f"INSERT INTO email ({_EMAIL_COLUMNS}) SELECT e.org_id, {param}, {param}, e.message_key, e.rfc_message_id, "
                "mm.gmail_message_id, mm.gmail_thread_id, e.subject, e.from_email, e.from_name, e.\"to\", e.cc, e.date, '', NULL, "
                "e.in_reply_to, e.\"references\", 'private', e.source, e.created_at FROM email e "
                f"JOIN mailbox_message mm ON mm.id = {param} WHERE e.id = {param} RETURNING id",
                (user_id, user_id, mailbox_message_id, email_id),
            ).fetchone()
            database.execute_sql(
                "INSERT INTO email_participant (org_id, email_id, address, address_normalized, name, role) "
                f"SELECT org_id, {param}, address, address_normalized, name, role FROM email_participant WHERE email_id = {param}",
                (copy_id[0], email_id),
            )
        database.execute_sql(f"UPDATE mailbox_message SET email_id = {param} WHERE id = {param}", (copy_id[0], mailbox_message_id))
    database.execute_sql("CREATE UNIQUE INDEX IF NOT EXISTS email_org_id_owner_id_message_key ON email (org_id, owner_id, message_key)")
    database.execute_sql("CREATE INDEX IF NOT EXISTS email_org_id_message_key ON email (org_id, message_key)")


# (model, the address as written, its normalised column) for every table that keeps both.
_NORMALISED_ADDRESSES = (
    ("User", "email", "email_normalized"),
    ("ContactAddress", "email", "email_normalized"),
    ("Lead", "email", "email_normalized"),
    ("EmailParticipant", "address", "address_normalized"),
    ("MeetingAttendee", "address", "address_normalized"),
)


def _renormalise_addresses():
    """Recompute normalised addresses under matching.py's rule that never merges distinct mailboxes.

    The old rule lower-cased every letter and applied compatibility folding, so
    ``\u212aevin@x`` (Kelvin sign) was stored as ``kevin@x``. Only addresses with
    non-ASCII characters can change, and the new rule is finer than the old, so
    no two rows come to share a value. Tables that keep no written form
    (invitations, blocklist patterns) keep what they have.
    """
    from threadbook import matching

    param = database.obj.param
    for model_name, written, normalised in _NORMALISED_ADDRESSES:
        model = getattr(models, model_name)
        table = model._meta.table_name
        rows = database.execute_sql(f'SELECT id, "{written}", "{normalised}" FROM "{table}"').fetchall()
        for row_id, address, stored in rows:
            if address is None or address.isascii():
                continue
            fresh = matching.try_normalize(address)
            if fresh is not None and fresh != stored:
                database.execute_sql(f'UPDATE "{table}" SET "{normalised}" = {param} WHERE id = {param}', (fresh, row_id))


def _used_signin_nonces():
    create_tables_if_missing(models.UsedSignInNonce)


def _email_deal_and_unlogged():
    """Logged mail may name a deal; mail its owner unlogged is remembered so automatic paths leave it alone."""
    add_column_if_missing(models.Email, "deal")
    create_tables_if_missing(models.UnloggedMessage)


def _match_corrections():
    create_tables_if_missing(models.MatchCorrection)


def _org_deal_stages():
    add_column_if_missing(models.Organization, "deal_stages")


def _contact_imports():
    create_tables_if_missing(models.ContactImport)


def _sync_labels_and_filters():
    """Labels by Gmail id, labels users took off, threads sync filtered, and two organisation settings for sync."""
    create_tables_if_missing(models.GmailLabel, models.LabelOptOut, models.FilteredThread)
    add_column_if_missing(models.ThreadLabel, "history_id")
    add_column_if_missing(models.Organization, "remove_labels_on_disconnect")
    add_column_if_missing(models.Organization, "blocklist_applies_to_manual_logs")


def _health_and_notifications():
    """New-mail notifications and their switch, when a mailbox's error happened, sync counts per day."""
    create_tables_if_missing(models.Notification, models.SyncDay)
    add_column_if_missing(models.User, "notifications_enabled")
    add_column_if_missing(models.Mailbox, "last_error_at")


def _calendar_choices():
    """Users choose the calendars that sync; each keeps its own sync token and health; meetings know their calendar and series.

    The primary calendar's sync token moves from the mailbox to its row, so no calendar has to sync in full again.
    """
    create_tables_if_missing(models.SyncedCalendar)
    add_column_if_missing(models.Meeting, "google_calendar_id")
    add_column_if_missing(models.Meeting, "google_series_id")
    database.execute_sql(
        "INSERT INTO synced_calendar (org_id, user_id, calendar_id, summary, access_role, selected, sync_token, created_at) "
        "SELECT m.org_id, m.user_id, 'primary', '', 'owner', TRUE, m.calendar_sync_token, m.created_at FROM mailbox m "
        "WHERE m.calendar_sync_token IS NOT NULL AND NOT EXISTS (SELECT 1 FROM synced_calendar s WHERE s.user_id = m.user_id AND s.calendar_id = 'primary')"
    )


def _reconciliation():
    """Mail sync left out on purpose (so reconciliation does not fetch it again), and reconciliation runs."""
    create_tables_if_missing(models.SkippedMessage, models.MailboxReconciliation)


def _no_copy_mode():
    """No-copy mode: the organisation's two switches, and whether each copy kept its content and subject."""
    for model, name in (
        (models.Organization, "no_copy_mode"),
        (models.Organization, "no_copy_keep_subjects"),
        (models.Email, "content_stored"),
        (models.Email, "subject_stored"),
    ):
        add_column_with_sql_default(model, name)


def _crm_tasks():
    """CRM tasks, and each user's link to Google Tasks."""
    create_tables_if_missing(models.Task, models.GoogleTasksLink)


def _google_contacts():
    """Users copy CRM contacts to their Google Contacts: their choice and health, and each contact copied.

    Contacts gain an (org, updated_at) index: each periodic fan-out asks whether a contact changed since a user's last copy.
    """
    create_tables_if_missing(models.GoogleContactsSync, models.GoogleContactLink)
    database.execute_sql("CREATE INDEX IF NOT EXISTS contact_org_id_updated_at ON contact (org_id, updated_at)")


def _sync_schedules():
    """Sync schedules and the calendar direction (organisation defaults, users' own), and when each kind of sync last ran."""
    for name in ("mail_schedule", "calendar_schedule", "contacts_schedule", "tasks_schedule", "calendar_direction"):
        add_column_with_sql_default(models.Organization, name)
        add_column_if_missing(models.User, name)  # nullable: a plain ALTER TABLE
    add_column_with_sql_default(models.Organization, "sync_schedules_locked")
    create_tables_if_missing(models.SyncRun)


def _imap_accounts():
    """IMAP mailboxes beside Gmail: accounts (password encrypted) and each folder's UIDVALIDITY and last UID."""
    create_tables_if_missing(models.ImapAccount, models.ImapFolder)


def _readdress():
    """A user's former addresses; a mailbox remembers its Google account and a grant still to revoke."""
    create_tables_if_missing(models.UserAddress)
    add_column_if_missing(models.Mailbox, "account_sub")
    add_column_if_missing(models.Mailbox, "pending_revocation")


def _gmail_watches():
    """Gmail push: each mailbox's users.watch, when it lapses and the pushes it brought."""
    create_tables_if_missing(models.GmailWatch)


def _task_titles_fit():
    """A task's title holds the 500 characters the API takes: on PostgreSQL it was varchar(255), and a longer one was a 500."""
    if not is_sqlite():  # SQLite does not hold a varchar to its length
        database.execute_sql(f"ALTER TABLE task ALTER COLUMN title TYPE VARCHAR({models.Task.title.max_length})")


# (version, description, step). Append only; never renumber.
STEPS = [
    (1, "baseline schema", _baseline),
    (2, "contacts have a phone number", _contact_phone),
    (3, "mailboxes remember their backfill window", _mailbox_backfill_since),
    (4, "one Email row per holder of a mail; owner defaults and private threads", _email_per_owner),
    (5, "addresses normalised without merging look-alike mailboxes", _renormalise_addresses),
    (6, "sign-in nonces are used once", _used_signin_nonces),
    (7, "logged mail names its deal; unlogged messages are remembered", _email_deal_and_unlogged),
    (8, "match corrections: an address is not a record, for the whole organisation", _match_corrections),
    (9, "organisations name their deal stages", _org_deal_stages),
    (10, "contact imports started from the API", _contact_imports),
    (11, "Gmail labels by id, label opt-outs, filtered threads; sync settings of the organisation", _sync_labels_and_filters),
    (12, "new-mail notifications, a switch for them, mailbox health (error time, counts per day)", _health_and_notifications),
    (13, "users choose the calendars that sync; each keeps its token and health", _calendar_choices),
    (14, "mail sync remembers what it left out; daily reconciliation runs", _reconciliation),
    (15, "no-copy mode: organisation switches; copies say whether their content and subject are stored", _no_copy_mode),
    (16, "users copy CRM contacts to Google Contacts", _google_contacts),
    (17, "CRM tasks; users' links to Google Tasks", _crm_tasks),
    (18, "sync schedules and calendar direction per organisation and user; when each kind of sync last ran", _sync_schedules),
    (19, "changing the connected address: former addresses, the mailbox's account, grants still to revoke", _readdress),
    (20, "IMAP accounts and their folders' sync positions", _imap_accounts),
    (21, "Gmail push: mailboxes watched through Pub/Sub", _gmail_watches),
    (22, "a task's title holds 500 characters on PostgreSQL too", _task_titles_fit),
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
    pending = [(number, description, step) for number, description, step in STEPS if number > version]
    with _foreign_keys_off_on_sqlite():
        for number, description, step in pending:
            with database.atomic():
                step()
                SchemaVersion.create(version=number, description=description)
            applied.append(number)
    return applied


@contextlib.contextmanager
def _foreign_keys_off_on_sqlite():
    """Run steps with SQLite's foreign keys off, then check them, as SQLite's ALTER TABLE page prescribes.

    Adding a NOT NULL column, or changing one, makes SQLite rebuild the table:
    copy it, drop the old one, rename. With foreign keys on, dropping a parent
    table deletes its children by ON DELETE CASCADE: upgrading from version 10
    once emptied ``user`` and everything below it. The pragma is ignored inside
    a transaction, so it is set between them.
    """
    if not is_sqlite():
        yield
        return
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"The upgrade left {len(broken)} row(s) pointing at missing rows (first: {broken[0]}); restore the backup taken before it.")
    finally:
        database.execute_sql("PRAGMA foreign_keys = ON")
