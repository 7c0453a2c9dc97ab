"""``threadbook import-contacts``: what it prints, the files it writes, its exit codes."""

import pytest

from threadbook.cli import cli
from threadbook.models import AuditLog, Contact

SEMICOLONS = "E-mail;Full name;linkedin;Owner\njohn.smith@gmail.com;John;x;\nada@bücher.example;Ada;;\njohnsmith@gmail.com;John again;;\nbad;Bad;;\n"


@pytest.fixture
def org(factory):
    org = factory.org(name="Acme", domain="acme.example")
    factory.user(org, email="rep@acme.example")
    factory.user(org, email="boss@acme.example", role="admin")
    return org


def run(app, *args):
    return app.test_cli_runner().invoke(cli, args=[str(a) for a in args])


def write(tmp_path, text, name="contacts.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_a_semicolon_file_with_an_extra_column_imports_and_says_how_it_was_read(app, db, org, tmp_path):
    path = write(tmp_path, SEMICOLONS)
    result = run(app, "import-contacts", path)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Using instance folder" in out and ("database sqlite:///" in out or "database postgresql://" in out)
    assert f"Organisation {org.id} 'Acme'. Owner of the new contacts: boss@acme.example (the organisation's first administrator" in out
    assert "UTF-8, semicolon-separated (sniffed), 4 row(s)" in out
    assert "Columns: E-mail -> email, Full name -> name, Owner -> owner" in out
    assert "Ignored column(s): linkedin" in out
    assert "4 of 4 rows (100%)" in out  # progress lines when not on a terminal
    assert "Imported 2 of 4 row(s)" in out
    assert "Duplicates: 1 (same address as an earlier line: 1)" in out
    assert "Invalid: 1 (not a valid email address: 1)" in out
    rejects = tmp_path / "contacts.rejects.csv"
    assert f"Rejected rows, each with its reason: {rejects}" in out
    assert rejects.read_text(encoding="utf-8-sig").splitlines() == [
        "line,reason,E-mail,Full name,linkedin,Owner",
        "4,same mailbox as line 2 (Gmail ignores dots),johnsmith@gmail.com,John again,,",
        "5,not a valid email address: 'bad',bad,Bad,,",
    ]
    assert {c.owner.email for c in Contact.select()} == {"boss@acme.example"}
    entry = AuditLog.get(AuditLog.action == "contacts.imported")
    assert entry.detail == {"file": "contacts.csv", "via": "cli", "rows": 4, "imported": 2, "duplicates": 1, "invalid": 1}


def test_a_dry_run_writes_nothing(app, db, org, tmp_path):
    path = write(tmp_path, SEMICOLONS)
    result = run(app, "import-contacts", path, "--dry-run", "--rejects", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing will be written." in result.output and "Would import 2 of 4 row(s)" in result.output
    assert Contact.select().count() == 0 and AuditLog.select().where(AuditLog.action == "contacts.imported").count() == 0
    assert (tmp_path / "out.csv").exists() and not (tmp_path / "contacts.rejects.csv").exists()


def test_owner_map_and_delimiter_options(app, db, org, tmp_path):
    path = write(tmp_path, "Mail|Who\nada@globex.example|Ada\n".replace("|", "\t"))
    result = run(app, "import-contacts", path, "--owner", "REP@acme.example", "--map", "Mail=email", "--map", "who=name", "--delimiter", "tab")
    assert result.exit_code == 0, result.output
    assert "tab-separated (given)" in result.output
    ada = Contact.get(Contact.name == "Ada")
    assert ada.owner.email == "rep@acme.example"
    assert not (tmp_path / "contacts.rejects.csv").exists()  # nothing rejected, no file


@pytest.mark.parametrize(
    "args, message",
    [
        (["--owner", "stranger@else.example"], "stranger@else.example is not a member of organisation"),
        (["--org", "999"], "no organisation 999"),
        (["--map", "Mail"], "give HEADER=FIELD"),
        (["--map", "Mail=nickname"], "give HEADER=FIELD"),
    ],
)
def test_wrong_options_exit_2(app, db, org, tmp_path, args, message):
    result = run(app, "import-contacts", write(tmp_path, "email\nada@acme.example\n"), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert Contact.select().count() == 0


def test_several_organisations_need_org(app, db, org, factory, tmp_path):
    other = factory.org(name="Other")
    result = run(app, "import-contacts", write(tmp_path, "email\nada@acme.example\n"))
    assert result.exit_code == 2 and f"say which organisation; the database has {org.id} 'Acme', {other.id} 'Other'" in result.output


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty"),
        (bytes(range(256)) * 8, "This is not a CSV text file"),
        (b"name;phone\nAda;1\n", "No email column"),
    ],
)
def test_a_file_that_cannot_be_read_exits_3(app, db, org, tmp_path, content, message):
    result = run(app, "import-contacts", write(tmp_path, content))
    assert result.exit_code == 3, result.output
    assert f"contacts.csv: {message}" in result.output


def test_nothing_imported_and_rows_invalid_exits_1(app, db, org, tmp_path):
    result = run(app, "import-contacts", write(tmp_path, "email\nbad\n"))
    assert result.exit_code == 1 and "Imported 0 of 1 row(s)" in result.output


def test_a_rerun_exits_0(app, db, org, tmp_path):
    path = write(tmp_path, "email\nada@acme.example\n")
    assert run(app, "import-contacts", path).exit_code == 0
    again = run(app, "import-contacts", path)
    assert again.exit_code == 0 and "Duplicates: 1 (already a contact: 1)" in again.output


def test_the_rejects_file_never_overwrites_the_input(app, db, org, tmp_path):
    path = write(tmp_path, "email\nbad\n")
    result = run(app, "import-contacts", path, "--rejects", path)
    assert result.exit_code == 2 and "would overwrite the file being imported" in result.output
    assert path.read_text() == "email\nbad\n"
