"""IMAP account routes against a real Dovecot: connect verifies the login first, bad input names its field, accounts are their owner's."""

import pytest

from threadbook.db import database
from threadbook.models import AuditLog, Email, ImapAccount

from ..support.imap import message

URL = "/api/v1/me/imap-accounts"


def _connect(client, factory, user, body):
    return client.post(URL, json=body, headers=factory.headers(user))


def test_connect_verifies_the_login_encrypts_the_password_and_syncs_matched_mail(client, factory, rep, mailbox, db):
    mailbox.append(message("Ann Buyer <ann@buyer.example>", "rep@acme.example", subject="Quote please"))
    mailbox.append(message("rep@acme.example", "ann@buyer.example", subject="Your quote"), folder="Sent")

    answer = _connect(client, factory, rep, mailbox.connect_body())

    assert answer.status_code == 201, answer.json
    account = answer.json
    assert account["status"] == "active" and account["username"] == mailbox.user and "password" not in account
    assert account["messages_synced"] == 2
    assert {f["role"] for f in account["folders"]} == {"inbox", "sent"}
    stored = ImapAccount.get_by_id(account["id"]).password
    assert stored and mailbox.password not in stored  # encrypted at rest
    subjects = {e.subject for e in Email.select().where(Email.owner == rep.id)}
    assert subjects == {"Quote please", "Your quote"}
    assert mailbox.password not in str([a.detail for a in AuditLog.select()])
    listed = client.get(URL, headers=factory.headers(rep)).json["accounts"]
    assert [a["id"] for a in listed] == [account["id"]] and "password" not in listed[0]


def test_implicit_tls_connects_with_the_trusted_certificate(client, factory, rep, mailbox, dovecot):
    answer = _connect(client, factory, rep, mailbox.connect_body(port=dovecot.tls_port, tls="tls"))
    assert answer.status_code == 201, answer.json


