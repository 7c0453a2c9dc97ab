"""Schema migrations: a database from an earlier version upgrades in place."""

import datetime

from threadbook import migrations
from threadbook.db import database, is_sqlite
from threadbook.models import Contact, Organization


def _columns(table):
    return {c.name for c in database.get_columns(table)}


def _after(version):
    """The steps a database at ``version`` runs, in order (later branches add steps)."""
    return [number for number, _, _ in migrations.STEPS if number > version]


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

    assert migrations.upgrade() == _after(1)

    assert "phone" in _columns("contact")
    assert migrations.current_version() == migrations.LATEST
    contact = Contact.get(Contact.name == "Old Contact")
    assert contact.org_id == org_id and contact.phone is None
    contact.phone = "+44 20 7946 0000"
    contact.save()
    assert Contact.get_by_id(contact.id).phone == "+44 20 7946 0000"
    # Running again changes nothing.
    assert migrations.upgrade() == []


def test_version_3_shared_mail_rows_become_one_copy_per_holder(db, factory):
    """Before version 4, colleagues' copies of one mail shared a row and each read it in full."""
    from threadbook.models import Email, EmailParticipant, MailboxMessage, PrivateThread

    org = factory.org(domain="acme.example")
    rep, colleague = factory.user(org, email="rep@acme.example"), factory.user(org, email="col@acme.example")
    # The version 3 shape: one row per organisation and Message-ID, no private threads.
    database.execute_sql("DROP INDEX email_org_id_owner_id_message_key")
    database.execute_sql("DROP INDEX email_org_id_message_key")
    database.execute_sql("CREATE UNIQUE INDEX email_org_id_message_key ON email (org_id, message_key)")
    database.drop_tables([PrivateThread])
    shared = Email.create(
        org=org,
        owner=rep,
        logged_by=rep,
        message_key="<k@x>",
        rfc_message_id="<k@x>",
        gmail_message_id="a1",
        gmail_thread_id="a1",
        subject="Terms",
        from_email="ada@globex.example",
        date=datetime.datetime(2026, 1, 2),
        snippet="rep's words",
        visibility="team_metadata",
    )
    EmailParticipant.create(org=org, email=shared, address="ada@globex.example", address_normalized="ada@globex.example", role="from")
    MailboxMessage.create(org=org, user=rep, email=shared, gmail_message_id="a1", gmail_thread_id="a1")
    MailboxMessage.create(org=org, user=colleague, email=shared, gmail_message_id="b7", gmail_thread_id="b7")
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=3, description="mailboxes remember their backfill window")

    assert migrations.upgrade() == _after(3)

    rows = {e.owner_id: e for e in Email.select()}
    assert set(rows) == {rep.id, colleague.id}
    assert (rows[rep.id].id, rows[rep.id].snippet, rows[rep.id].visibility) == (shared.id, "rep's words", "team_metadata")
    theirs = rows[colleague.id]
    # The colleague keeps who, when and the subject, privately; not the words that were the rep's.
    assert (theirs.subject, theirs.from_email, theirs.message_key, theirs.visibility) == ("Terms", "ada@globex.example", "<k@x>", "private")
    assert (theirs.snippet, theirs.body, theirs.gmail_message_id, theirs.gmail_thread_id) == ("", None, "b7", "b7")
    assert MailboxMessage.get(MailboxMessage.user == colleague.id).email_id == theirs.id
    assert MailboxMessage.get(MailboxMessage.user == rep.id).email_id == shared.id
    assert [p.address_normalized for p in EmailParticipant.select().where(EmailParticipant.email == theirs.id)] == ["ada@globex.example"]
    assert PrivateThread.select().count() == 0  # the table exists
    # Copies are now unique per holder, not per organisation; running again changes nothing.
    third = factory.user(org, email="third@acme.example")
    Email.create(org=org, owner=third, message_key="<k@x>", date=datetime.datetime(2026, 1, 2))
    assert migrations.upgrade() == []
    assert Email.select().count() == 3


