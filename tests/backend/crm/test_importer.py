"""CSV import: good rows import, the rest are rejects with a reason a person understands; re-runs add nothing."""

import io

import pytest

from threadbook.crm import import_rows, import_write
from threadbook.crm.importer import ImportFileError, ImportOptions, import_contacts, rejects_text
from threadbook.crm.store import create_company, create_contact
from threadbook.db import write_transaction
from threadbook.models import Company, Contact, ContactAddress, Lead

GOOD_AND_BAD = """email,name,title,company
ada@acme.example,Ada Lovelace,CTO,Acme
,No Address,CEO,Nowhere
not-an-address,Bad Address,,
grace@globex.example,Grace Hopper,VP,
ADA@acme.example,Ada Again,,
linus@gmail.com,Linus,,
"""


def reasons(report):
    return [(r.line, r.reason) for r in report.rejects]


def contact_by_address(org, address):
    return ContactAddress.get((ContactAddress.org == org.id) & (ContactAddress.email == address)).contact


def test_good_rows_import_and_the_rest_are_named_with_reasons(db, factory):
    org = factory.org()
    report = import_contacts(org.id, GOOD_AND_BAD)
    assert (report.rows, report.imported, report.duplicates, report.invalid) == (6, 3, 1, 2)
    assert reasons(report) == [
        (3, "no email address"),
        (4, "not a valid email address: 'not-an-address'"),
        (6, "same address as line 2 (upper and lower case are one)"),
    ]
    names = sorted(c.name for c in Contact.select().where(Contact.org == org.id))
    assert names == ["Ada Lovelace", "Grace Hopper", "Linus"]
    # Company from the column, or guessed from the domain, never from free mail.
    assert Contact.get(Contact.name == "Ada Lovelace").company.name == "Acme"
    assert Contact.get(Contact.name == "Grace Hopper").company.name == "Globex"
    assert Contact.get(Contact.name == "Linus").company is None
    assert Contact.get(Contact.name == "Ada Lovelace").title == "CTO"
    assert report.exit_code == 0


def test_a_rerun_imports_nothing_and_says_why(db, factory):
    org = factory.org()
    import_contacts(org.id, GOOD_AND_BAD)
    again = import_contacts(org.id, GOOD_AND_BAD)
    assert again.imported == 0
    assert again.reasons("duplicate") == {"contact": 3, "same_as_earlier_line": 1}
    assert (2, "already a contact (Ada Lovelace)") in reasons(again)
    assert ContactAddress.select().where(ContactAddress.org == org.id).count() == 3
    assert Company.select().where(Company.org == org.id).count() == 2
    assert again.exit_code == 1  # nothing imported and some rows invalid
    assert import_contacts(org.id, "email\nada@acme.example\n").exit_code == 0  # nothing imported, nothing wrong


def test_semicolon_and_tab_files_are_sniffed(db, factory):
    org = factory.org()
    semicolon = import_contacts(org.id, "email;name;company\nada@acme.example;Ada;Acme, Inc.\n")
    assert (semicolon.source.delimiter_name, semicolon.imported) == ("semicolon", 1)
    assert Contact.get(Contact.name == "Ada").company.name == "Acme, Inc."
    tab = import_contacts(org.id, "Name\tEmail\nBob\tbob@globex.example\n")
    assert (tab.source.delimiter_name, tab.imported) == ("tab", 1)
    excel = import_contacts(org.id, "sep=;\nemail;name\ncid@initech.example;Cid\n")
    assert (excel.source.delimiter_how, excel.imported) == ("sep= line", 1)


def test_unknown_columns_are_ignored_and_listed(db, factory):
    org = factory.org()
    report = import_contacts(org.id, "email,name,linkedin,notes\nada@acme.example,Ada,https://linkedin.example/ada,hi\n")
    assert report.imported == 1
    assert report.source.ignored == ["linkedin", "notes"]
    assert report.summary()["ignored_columns"] == ["linkedin", "notes"]
    assert any("Ignored column(s): linkedin, notes" in line for line in report.source.mapping_lines())


def test_headers_are_read_by_common_names(db, factory):
    org = factory.org()
    text = "E-mail,Full name,Company name,Job title,Phone number\nada@acme.example,Ada Lovelace,Acme,CTO,+44 20 7946 0000\n"
    report = import_contacts(org.id, text)
    assert report.summary()["columns"] == {"E-mail": "email", "Full name": "name", "Company name": "company", "Job title": "title", "Phone number": "phone"}
    ada = Contact.get(Contact.org == org.id)
    assert (ada.name, ada.title, ada.phone, ada.company.name) == ("Ada Lovelace", "CTO", "+44 20 7946 0000", "Acme")
    import_contacts(org.id, "First Name,Last Name,Email Address\nGrace,Hopper,grace@navy.example\n")
    assert Contact.get(Contact.name == "Grace Hopper").org_id == org.id


