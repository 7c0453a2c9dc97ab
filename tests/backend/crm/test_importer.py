"""CSV import: good rows import, bad rows are named by line, re-runs add nothing."""

import io

import pytest

from threadbook.crm.importer import ImportFileError, import_contacts
from threadbook.models import Company, Contact, ContactAddress

GOOD_AND_BAD = """email,name,title,company
ada@acme.example,Ada Lovelace,CTO,Acme
,No Address,CEO,Nowhere
not-an-address,Bad Address,,
grace@globex.example,Grace Hopper,VP,
ADA@acme.example,Ada Again,,
linus@gmail.com,Linus,,
"""


def test_good_rows_import_and_bad_rows_are_named(db, factory):
    org = factory.org()
    report = import_contacts(org.id, io.StringIO(GOOD_AND_BAD))
    assert report.imported == 3
    assert report.errors == [
        (3, "missing email address"),
        (4, "malformed email address 'not-an-address'"),
        (6, "duplicate of line 2 (ADA@acme.example)"),
    ]
    names = sorted(c.name for c in Contact.select().where(Contact.org == org.id))
    assert names == ["Ada Lovelace", "Grace Hopper", "Linus"]
    # Company from the column, or guessed from the domain, never from free mail.
    ada = Contact.get(Contact.name == "Ada Lovelace")
    assert ada.company.name == "Acme"
    assert Contact.get(Contact.name == "Grace Hopper").company.name == "Globex"
    assert Contact.get(Contact.name == "Linus").company is None


def test_rerun_creates_no_duplicates(db, factory):
    org = factory.org()
    import_contacts(org.id, io.StringIO(GOOD_AND_BAD))
    again = import_contacts(org.id, io.StringIO(GOOD_AND_BAD))
    assert again.imported == 0
    assert again.skipped_existing == 3
    assert ContactAddress.select().where(ContactAddress.org == org.id).count() == 3
    assert Company.select().where(Company.org == org.id).count() == 2


@pytest.mark.parametrize(
    "content, message",
    [
        ("mail,name\nada@acme.example,Ada\n", "Missing column(s) email"),
        ("email,nmae\nada@acme.example,Ada\n", "Unknown column(s) nmae"),
        ("", "The file is empty"),
    ],
)
def test_wrong_columns_refuse_the_whole_file(db, factory, content, message):
    org = factory.org()
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_contacts(org.id, io.StringIO(content))
    assert Contact.select().count() == 0


def test_import_is_scoped_to_its_organisation(db, factory):
    first, second = factory.org(), factory.org()
    import_contacts(first.id, io.StringIO("email\nada@acme.example\n"))
    report = import_contacts(second.id, io.StringIO("email\nada@acme.example\n"))
    assert report.imported == 1
    assert ContactAddress.select().count() == 2
