"""mail_store: parse Gmail message resources and store them once, whoever stores them and how often."""

import datetime

import pytest

from threadbook.mail.store import extract_body, html_to_text, parse_gmail_message, store_gmail_messages
from threadbook.models import Email, EmailParticipant, MailboxMessage

from ...fakes.gmail_messages import _render
from ...fakes.gmail_store import FakeMailbox


@pytest.fixture
def box():
    return FakeMailbox("rep@us.example")


@pytest.fixture
def org_and_rep(factory, db):
    org = factory.org(domain="us.example", default_visibility="team_full")
    return org, factory.user(org, email="rep@us.example")


def test_parse_reads_headers_date_snippet_and_people(box):
    message = box.add_message(
        sender='"Lovelace, Ada" <Ada@Acme.example>',
        to=["rep@us.example", "Bob <bob@acme.example>"],
        cc=["undisclosed-recipients:;"],
        subject="=?UTF-8?Q?Caf=C3=A9_plans?=",
        body="Tom & Jerry's <plan>",
        date=datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        in_reply_to="<parent@mail.example>",
    )
    parsed = parse_gmail_message(_render(message, "metadata", ()))

    assert parsed.subject == "Café plans"  # RFC 2047 words decoded should Gmail pass them through
    assert (parsed.from_name, parsed.from_email) == ("Lovelace, Ada", "Ada@Acme.example")
    assert parsed.to == [("", "rep@us.example"), ("Bob", "bob@acme.example")]
    assert parsed.date == datetime.datetime(2026, 1, 5, 8, 0)  # naive UTC, from internalDate
    assert parsed.snippet == "Tom & Jerry's <plan>"  # Gmail's HTML escaping undone
    assert parsed.rfc_message_id == message["payload"]["headers"][2]["value"]
    assert parsed.in_reply_to == "<parent@mail.example>"
    assert parsed.body is None


def test_bodies_prefer_plain_text_and_reduce_html_to_text(box):
    both = box.add_message(sender="a@x.example", body="plain", html_body="<p>html</p>")
    assert extract_body(both["payload"]) == "plain"
    assert html_to_text("<style>p{}</style><p>One&nbsp;two</p><div>Three<br>four</div><script>x()</script>") == "One two\nThree\nfour"
    assert extract_body({"mimeType": "multipart/mixed", "parts": [{"mimeType": "text/plain", "filename": "a.txt", "body": {"data": "eA"}}]}) is None


def test_storing_twice_creates_nothing_the_second_time(org_and_rep, box):
    org, rep = org_and_rep
    box.add_thread(3, sender="Ada <ada@acme.example>", to=["rep@us.example"])
    messages = [_render(m, "metadata", ()) for m in box.messages.values()]

    created, existing = store_gmail_messages(org, rep, rep, messages)
    again = store_gmail_messages(org, rep, rep, messages + messages)

    assert len(created) == 3 and existing == []
    assert again.created == [] and [e.id for e in again.existing] == [e.id for e in created]
    assert again.linked == []
    assert Email.select().count() == 3
    assert MailboxMessage.select().count() == 3
    assert EmailParticipant.select().count() == 6
    assert {e.visibility for e in created} == {"team_full"}  # the organisation's default


def test_the_same_mail_in_two_mailboxes_is_two_copies_each_from_its_own_mailbox(org_and_rep, box, factory):
    org, rep = org_and_rep
    colleague = factory.user(org, email="col@us.example")
    other_box = FakeMailbox("col@us.example")
    mine = box.add_message(sender="ada@acme.example", to=["rep@us.example", "col@us.example"], message_id="<same@acme.example>", body="mine")
    theirs = other_box.add_message(sender="ada@acme.example", to=["rep@us.example", "col@us.example"], message_id="<same@acme.example>", body="theirs")

    first = store_gmail_messages(org, rep, rep, [mine], visibility="private")
    second = store_gmail_messages(org, colleague, colleague, [theirs], source="sync")

    # One row per holder under the shared key; neither call touched or reported the other's row.
    assert second.linked == [] and second.created[0].id != first.created[0].id
    copies = {e.owner_id: e for e in Email.select()}
    assert set(copies) == {rep.id, colleague.id}
    assert {e.message_key for e in copies.values()} == {"<same@acme.example>"}
    assert (copies[rep.id].snippet, copies[rep.id].visibility) == ("mine", "private")
    assert copies[colleague.id].snippet == "theirs"
    assert {(m.user_id, m.gmail_message_id, m.email_id) for m in MailboxMessage.select()} == {
        (rep.id, mine["id"], copies[rep.id].id),
        (colleague.id, theirs["id"], copies[colleague.id].id),
    }


def test_mail_without_a_message_id_is_keyed_by_mailbox(org_and_rep, box):
    org, rep = org_and_rep
    message = box.add_message(sender="ada@acme.example", to=["rep@us.example"], message_id="")
    [email], _ = store_gmail_messages(org, rep, rep, [message])
    assert email.message_key == f"gmail:{rep.id}:{message['id']}"
    assert email.rfc_message_id is None


def test_mail_without_a_gmail_id_has_no_mailbox_place(org_and_rep, box):
    org, rep = org_and_rep
    message = box.add_message(sender="ada@acme.example", to=["x@y.example"])
    message["id"] = None  # as the dropbox's copy: it sits in no mailbox
    created, _ = store_gmail_messages(org, rep, rep, [message], source="dropbox")
    assert created[0].owner_id == rep.id and created[0].source == "dropbox"
    assert MailboxMessage.select().count() == 0


def test_mail_without_an_owner_is_refused(org_and_rep, box):
    org, rep = org_and_rep
    with pytest.raises(ValueError, match="owner"):
        store_gmail_messages(org, None, rep, [box.add_message(sender="ada@acme.example", to=["x@y.example"])])
    assert Email.select().count() == 0


def test_an_empty_list_stores_nothing(org_and_rep):
    org, rep = org_and_rep
    assert tuple(store_gmail_messages(org, rep, rep, [])) == ([], [])


def test_over_long_message_ids_and_names_fit_their_columns_on_every_database(org_and_rep, box):
    """A sender may write a Message-ID or a name of any length; PostgreSQL's columns hold 255."""
    org, rep = org_and_rep
    long_id = "<" + "x" * 400 + "@acme.example>"
    first = box.add_message(sender=f"{'N' * 300} <ada@acme.example>", to=["rep@us.example"], message_id=long_id, in_reply_to=long_id)
    again = box.add_message(sender="ada@acme.example", to=["rep@us.example"], message_id=long_id)
    other = box.add_message(sender="ada@acme.example", to=["rep@us.example"], message_id=long_id[:-14] + "y@acme.example>")

    [email], _ = store_gmail_messages(org, rep, rep, [first])
    created, existing = store_gmail_messages(org, rep, rep, [again, other])

    assert len(email.message_key) <= 255 and email.message_key == email.rfc_message_id == email.in_reply_to
    assert len(email.from_name) == 255
    # The same long id is still the same mail; a different one is another.
    assert [e.id for e in existing] == [email.id] and len(created) == 1 and created[0].message_key != email.message_key
