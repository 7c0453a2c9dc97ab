"""The BCC dropbox: a real SMTP conversation (smtplib) with the dropbox server on a free local port."""

import smtplib
import threading
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

import pytest
import requests

from threadbook import crm
from threadbook.dropbox import ingest as ingest_module
from threadbook.dropbox.server import DropboxServer
from threadbook.models import BlockedAddress, Company, Contact, ContactAddress, Email, EmailParticipant, Lead, Note, User

from ..fakes.server import ServerThread

DOMAIN = "dropbox.threadbook.example"
REP = "rep@acme.example"


@pytest.fixture
def app_settings():
    return {"DROPBOX_DOMAIN": DOMAIN}


@pytest.fixture
def rep(factory, db):
    org = factory.org(name="Acme", domain="acme.example", default_visibility="private")
    user = factory.user(org, email=REP, name="Rep", dropbox_token="d1e2f3a4b5c6d7e8")
    factory.user(org, email="col@acme.example")
    return user


@pytest.fixture
def dropbox(app):
    with DropboxServer(app, "127.0.0.1", 0, workers=2) as server:
        yield server


def address_of(user):
    return f"{user.dropbox_token}@{DOMAIN}"


def mail(sender=f"Rep <{REP}>", to=("Ada <ada@globex.example>",), cc=(), subject="Proposal", body="Here it is.", message_id="<p1@acme.example>", **headers):
    message = EmailMessage()
    if sender:
        message["From"] = sender
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message["Date"] = "Mon, 02 Mar 2026 10:00:00 +0000"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def wire(message):
    """The message as it travels over SMTP (CRLF line ends)."""
    return message.as_bytes(policy=SMTP_POLICY)


def raw_mail(*headers, body=b"Here it is.\r\n"):
    """Build a message byte by byte: each header's value as given (str as UTF-8, or bytes), CRLF line ends."""
    lines = [name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()) for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def people(count, start=0):
    """``count`` distinct external recipients, as header entries."""
    return [f"Person {i} <p{i}@globex{i}.example>" for i in range(start, start + count)]


def converse(server, envelope_from, recipients, data):
    """Speak SMTP: return [(code, text)] for MAIL, each RCPT, and DATA (when a recipient was accepted)."""
    replies = []
    with smtplib.SMTP("127.0.0.1", server.port, timeout=20) as smtp:
        smtp.ehlo("client.example")
        replies.append(smtp.mail(envelope_from))
        accepted = False
        for recipient in recipients:
            reply = smtp.rcpt(recipient)
            replies.append(reply)
            accepted = accepted or reply[0] == 250
        if accepted:
            replies.append(smtp.data(data if isinstance(data, bytes) else wire(data)))
    return [(code, text.decode()) for code, text in replies]


def test_mail_from_the_owner_is_logged_and_unknown_recipients_become_contacts(dropbox, rep, db):
    known = crm.create_contact(rep.org_id, "Bob Known", ["bob@globex.example"])
    Lead.create(org=rep.org_id, name="Lee", email="lee@initech.example", email_normalized="lee@initech.example")
    message = mail(
        to=["Ada Lovelace <Ada@Globex.example>", "Bob <bob@globex.example>", "Col <col@acme.example>"],
        cc=["Lee <lee@initech.example>", "Zed <zed.x+crm@gmail.com>", f"My dropbox <{address_of(rep)}>"],
    )

    replies = converse(dropbox, REP, [address_of(rep)], message)

    assert replies[1] == (250, "2.1.5 OK")
    code, text = replies[-1]
    assert code == 250 and text.startswith("2.0.0 Logged as email ")
    email = Email.get()
    assert text.endswith(str(email.id))
    assert (email.source, email.owner_id, email.logged_by_id, email.subject) == ("dropbox", rep.id, rep.id, "Proposal")
    assert email.rfc_message_id == "<p1@acme.example>" and email.gmail_message_id is None and email.visibility == "private"
    roles = {(p.address_normalized, p.role) for p in EmailParticipant.select()}
    assert roles == {
        (REP, "from"),
        ("ada@globex.example", "to"),
        ("bob@globex.example", "to"),
        ("col@acme.example", "to"),
        ("lee@initech.example", "cc"),
        ("zedx@gmail.com", "cc"),
    }  # the dropbox address itself is no participant
    new = {a.email_normalized: a.contact for a in ContactAddress.select().join(Contact).where(Contact.id != known.id)}
    assert set(new) == {"ada@globex.example", "zedx@gmail.com"}  # not the colleague, the contact or the lead
    assert new["ada@globex.example"].name == "Ada Lovelace" and new["ada@globex.example"].owner_id == rep.id
    assert Company.get_by_id(new["ada@globex.example"].company_id).name == "Globex"
    assert new["zedx@gmail.com"].company_id is None  # free mail: no company
    assert Contact.select().count() == 3