def test_map_overrides_the_header(db, factory):
    org = factory.org()
    text = "Mail,Who,Email\nada@acme.example,Ada,old@acme.example\n"
    report = import_contacts(org.id, text, ImportOptions(mapping={"Mail": "email", "who": "name", "Email": "ignore"}))
    assert report.imported == 1 and report.source.ignored == ["Email"]
    assert contact_by_address(org, "ada@acme.example").name == "Ada"
    with pytest.raises(ImportFileError, match="'nickname' is not a field"):
        import_contacts(org.id, text, ImportOptions(mapping={"Who": "nickname"}))
    with pytest.raises(ImportFileError, match="the header has no column 'Surname'"):
        import_contacts(org.id, text, ImportOptions(mapping={"Surname": "last_name"}))


def test_duplicates_say_why_addresses_are_one(db, factory):
    org = factory.org()
    text = "email\njohn.smith@gmail.com\nJohnSmith+crm@googlemail.com\nada@bücher.example\nada@xn--bcher-kva.example\n"
    report = import_contacts(org.id, text)
    assert report.imported == 2
    assert reasons(report) == [
        (3, "same mailbox as line 2 (googlemail.com is gmail.com; Gmail ignores +tags; Gmail ignores dots; upper and lower case are one)"),
        (5, "same address as line 4 (one domain, written in Unicode and in punycode)"),
    ]
    dots = import_contacts(org.id, "email\njohnsmith@gmail.com\n")
    assert reasons(dots) == [(2, "already a contact: same mailbox as john.smith@gmail.com (Gmail ignores dots)")]


def test_an_address_with_a_display_name(db, factory):
    org = factory.org()
    report = import_contacts(org.id, 'email,name\n"Ada Lovelace <ada@acme.example>",\n"Bob <bob@acme.example>",Robert\n"Eve <nope>",\n')
    assert report.imported == 2
    assert contact_by_address(org, "ada@acme.example").name == "Ada Lovelace"
    assert contact_by_address(org, "bob@acme.example").name == "Robert"  # the name column wins
    assert reasons(report) == [(4, "not a valid email address: 'Eve <nope>'")]


def test_internationalised_addresses_import_as_written(db, factory):
    org = factory.org()
    report = import_contacts(org.id, "email,name\nada@bücher.example,Ada\nмария@пример.example,Мария\n")
    assert report.imported == 2, reasons(report)
    assert contact_by_address(org, "ada@bücher.example").company.name == "Bücher"
    assert ContactAddress.get(ContactAddress.email == "мария@пример.example").email_normalized == "мария@xn--e1afmkfd.example"


def test_owner_from_the_options_or_a_column(db, factory):
    org = factory.org(domain="acme.example")
    boss, rep = factory.user(org, email="boss@acme.example", role="admin"), factory.user(org, email="rep@acme.example")
    text = "email,owner\nada@globex.example,\nbob@globex.example,REP@acme.example\ncid@globex.example,stranger@else.example\n"
    report = import_contacts(org.id, text, ImportOptions(owner_id=boss.id))
    assert report.imported == 2
    assert contact_by_address(org, "ada@globex.example").owner_id == boss.id
    assert contact_by_address(org, "bob@globex.example").owner_id == rep.id
    assert reasons(report) == [(4, "owner 'stranger@else.example' is not a member of this organisation")]
    assert report.reasons("invalid") == {"not_a_member": 1}