def test_version_4_look_alike_addresses_are_normalised_apart(db, factory):
    """The Kelvin sign was folded to K before version 5, so its address matched another mailbox."""
    from threadbook.crm import store as crm
    from threadbook.models import ContactAddress

    org = factory.org(domain="acme.example")
    contact = crm.create_contact(org.id, "Kelvin", ["kevin@globex.example"])
    database.execute_sql(
        "UPDATE contact_address SET email = %s WHERE contact_id = %s".replace("%s", database.obj.param), ("\u212aevin@globex.example", contact.id)
    )
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=4, description="one Email row per holder of a mail")

    assert migrations.upgrade() == _after(4)

    stored = ContactAddress.get(ContactAddress.contact == contact.id)
    assert stored.email_normalized != "kevin@globex.example"
    assert crm.find_record_by_address(org.id, "kevin@globex.example") is None
    assert migrations.upgrade() == []


def _drop_email_deal_column():
    """Give the email table its version 6 shape (SQLite cannot drop a column that a foreign key names)."""
    from playhouse.migrate import migrate

    if not is_sqlite():
        migrate(migrations._migrator().drop_column("email", "deal_id"))
        return
    create = database.execute_sql("SELECT sql FROM sqlite_master WHERE name = 'email'").fetchone()[0]
    older = create.replace('"deal_id" INTEGER, ', "").replace(', FOREIGN KEY ("deal_id") REFERENCES "deal" ("id") ON DELETE SET NULL', "")
    assert "deal" not in older
    indexes = [
        row[0]
        for row in database.execute_sql("SELECT sql FROM sqlite_master WHERE tbl_name = 'email' AND type = 'index' AND sql IS NOT NULL")
        if "deal" not in row[0]
    ]
    database.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        database.execute_sql("DROP TABLE email")
        database.execute_sql(older)
        for index in indexes:
            database.execute_sql(index)
    finally:
        database.execute_sql("PRAGMA foreign_keys = ON")


def test_version_6_mail_gains_its_deal_and_unlogged_messages(db, factory):
    """Version 7: Email.deal (set to null when the deal goes) and the UnloggedMessage table."""
    from threadbook.models import Deal, Email, UnloggedMessage

    _drop_email_deal_column()
    database.drop_tables([UnloggedMessage])
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=6, description="sign-in nonces are used once")
    org = factory.org(domain="acme.example")
    rep = factory.user(org, email="rep@acme.example")
    database.execute_sql(
        'INSERT INTO email (org_id, owner_id, message_key, subject, from_email, from_name, "to", cc, date, snippet, visibility, source, created_at) '
        f"VALUES ({org.id}, {rep.id}, '<old@x>', 'Old', 'a@b.example', '', '[]', '[]', '2026-01-02 00:00:00', '', 'private', 'sync', '2026-01-02 00:00:00')"
    )

    assert migrations.upgrade() == _after(6)

    old = Email.get(Email.message_key == "<old@x>")
    assert old.deal_id is None and old.subject == "Old"
    deal = Deal.create(org=org, name="Renewal")
    Email.update(deal=deal.id).where(Email.id == old.id).execute()
    UnloggedMessage.create(org=org, owner=rep, message_key="<gone@x>")
    deal.delete_instance()
    assert Email.get_by_id(old.id).deal_id is None  # the deal went, the mail stays


def test_version_7_database_gets_match_corrections(db):
    from threadbook.models import MatchCorrection

    database.drop_tables([MatchCorrection])
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=6, description="sign-in nonces are used once")

    assert 8 in migrations.upgrade()

    assert database.table_exists("match_correction")
    assert {"address", "address_lower", "address_normalized", "kind", "contact_id", "lead_id", "company_id", "created_by_id"} <= _columns("match_correction")


def test_version_10_database_gains_label_ids_opt_outs_filtered_threads_and_sync_settings(db, factory):
    from playhouse.migrate import migrate

    from threadbook.models import FilteredThread, GmailLabel, LabelOptOut

    org = factory.org(domain="acme.example")
    database.drop_tables([GmailLabel, LabelOptOut, FilteredThread])
    migrate(
        migrations._migrator().drop_column("thread_label", "history_id"),
        migrations._migrator().drop_column("organization", "remove_labels_on_disconnect"),
        migrations._migrator().drop_column("organization", "blocklist_applies_to_manual_logs"),
    )
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=10, description="contact imports started from the API")

    assert migrations.upgrade() == _after(10)

    assert "history_id" in _columns("thread_label")
    old = Organization.get_by_id(org.id)
    assert (old.remove_labels_on_disconnect, old.blocklist_applies_to_manual_logs) == (False, True)
    assert GmailLabel.select().count() == LabelOptOut.select().count() == FilteredThread.select().count() == 0
    assert migrations.upgrade() == []


