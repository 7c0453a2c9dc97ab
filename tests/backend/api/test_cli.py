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
    assert result.exit_code == 1
    assert "Imported 1 contact(s)" in result.output
    assert "line 3: malformed email address 'broken'" in result.output


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
    assert result.exit_code != 0
    assert "Missing column(s) email" in result.output