def test_colleagues_leads_and_contacts_already_there_are_duplicates(db, factory):
    org = factory.org(domain="acme.example")
    factory.user(org, email="jane@acme.example", name="Jane Doe")
    Lead.create(org=org, name="Lee", email="lee@prospect.example", email_normalized="lee@prospect.example")
    with write_transaction():
        client = create_company(org.id, "Client Ltd", ["client.example"])
        create_contact(org.id, "Ann", ["ann@client.example"], company=client)
    report = import_contacts(org.id, "email\nJane@acme.example\nlee@prospect.example\nann@client.example\nnew@client.example\n")
    assert report.imported == 1
    assert reasons(report) == [
        (2, "a colleague's address (Jane Doe is a member of this organisation)"),
        (3, "already a lead (Lee)"),
        (4, "already a contact (Ann)"),
    ]
    assert report.reasons("duplicate") == {"colleague": 1, "lead": 1, "contact": 1}
    assert contact_by_address(org, "new@client.example").company_id == client.id  # the company of the domain, not a new one


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty"),
        (b"\n\n  \n", "The file is empty"),
        (bytes(range(256)) * 4, "not a CSV text file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "an Excel .xlsx workbook"),
        (b"name,phone\nAda,1\n", "No email column: the header (comma-separated) has 'name', 'phone'"),
        (b"name|email\nAda|ada@acme.example\n", "No email column"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(db, factory, data, message):
    org = factory.org()
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_contacts(org.id, data)
    assert Contact.select().count() == 0


@pytest.mark.parametrize(
    "encode, shown",
    [
        (lambda t: t.encode("utf-8"), "UTF-8"),
        (lambda t: t.encode("utf-8-sig"), "UTF-8 with BOM"),
        (lambda t: t.encode("utf-16"), "UTF-16 with BOM"),
        (lambda t: t.encode("utf-16-be").join([b"\xfe\xff", b""]), "UTF-16 with BOM"),
        (lambda t: t.encode("cp1252"), "Windows-1252"),
    ],
)
def test_encodings_are_sniffed(db, factory, encode, shown):
    org = factory.org()
    report = import_contacts(org.id, encode("email,name\njose@acme.example,José Müller\n"))
    assert report.source.encoding == shown
    assert Contact.get(Contact.org == org.id).name == "José Müller"


def test_a_dry_run_writes_nothing_and_reports_the_same(db, factory):
    org = factory.org()
    dry = import_contacts(org.id, GOOD_AND_BAD, ImportOptions(dry_run=True))
    assert Contact.select().count() == 0 and Company.select().count() == 0
    real = import_contacts(org.id, GOOD_AND_BAD)
    assert (dry.imported, reasons(dry)) == (real.imported, reasons(real))
    assert dry.summary_lines()[0].startswith("Would import 3 of 6 row(s)")


def test_batches_see_each_other(db, factory):
    org = factory.org()
    rows = [f"p{i}@firm{i % 3}.example,Person {i}" for i in range(25)] + ["P7@firm1.example,Again"]
    report = import_contacts(org.id, "email,name\n" + "\n".join(rows), ImportOptions(batch=4))
    assert report.imported == 25
    assert reasons(report) == [(27, "same address as line 9 (upper and lower case are one)")]
    assert Company.select().where(Company.org == org.id).count() == 3


def test_values_too_long_are_invalid(db, factory):
    org = factory.org()
    report = import_contacts(org.id, f"email,title,phone\nada@acme.example,{'x' * 201},\nbob@acme.example,,{'1' * 51}\n")
    assert reasons(report) == [(2, "title is longer than 200 characters"), (3, "phone is longer than 50 characters")]


def test_the_rejects_file_has_each_row_with_its_reason(db, factory):
    org = factory.org()
    report = import_contacts(org.id, 'email,name,linkedin\nbad,"Smith, J",x\nada@acme.example,Ada,\n')
    lines = rejects_text(report).splitlines()
    assert lines == ["line,reason,email,name,linkedin", "2,not a valid email address: 'bad',bad,\"Smith, J\",x"]
    again = import_contacts(org.id, rejects_text(report))  # the rejects file reads back: line and reason are ignored columns
    assert again.source.ignored == ["line", "reason", "linkedin"]


def test_an_address_taken_during_the_import_is_not_shared(db, factory):
    org = factory.org()
    checker = import_rows.RowChecker(org.id)
    good, _ = checker.check([(2, {"email": "ada@acme.example", "name": "Ada"}, []), (3, {"email": "bob@acme.example"}, [])])
    with write_transaction():
        create_contact(org.id, "Ada (API)", ["ada@acme.example"])
    written, raced = import_write.write_batch(org.id, good)
    assert [r.email for r in written] == ["bob@acme.example"]
    assert [(r.email, holder[0]) for r, holder in raced] == [("ada@acme.example", "contact")]
    assert Contact.select().where(Contact.org == org.id).count() == 2


def test_import_is_scoped_to_its_organisation(db, factory):
    first, second = factory.org(), factory.org()
    import_contacts(first.id, io.BytesIO(b"email\nada@acme.example\n").read())
    report = import_contacts(second.id, "email\nada@acme.example\n")
    assert report.imported == 1
    assert ContactAddress.select().count() == 2
    assert Company.select().count() == 2