def test_a_new_contact_sees_the_logged_mail_on_its_timeline(client, factory, dropbox, rep, db):
    converse(dropbox, REP, [address_of(rep)], mail())

    ada = ContactAddress.get(ContactAddress.email_normalized == "ada@globex.example").contact
    timeline = client.get(f"/api/v1/contacts/{ada.id}/timeline", headers=factory.headers(rep)).get_json()

    assert [(i["kind"], i["email"]["subject"], i["email"]["source"]) for i in timeline["items"]] == [("email", "Proposal", "dropbox")]


def test_the_same_mail_twice_is_accepted_and_stored_once(dropbox, rep, db):
    first = converse(dropbox, REP, [address_of(rep)], mail())
    second = converse(dropbox, REP, [address_of(rep)], mail())

    assert first[-1][0] == second[-1][0] == 250
    assert second[-1][1].startswith("2.0.0 Already logged as email ")
    assert Email.select().count() == 1 and Contact.select().count() == 1


def test_mail_without_a_message_id_is_still_recognised_when_sent_again(dropbox, rep, db):
    raw = wire(mail(message_id=None))

    first = converse(dropbox, REP, [address_of(rep)], raw)
    second = converse(dropbox, REP, [address_of(rep)], raw)

    assert first[-1][0] == 250 and "Already logged" in second[-1][1]
    assert Email.get().rfc_message_id.startswith("<dropbox.") and Email.select().count() == 1


def test_a_stranger_is_refused_at_rcpt(dropbox, rep, db):
    replies = converse(dropbox, "mallory@evil.example", [address_of(rep)], mail(sender="mallory@evil.example"))

    assert replies[1][0] == 550 and replies[1][1].startswith("5.7.1")
    assert len(replies) == 2  # no DATA
    assert Email.select().count() == 0
    with smtplib.SMTP("127.0.0.1", dropbox.port) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused):
        smtp.send_message(mail(sender="mallory@evil.example"), from_addr="mallory@evil.example", to_addrs=[address_of(rep)])


def test_a_colleague_cannot_use_someone_elses_dropbox(dropbox, rep, db):
    replies = converse(dropbox, "col@acme.example", [address_of(rep)], mail(sender="col@acme.example"))

    assert replies[1][0] == 550


def test_the_envelope_sender_is_compared_normalised(dropbox, factory, db):
    org = factory.org(name="Personal")
    user = factory.user(org, email="John.Doe@gmail.com", dropbox_token="aaaa0000bbbb1111")

    replies = converse(dropbox, "johndoe+crm@googlemail.com", [address_of(user)], mail(sender="John <john.doe@gmail.com>"))

    assert replies[1][0] == 250 and replies[-1][0] == 250


@pytest.mark.parametrize(
    "recipient",
    [f"0000000000000000@{DOMAIN}", f"{'d1e2f3a4b5c6d7e8'}@elsewhere.example", "rep@acme.example", f"@{DOMAIN}"],
)
def test_unknown_recipients_are_refused(dropbox, rep, db, recipient):
    replies = converse(dropbox, REP, [recipient], mail())

    assert replies[1][0] in (550, 553, 501), replies
    assert Email.select().count() == 0