@pytest.mark.parametrize(
    "change, field",
    [
        ({"port": 0}, "port"),
        ({"port": 70000}, "port"),
        ({"port": "993"}, "port"),
        ({"host": ""}, "host"),
        ({"host": "imap example.com"}, "host"),
        ({"tls": "ssl"}, "tls"),
        ({"username": ""}, "username"),
        ({"password": "   "}, "password"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(client, factory, rep, mailbox, change, field, db):
    answer = _connect(client, factory, rep, mailbox.connect_body(**change))
    assert answer.status_code == 400, answer.json
    assert answer.json["field"] == field
    assert ImapAccount.select().count() == 0


def test_unknown_fields_are_refused(client, factory, rep, mailbox):
    answer = _connect(client, factory, rep, {**mailbox.connect_body(), "ssl": True})
    assert answer.status_code == 400


def test_wrong_password_answers_the_servers_refusal_and_saves_nothing(client, factory, rep, mailbox, db):
    answer = _connect(client, factory, rep, mailbox.connect_body(password="wrong"))
    assert answer.status_code == 400
    assert answer.json["error"] == "imap_login_failed" and answer.json["field"] == "password"
    assert "Authentication failed" in answer.json["message"]
    assert ImapAccount.select().count() == 0


def test_unreachable_host_and_tls_mismatch_are_clear_refusals(client, factory, rep, mailbox, dovecot):
    from ... import imap_server

    closed_port = imap_server.free_port()
    answer = _connect(client, factory, rep, mailbox.connect_body(port=closed_port, tls="tls"))
    assert (answer.status_code, answer.json["error"], answer.json["field"]) == (400, "imap_unreachable", "host")
    # Implicit TLS against the plain port: the handshake fails.
    answer = _connect(client, factory, rep, mailbox.connect_body(port=dovecot.port, tls="tls"))
    assert (answer.status_code, answer.json["error"]) == (400, "imap_tls_failed")


def test_untrusted_certificate_private_hosts_and_plain_imap_are_refused_by_default(app, client, factory, rep, mailbox, dovecot):
    app.config["IMAP_CA_FILE"] = ""
    answer = _connect(client, factory, rep, mailbox.connect_body(port=dovecot.tls_port, tls="tls"))
    assert (answer.status_code, answer.json["error"]) == (400, "imap_tls_failed")
    assert "certificate" in answer.json["message"]
    app.config["IMAP_ALLOW_PRIVATE_HOSTS"] = False
    answer = _connect(client, factory, rep, mailbox.connect_body())
    assert (answer.status_code, answer.json["error"], answer.json["field"]) == (400, "imap_host_not_allowed", "host")


def test_plain_imap_is_allowed_to_loopback_only(app, client, factory, rep, mailbox):
    answer = _connect(client, factory, rep, mailbox.connect_body(tls="none"))
    assert answer.status_code == 201, answer.json


def test_the_same_account_twice_is_a_conflict(client, factory, rep, mailbox):
    assert _connect(client, factory, rep, mailbox.connect_body()).status_code == 201
    answer = _connect(client, factory, rep, mailbox.connect_body())
    assert (answer.status_code, answer.json["error"]) == (409, "imap_account_exists")


def test_accounts_are_their_owners_colleagues_and_admins_get_404(client, factory, rep, colleague, admin, mailbox):
    account = _connect(client, factory, rep, mailbox.connect_body()).json
    one = f"{URL}/{account['id']}"
    for other in (colleague, admin):
        headers = factory.headers(other)
        assert client.get(one, headers=headers).status_code == 404
        assert client.patch(one, json={"port": 143}, headers=headers).status_code == 404
        assert client.post(one + "/sync", headers=headers).status_code == 404
        assert client.delete(one, headers=headers).status_code == 404
        assert client.get(URL, headers=headers).json == {"accounts": []}
    assert client.get(one, headers=factory.headers(rep)).status_code == 200


def test_admins_read_members_states_never_secrets(client, factory, rep, colleague, admin, mailbox):
    account = _connect(client, factory, rep, mailbox.connect_body()).json
    assert client.get("/api/v1/org/imap-accounts", headers=factory.headers(colleague)).status_code == 403
    listed = client.get("/api/v1/org/imap-accounts", headers=factory.headers(admin)).json["accounts"]
    assert [(a["id"], a["user_email"], a["status"]) for a in listed] == [(account["id"], "rep@acme.example", "active")]
    assert "password" not in listed[0] and mailbox.password not in str(listed)


def test_patch_verifies_a_new_password_before_saving_it(client, factory, rep, mailbox, db):
    account = _connect(client, factory, rep, mailbox.connect_body()).json
    one = f"{URL}/{account['id']}"
    headers = factory.headers(rep)
    mailbox.set_password("app-password-2")
    answer = client.patch(one, json={"password": "not-it"}, headers=headers)
    assert (answer.status_code, answer.json["error"]) == (400, "imap_login_failed")
    answer = client.patch(one, json={"password": "app-password-2"}, headers=headers)
    assert answer.status_code == 200 and answer.json["status"] == "active"
    assert client.patch(one, json={}, headers=headers).status_code == 400


def test_remove_erases_the_password_and_keeps_logged_mail(client, factory, rep, mailbox, db):
    mailbox.append(message("ann@buyer.example", "rep@acme.example"))
    account = _connect(client, factory, rep, mailbox.connect_body()).json
    assert client.delete(f"{URL}/{account['id']}", headers=factory.headers(rep)).status_code == 204
    assert ImapAccount.select().count() == 0
    assert Email.select().where(Email.owner == rep.id).count() == 1
    assert client.get(f"{URL}/{account['id']}", headers=factory.headers(rep)).status_code == 404


def test_sync_now_is_refused_while_paused_or_disabled(client, factory, rep, org, mailbox):
    from threadbook.models import Organization, User

    account = _connect(client, factory, rep, mailbox.connect_body()).json
    url = f"{URL}/{account['id']}/sync"
    assert client.post(url, headers=factory.headers(rep)).status_code == 202
    database.connect(reuse_if_open=True)
    User.update(sync_paused=True).where(User.id == rep.id).execute()
    assert client.post(url, headers=factory.headers(rep)).json["error"] == "sync_paused"
    User.update(sync_paused=False).where(User.id == rep.id).execute()
    Organization.update(sync_enabled=False).where(Organization.id == org.id).execute()
    answer = client.post(url, headers=factory.headers(rep))
    assert (answer.status_code, answer.json["error"]) == (409, "sync_disabled")
