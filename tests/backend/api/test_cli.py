"""Flask CLI commands run end to end against a real database file."""

from threadbook.cli import cli
from threadbook.db import database
from threadbook.models import Contact, Deal, Lead, Note, Organization, User


def run(app, *args):
    result = app.test_cli_runner().invoke(cli, args=list(args))
    return result


def test_init_db_and_seed_demo_are_idempotent(app):
    assert run(app, "init-db").exit_code == 0
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    assert run(app, "seed-demo").exit_code == 0
    with database.connection_context():
        assert Organization.select().count() == 1
        assert Contact.select().count() == 4
        assert Lead.select().count() == 2
        assert {d.status for d in Deal.select()} == {"open", "won"}
        assert Note.select().count() == 2


def test_create_org_add_user_and_import(app, tmp_path):
    result = run(app, "create-org", "Acme", "--domain", "Acme.example")
    assert result.exit_code == 0, result.output
    with database.connection_context():
        org = Organization.get(Organization.name == "Acme")
    assert org.domain == "acme.example"
    result = run(app, "add-user", "boss@acme.example", "--org", str(org.id), "--role", "admin")
    assert result.exit_code == 0, result.output
    with database.connection_context():
        assert User.get(User.email == "boss@acme.example").role == "admin"

    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text("email,name\nada@acme.example,Ada\nbroken,Broken\n")
    result = run(app, "import-contacts", str(csv_file), "--org", str(org.id))
    assert result.exit_code == 0, result.output
    assert "Imported 1 of 2 row(s)" in result.output
    assert "line 3" not in result.output  # rejected rows go to the rejects file, not the screen
    assert "not a valid email address: 'broken'" in (tmp_path / "contacts.rejects.csv").read_text(encoding="utf-8-sig")


def test_cli_errors_are_clear(app, tmp_path):
    result = run(app, "add-user", "not an address", "--org", "1")
    assert result.exit_code != 0
    assert "not a valid email address" in result.output
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("wrong\nx\n")
    run(app, "create-org", "Solo")
    with database.connection_context():
        org_id = Organization.get(Organization.name == "Solo").id
    result = run(app, "import-contacts", str(csv_file), "--org", str(org_id))
    assert result.exit_code == 3
    assert "No email column" in result.output


def test_the_console_command_builds_its_app_and_names_its_database(tmp_path):
    """`threadbook` as a user runs it: a new process, the app built from the environment (not the test's app)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "THREADBOOK_INSTANCE_PATH": str(tmp_path / "instance"), "THREADBOOK_SECRET_KEY": "s" * 40}
    env.pop("THREADBOOK_DATABASE_URL", None)

    def console(*args):
        return subprocess.run([sys.executable, "-c", "from threadbook.cli import main; main()", *args], env=env, capture_output=True, text=True, timeout=120)

    database_file = tmp_path / "instance" / "threadbook.sqlite3"
    refused = console("create-org", "Acme")
    assert refused.returncode == 4, refused.stderr
    assert f"There is no database at {database_file}" in refused.stderr and "threadbook init-db" in refused.stderr
    assert not database_file.exists()  # finding out created no empty file
    made = console("init-db")
    assert made.returncode == 0, made.stderr
    assert f"Using instance folder {tmp_path / 'instance'} (from THREADBOOK_INSTANCE_PATH); database sqlite:///{database_file}" in made.stdout
    created = console("create-org", "Acme")
    assert created.returncode == 0 and "Created organisation 1 'Acme'" in created.stdout, created.stderr


def test_commands_refuse_a_database_without_tables(tmp_path):
    from threadbook import create_app

    from ...conftest import TEST_SECRET

    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    app = create_app({"DATABASE_URL": f"sqlite:///{empty}", "SECRET_KEY": TEST_SECRET})
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("email\nada@acme.example\n")
    for args in (["create-org", "Acme"], ["add-user", "a@acme.example", "--org", "1"], ["import-contacts", str(csv_file), "--org", "1"]):
        result = run(app, *args)
        assert result.exit_code == 4, (args, result.output)
        assert f"The database sqlite:///{empty} has no tables" in result.output and "threadbook init-db" in result.output