def test_version_9_database_gets_calendar_choices_and_keeps_the_primary_sync_token(db, factory):
    """Version 12: SyncedCalendar, Meeting.google_calendar_id/google_series_id; the mailbox's calendar token moves to the primary row."""
    from playhouse.migrate import migrate

    from threadbook.models import Mailbox, Meeting, SyncedCalendar

    database.drop_tables([SyncedCalendar])
    for column in ("google_calendar_id", "google_series_id"):
        migrate(migrations._migrator().drop_column("meeting", column))
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=9, description="organisations name their deal stages")
    org = factory.org(domain="acme.example")
    synced, never = factory.user(org, email="rep@acme.example"), factory.user(org, email="new@acme.example")
    Mailbox.insert(org=org.id, user=synced.id, calendar_sync_token="CPDAlvWDx70CEPDAlvWDx70CGAU=").execute()
    Mailbox.insert(org=org.id, user=never.id).execute()
    database.execute_sql(
        f'INSERT INTO meeting (org_id, owner_id, title, description, location, start, "end", status, source, google_event_id, created_at, updated_at) '
        f"VALUES ({org.id}, {synced.id}, 'Old', '', '', '2026-01-02 10:00:00', '2026-01-02 11:00:00', 'confirmed', 'calendar', 'ev1', "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )

    assert 13 in migrations.upgrade()

    row = SyncedCalendar.get(SyncedCalendar.user == synced.id)
    assert (row.calendar_id, row.selected, row.sync_token, row.org_id) == ("primary", True, "CPDAlvWDx70CEPDAlvWDx70CGAU=", org.id)
    assert SyncedCalendar.select().where(SyncedCalendar.user == never.id).count() == 0
    old = Meeting.get(Meeting.google_event_id == "ev1")
    assert (old.google_calendar_id, old.google_series_id) == (None, None)  # the primary calendar; a series it may join later


def test_version_11_database_gains_skipped_messages_and_reconciliations(db):
    from threadbook.models import MailboxReconciliation, SkippedMessage

    database.drop_tables([SkippedMessage, MailboxReconciliation])
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=11, description="Gmail labels by id")

    assert 14 in migrations.upgrade()

    assert {"user_id", "gmail_message_id", "reason", "skipped_at"} <= _columns("skipped_message")
    assert {"mailbox_id", "started_at", "checked", "missing", "fetched", "stored", "outcome"} <= _columns("mailbox_reconciliation")
    assert migrations.upgrade() == []


def test_version_14_database_gains_no_copy_mode_and_keeps_stored_content_marked_as_stored(db, factory):
    from playhouse.migrate import migrate

    from threadbook.models import Email, User

    org = factory.org(domain="acme.example")
    rep = factory.user(org, email="rep@acme.example")
    migrate(
        *(
            migrations._migrator().drop_column(table, column)
            for table, column in (
                ("organization", "no_copy_mode"),
                ("organization", "no_copy_keep_subjects"),
                ("email", "content_stored"),
                ("email", "subject_stored"),
            )
        )
    )
    database.execute_sql(
        'INSERT INTO email (org_id, owner_id, message_key, subject, from_email, from_name, "to", cc, date, snippet, visibility, source, created_at) '
        f"VALUES ({org.id}, {rep.id}, '<m1@x>', 'Terms', 'ada@x.example', '', '[]', '[]', '2026-01-02 10:00:00', 'forty', 'private', 'manual', '2026-01-02 10:00:00')"
    )
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=14, description="mail sync remembers what it left out")

    assert migrations.upgrade() == _after(14)

    old = Organization.get_by_id(org.id)
    assert (old.no_copy_mode, old.no_copy_keep_subjects) == (False, False)
    email = Email.get()
    assert (email.content_stored, email.subject_stored, email.snippet) == (True, True, "forty")
    assert User.get_by_id(rep.id).email == "rep@acme.example"  # added in place: no table rebuilt, nothing cascaded away
    assert migrations.upgrade() == []