def test_a_forged_header_from_is_refused(dropbox, rep, db):
    replies = converse(dropbox, REP, [address_of(rep)], mail(sender="CEO <ceo@acme.example>"))

    assert replies[-1][0] == 550 and replies[-1][1].startswith("5.7.1")
    assert Email.select().count() == 0 and Contact.select().count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        wire(mail(sender=None)),  # no From at all
        wire(mail(sender="not an address")),
        wire(mail(sender="a@one.example, b@two.example")),
        b"\x00\xff\xfe garbage without any header\r\n\r\n",
    ],
    ids=["no-from", "unparsable-from", "two-froms", "garbage"],
)
def test_malformed_mail_is_refused_and_nothing_is_stored(dropbox, rep, db, raw):
    replies = converse(dropbox, REP, [address_of(rep)], raw)

    assert replies[-1][0] == 554 and replies[-1][1].startswith("5.6.0")
    assert Email.select().count() == 0 and Contact.select().count() == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # heavy on the wire, not on the database
def test_mail_over_25_mb_is_refused_with_552(dropbox, rep, db):
    limit = 25 * 1024 * 1024
    big = mail()
    big.add_attachment(b"\0" * (limit // 4 * 3 + 1024), maintype="application", subtype="octet-stream", filename="big.bin")
    data = wire(big)
    assert len(data) > limit

    with smtplib.SMTP("127.0.0.1", dropbox.port, timeout=60) as smtp:
        smtp.ehlo()
        assert smtp.esmtp_features["size"] == str(limit)  # advertised
        # A client that declares the size is refused at once...
        with pytest.raises(smtplib.SMTPSenderRefused) as declared:
            smtp.sendmail(REP, [address_of(rep)], data)
        assert declared.value.smtp_code == 552
        # ...one that does not is refused after the data.
        smtp.rset()
        assert smtp.mail(REP)[0] == 250 and smtp.rcpt(address_of(rep))[0] == 250
        code, _ = smtp.data(data)
    assert code == 552
    assert Email.select().count() == 0


def test_mail_with_a_blocked_participant_is_refused(dropbox, rep, db):
    BlockedAddress.create(org=rep.org_id, user=None, pattern="globex.example")

    replies = converse(dropbox, REP, [address_of(rep)], mail())

    assert replies[-1][0] == 550 and "blocklist" in replies[-1][1]
    assert Email.select().count() == 0 and Contact.select().count() == 0


def test_a_failure_while_storing_stores_nothing_and_asks_to_retry(dropbox, rep, db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "store_gmail_messages", broken)

    replies = converse(dropbox, REP, [address_of(rep)], mail())

    assert replies[-1][0] == 451
    assert Email.select().count() == 0 and Contact.select().count() == 0 and Company.select().count() == 0


def test_the_dropbox_address_is_shown_and_can_be_replaced(client, factory, dropbox, rep, db):
    shown = client.get("/api/v1/dropbox", headers=factory.headers(rep)).get_json()
    rotated = client.post("/api/v1/dropbox/rotate", headers=factory.headers(rep)).get_json()

    assert shown == {"address": address_of(rep), "enabled": True, "max_bytes": 25 * 1024 * 1024}
    new_token = User.get_by_id(rep.id).dropbox_token
    assert rotated["address"] == f"{new_token}@{DOMAIN}" != shown["address"]
    assert converse(dropbox, REP, [shown["address"]], mail())[1][0] == 550
    assert converse(dropbox, REP, [rotated["address"]], mail())[-1][0] == 250


def test_without_a_dropbox_domain_there_is_no_address_and_the_server_will_not_start(app, client, factory, rep, db):
    app.config["DROPBOX_DOMAIN"] = ""

    shown = client.get("/api/v1/dropbox", headers=factory.headers(rep)).get_json()
    result = app.test_cli_runner().invoke(args=["dropbox", "--port", "0"])

    assert shown["address"] is None and shown["enabled"] is False
    assert result.exit_code != 0 and "THREADBOOK_DROPBOX_DOMAIN" in result.output


def test_answers_match_the_documented_schemas(app, client, factory, rep, db):
    from .test_openapi import ConformanceChecker

    checker = ConformanceChecker(app, client.get("/api/v1/openapi.json").get_json())
    for method, path in (("GET", "/api/v1/dropbox"), ("POST", "/api/v1/dropbox/rotate")):
        response = client.open(path, method=method, headers=factory.headers(rep))
        assert response.status_code == 200
        checker.check(method, path, response)


@pytest.mark.parametrize("count", [51, 6000], ids=["one-over-the-cap", "recipient-bomb"])
def test_more_recipients_than_the_cap_are_refused_and_nothing_is_stored(dropbox, rep, db, count):
    half = count // 2
    data = raw_mail(
        ("From", f"Rep <{REP}>"),
        ("To", ",\r\n ".join(people(half))),
        ("Cc", ",\r\n ".join(people(count - half, start=half) + [address_of(rep)])),  # the dropbox itself does not count
        ("Subject", "To everyone"),
        ("Message-ID", "<bomb@acme.example>"),
    )

    replies = converse(dropbox, REP, [address_of(rep)], data)

    assert replies[-1] == (550, "5.5.3 Too many recipients: at most 50 per message are logged; nothing was logged")
    assert Email.select().count() == 0 and Contact.select().count() == 0 and Company.select().count() == 0


def folded(value, width=900):
    """Fold a long header value onto lines SMTP accepts (at most 1,000 characters)."""
    return "\r\n ".join(value[i : i + width] for i in range(0, len(value), width))


@pytest.mark.parametrize("header", ["From", "To"])
def test_an_address_header_too_long_to_parse_is_refused_unparsed(dropbox, rep, db, monkeypatch, header):
    def unreachable(*args):
        raise AssertionError("the header was parsed")

    monkeypatch.setattr(ingest_module, "_addresses", unreachable)
    values = {"From": f"Rep <{REP}>", "To": "Ada <ada@globex.example>"}
    values[header] = folded('"' * 30000) + f" <{REP}>"  # quotes: the parser's slowest input

    replies = converse(dropbox, REP, [address_of(rep)], raw_mail(*values.items(), ("Subject", "Long")))

    assert replies[-1] == (554, f"5.6.0 The {header} header is longer than 20000 characters; nothing was logged")
    assert Email.select().count() == 0


def test_the_recipient_cap_is_a_setting(app, dropbox, rep, db):
    app.config["DROPBOX_MAX_RECIPIENTS"] = 2

    over = converse(dropbox, REP, [address_of(rep)], mail(to=people(2), cc=people(1, start=2), message_id="<over@acme.example>"))
    at = converse(dropbox, REP, [address_of(rep)], mail(to=people(2), cc=[f"Me <{address_of(rep)}>"], message_id="<at@acme.example>"))

    assert over[-1] == (550, "5.5.3 Too many recipients: at most 2 per message are logged; nothing was logged")
    assert at[-1][0] == 250 and Contact.select().count() == 2


def test_api_writes_succeed_while_a_message_at_the_cap_is_logged(app, factory, dropbox, rep, db, monkeypatch):
    """Notes posted to a real threaded server while the dropbox holds its write transaction all succeed."""
    target = crm.create_contact(rep.org_id, "Target", ["target@initech.example"])
    request_headers = factory.headers(rep)
    logging_contacts = threading.Event()
    create_contact = crm.create_contact

    def signalling_create_contact(*args, **kwargs):
        logging_contacts.set()  # the dropbox is inside its write transaction now
        return create_contact(*args, **kwargs)

    monkeypatch.setattr(crm, "create_contact", signalling_create_contact)
    statuses = []

    def write_notes(url, writer):
        assert logging_contacts.wait(60)
        for n in range(5):
            response = requests.post(f"{url}/api/v1/notes", json={"contact_id": target.id, "body": f"note {writer}.{n}"}, headers=request_headers, timeout=60)
            statuses.append(response.status_code)

    with ServerThread(app) as api:
        writers = [threading.Thread(target=write_notes, args=(api.url, w)) for w in range(4)]
        for writer in writers:
            writer.start()
        replies = converse(dropbox, REP, [address_of(rep)], mail(to=people(25), cc=people(25, start=25)))
        for writer in writers:
            writer.join(120)

    assert replies[-1][0] == 250
    assert statuses == [201] * 20
    assert Note.select().count() == 20 and Contact.select().count() == 51