def test_an_upgrade_that_rebuilds_a_parent_table_keeps_every_child_row(db, factory):
    """SQLite rebuilds a table to add a NOT NULL column; with foreign keys on, dropping the old one cascaded to its children."""
    from playhouse.migrate import migrate

    from threadbook.models import Email, User

    org = factory.org(domain="acme.example")
    rep = factory.user(org, email="rep@acme.example")
    Email.create(org=org, owner=rep, message_key="<m1@acme.example>", subject="Kept", date=datetime.datetime(2026, 3, 1))
    migrate(
        migrations._migrator().drop_column("organization", "remove_labels_on_disconnect"),
        migrations._migrator().drop_column("organization", "blocklist_applies_to_manual_logs"),
        migrations._migrator().drop_column("user", "notifications_enabled"),
    )
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=10, description="contact imports started from the API")

    assert migrations.upgrade() == _after(10)

    assert [u.email for u in User.select().where(User.org == org.id)] == ["rep@acme.example"]
    assert [e.subject for e in Email.select().where(Email.org == org.id)] == ["Kept"]
    if is_sqlite():
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1  # back on for the app


def test_version_14_database_gains_sync_schedules_with_todays_defaults(db, factory):
    """Before version 18 there were no sync schedules nor calendar direction: every organisation gets 10m and two-way."""
    from playhouse.migrate import migrate

    from threadbook.identity import sync_schedules
    from threadbook.models import SyncRun, User

    org = factory.org(domain="acme.example")
    database.drop_tables([SyncRun])
    names = ("mail_schedule", "calendar_schedule", "contacts_schedule", "tasks_schedule", "calendar_direction")
    for table in ("organization", "user"):
        migrate(*[migrations._migrator().drop_column(table, name) for name in names])
    migrate(migrations._migrator().drop_column("organization", "sync_schedules_locked"))
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=14, description="reconciliation")
    assert not set(names) & _columns("organization") and not database.table_exists("sync_run")
    # A member written as version 14 did (SQLite's column drops rebuild tables, which would take earlier members with them).
    user_id = User.insert(org=org.id, google_sub="sub-rep", email="rep@acme.example", email_normalized="rep@acme.example").execute()

    assert migrations.upgrade() == _after(14)

    assert set(names) <= _columns("organization") and set(names) <= _columns("user") and database.table_exists("sync_run")
    assert Organization.get_by_id(org.id).mail_schedule == "10m" and Organization.get_by_id(org.id).calendar_direction == "two_way"
    assert Organization.get_by_id(org.id).sync_schedules_locked is False
    assert User.get_by_id(user_id).mail_schedule is None
    assert sync_schedules.effective_schedule(user_id, "mail") == "10m" and sync_schedules.effective_direction(user_id) == "two_way"
    sync_schedules.record_run(user_id, "mail")
    assert sync_schedules.last_run_at(user_id, "mail") is not None
    assert migrations.upgrade() == []


def test_version_17_database_gains_former_addresses_and_the_mailbox_account(db, factory):
    from playhouse.migrate import migrate

    from threadbook.models import Mailbox, User, UserAddress

    database.drop_tables([UserAddress])
    migrate(migrations._migrator().drop_column("mailbox", "account_sub"), migrations._migrator().drop_column("mailbox", "pending_revocation"))
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=17, description="CRM tasks")
    user = factory.user(factory.org(), email="kept@acme.example")

    assert 19 in migrations.upgrade()

    assert {"user_id", "email", "email_normalized", "kind"} <= _columns("user_address")
    assert {"account_sub", "pending_revocation"} <= _columns("mailbox")
    assert User.get_by_id(user.id).email == "kept@acme.example"
    assert Mailbox.select().count() == 0 and migrations.upgrade() == []


def test_version_20_database_gains_gmail_watches(db):
    from threadbook.models import GmailWatch

    database.drop_tables([GmailWatch])
    migrations.SchemaVersion.delete().execute()
    migrations.SchemaVersion.create(version=14, description="reconciliation")

    assert 21 in migrations.upgrade()

    assert {"mailbox_id", "topic", "expires_at", "renewed_at", "last_push_at", "pushed_history_id", "pushes", "error"} <= _columns("gmail_watch")
    assert migrations.upgrade() == []
