"""Changing the connected address: a renamed Google account, another mailbox the user owns, and the refusals."""

import pytest

from threadbook.db import database
from threadbook.jobs import tasks
from threadbook.models import AuditLog, Email, GmailLabel, Mailbox, MailboxMessage, User, UserAddress

from ...fakes.google_identity import session_body
from ..support.sync import ago, connect, run_sync

REDIRECT = "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/"
NEW = "rep.new@acme.example"


@pytest.fixture
def app_settings(sync_settings, google_identity):
    return {**sync_settings, "GOOGLE_CERTS_URL": google_identity.settings["GOOGLE_CERTS_URL"]}


def in_db(app, fn):
    with app.app_context():
        database.connect(reuse_if_open=True)
        return fn()


def logged_keys(app, user):
    return in_db(app, lambda: sorted(e.message_key for e in Email.select().where(Email.owner == user.id)))


def audit_actions(app, user):
    return in_db(app, lambda: [a.action for a in AuditLog.select().where(AuditLog.org == user.org_id).order_by(AuditLog.id)])


def with_mail(google, address, *senders, **kwargs):
    box = google.state.add_mailbox(address)
    for n, sender in enumerate(senders):
        box.add_message(sender=sender, to=[address], date=ago(days=n + 1), message_id=f"<mail-{n}@customer.example>", **kwargs)
    return box


def replace(client, google, user, headers, email=NEW, consent_as=None):
    """Start a switch to ``email``, consent at the fake Google as ``consent_as`` (default the same), finish; return the answer."""
    started = client.post("/api/v1/me/mailbox/replace", json={"email": email}, headers=headers)
    assert started.status_code == 200, started.get_json()
    code, state = google.oauth.approve(started.get_json()["authorization_url"], consent_as or email)
    return client.post("/api/v1/me/mailbox/replace/finish", json={"code": code, "state": state, "redirect_uri": REDIRECT}, headers=headers)


# -- case 2: another Google account the user owns ----------------------------------------------------


def test_switching_to_another_mailbox_keeps_history_without_duplicates_and_revokes_the_old_grant(app, client, google, rep, factory):
    with_mail(google, rep.email, "Buyer <buyer@customer.example>", "Other <other@customer.example>")
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    before = logged_keys(app, rep)
    [old_token] = google.oauth.live_refresh_tokens(rep.email)
    # The same two mails reached the new mailbox too (forwarded, or Cc'd), under Gmail ids that repeat the old ones.
    new_box = with_mail(google, NEW, "Buyer <buyer@customer.example>", "Other <other@customer.example>")
    new_box.add_message(sender="Fresh <fresh@customer.example>", to=[NEW], date=ago(hours=2), message_id="<fresh@customer.example>")

    response = replace(client, google, rep, factory.headers(rep))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["email"] == NEW and body["connected"] and body["status"] == "active" and body["backfill_done"]
    assert not body["old_grant_revocation_pending"]
    assert google.oauth.revoked_for(rep.email) == [old_token]  # the old grant is revoked at Google
    row = in_db(app, lambda: Mailbox.get(Mailbox.user == rep.id))
    assert row.id == mailbox.id  # the same mailbox row: its health and history go on
    assert row.refresh_token and google.oauth.live_refresh_tokens(NEW)  # the new grant is the one kept
    assert google.oauth.live_refresh_tokens(rep.email) == []
    after = logged_keys(app, rep)
    assert after == sorted([*before, "<fresh@customer.example>"])  # nothing duplicated, the new mail logged
    placed = in_db(app, lambda: MailboxMessage.select().where(MailboxMessage.user == rep.id).count())
    assert placed == 3  # every copy now sits in the new mailbox
    user = in_db(app, lambda: User.get_by_id(rep.id))
    assert user.email == NEW
    kept = in_db(app, lambda: [(a.email_normalized, a.kind) for a in UserAddress.select().where(UserAddress.user == rep.id)])
    assert kept == [("rep@acme.example", "signin")]
    assert {"mailbox.replaced", "user.address_changed", "mailbox.old_grant_revoked"} <= set(audit_actions(app, rep))

    # Syncing the new mailbox again stores nothing twice.
    run_sync(app, mailbox.id)
    assert logged_keys(app, rep) == after


def test_the_old_address_is_still_the_users_own_in_mail_and_lookups(app, client, google, factory):
    # A personal organisation: no domain says who is a colleague, only the members' addresses do.
    org = factory.org()
    solo, pal = factory.user(org, email="solo@gmail.com"), factory.user(org, email="pal@yahoo.example")
    google.state.add_mailbox(solo.email)
    connect(app, google, solo)
    box = google.state.add_mailbox("solo.new@gmail.com")
    box.add_message(sender=f"Solo <{solo.email}>", to=[pal.email], cc=["solo.new@gmail.com"], date=ago(hours=3), message_id="<internal@x>")
    headers = factory.headers(solo)

    assert replace(client, google, solo, headers, email="solo.new@gmail.com").status_code == 200

    assert logged_keys(app, solo) == []  # from the old address to a colleague: internal, left out
    found = client.post("/api/v1/lookup", json={"participants": [{"email": solo.email}, {"email": "solo.new@gmail.com"}]}, headers=headers)
    assert [p["kind"] for p in found.get_json()["participants"]] == ["self", "self"]
    as_seen_by_pal = client.post("/api/v1/lookup", json={"participants": [{"email": solo.email}]}, headers=factory.headers(pal))
    assert as_seen_by_pal.get_json()["participants"][0]["kind"] == "colleague"


def test_the_old_gmail_labels_are_forgotten_and_removed_when_the_organisation_chose_it(app, client, google, rep, factory, org):
    old_box = with_mail(google, rep.email, "Buyer <buyer@customer.example>")
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    assert old_box.label_by_name("Threadbook/Logged")
    in_db(app, lambda: org.__class__.update(remove_labels_on_disconnect=True).where(org.__class__.id == org.id).execute())
    google.state.add_mailbox(NEW)

    assert replace(client, google, rep, factory.headers(rep)).status_code == 200

    assert old_box.label_by_name("Threadbook/Logged") is None  # deleted in the old Gmail: off every thread at once
    assert "mailbox.labels_removed" in audit_actions(app, rep)
    ids = in_db(app, lambda: {label.gmail_label_id for label in GmailLabel.select().where(GmailLabel.user == rep.id)})
    assert not ids & set(old_box.labels)  # no id of the old Gmail is used for the new one


def test_revocation_failing_at_google_still_switches_and_is_retried(app, client, google, rep, factory):
    google.state.add_mailbox(rep.email)
    mailbox = connect(app, google, rep)
    [old_token] = google.oauth.live_refresh_tokens(rep.email)
    google.state.add_mailbox(NEW)
    google.oauth.fail_revocations = 1

    response = replace(client, google, rep, factory.headers(rep))

    assert response.status_code == 200 and response.get_json()["email"] == NEW
    assert response.get_json()["old_grant_revocation_pending"] is True
    assert google.oauth.live_refresh_tokens(rep.email) == [old_token]
    assert "mailbox.revoke_failed" in audit_actions(app, rep)
    assert client.get("/api/v1/mailbox", headers=factory.headers(rep)).get_json()["old_grant_revocation_pending"]

    assert in_db(app, lambda: tasks.retry_pending_revocations.call_local()) == 0  # the hourly retry

    assert google.oauth.revoked_for(rep.email) == [old_token]
    assert in_db(app, lambda: Mailbox.get_by_id(mailbox.id).pending_revocation) is None


# -- refusals --------------------------------------------------------------------------------------


def test_an_address_of_a_colleague_is_refused_with_409_and_nothing_changes(app, client, google, rep, factory, org):
    google.state.add_mailbox(rep.email)
    connect(app, google, rep)
    factory.user(org, email=NEW, name="Colleague Carol")

    response = client.post("/api/v1/me/mailbox/replace", json={"email": NEW}, headers=factory.headers(rep))

    assert response.status_code == 409 and response.get_json()["error"] == "address_taken"
    assert "Colleague Carol" in response.get_json()["message"] and "your organisation" in response.get_json()["message"]
    assert in_db(app, lambda: User.get_by_id(rep.id).email) == rep.email
    assert google.oauth.live_refresh_tokens(rep.email)


def test_an_address_of_another_organisation_is_refused_with_409(client, google, rep, factory):
    factory.user(factory.org(domain="elsewhere.example"), email=NEW)

    response = client.post("/api/v1/me/mailbox/replace", json={"email": NEW}, headers=factory.headers(rep))

    assert response.status_code == 409 and "another organisation" in response.get_json()["message"]


def test_an_address_taken_between_start_and_finish_is_refused_and_the_new_grant_revoked(app, client, google, rep, factory, org):
    google.state.add_mailbox(rep.email)
    connect(app, google, rep)
    google.state.add_mailbox(NEW)
    headers = factory.headers(rep)
    started = client.post("/api/v1/me/mailbox/replace", json={"email": NEW}, headers=headers).get_json()
    code, state = google.oauth.approve(started["authorization_url"], NEW)
    factory.user(org, email=NEW)

    response = client.post("/api/v1/me/mailbox/replace/finish", json={"code": code, "state": state, "redirect_uri": REDIRECT}, headers=headers)

    assert response.status_code == 409 and response.get_json()["error"] == "address_taken"
    assert google.oauth.live_refresh_tokens(NEW) == []  # the grant we will not keep
    assert google.oauth.live_refresh_tokens(rep.email)  # the old one still works: nothing changed
    assert in_db(app, lambda: User.get_by_id(rep.id).email) == rep.email


def test_consenting_as_another_account_than_asked_is_refused_and_revoked(app, client, google, rep, factory):
    google.state.add_mailbox(rep.email)
    connect(app, google, rep)
    google.state.add_mailbox("someone.else@gmail.com")

    response = replace(client, google, rep, factory.headers(rep), consent_as="someone.else@gmail.com")

    assert response.status_code == 400 and response.get_json()["error"] == "wrong_mailbox"
    assert google.oauth.live_refresh_tokens("someone.else@gmail.com") == []
    assert in_db(app, lambda: User.get_by_id(rep.id).email) == rep.email


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [({}, 400, "bad_request"), ({"email": "not an address"}, 400, "bad_request"), ({"email": "REP@acme.example"}, 400, "same_address")],
)
def test_bad_switch_requests_are_refused(client, rep, factory, body, status, error):
    response = client.post("/api/v1/me/mailbox/replace", json=body, headers=factory.headers(rep))
    assert response.status_code == status and response.get_json()["error"] == error, response.get_json()


def test_a_connect_state_cannot_finish_a_switch(client, google, rep, factory):
    headers = factory.headers(rep)
    started = client.post("/api/v1/mailbox/connect/start", json={}, headers=headers).get_json()
    code, state = google.oauth.approve(started["authorization_url"], rep.email)

    response = client.post("/api/v1/me/mailbox/replace/finish", json={"code": code, "state": state, "redirect_uri": REDIRECT}, headers=headers)

    assert response.status_code == 400 and response.get_json()["field"] == "state"


# -- case 1: the same Google account under a new address ---------------------------------------------------


def test_a_renamed_account_at_sign_in_changes_the_address_and_keeps_the_mailbox(app, client, google, google_identity, rep, factory):
    with_mail(google, rep.email, "Buyer <buyer@customer.example>")
    mailbox = connect(app, google, rep)
    run_sync(app, mailbox.id)
    before = (in_db(app, lambda: Mailbox.get_by_id(mailbox.id).history_id), logged_keys(app, rep))
    google.oauth.rename_account(rep.email, NEW)
    google.state.rename_mailbox(rep.email, NEW)
    google.state.mailbox(NEW).add_message(sender=f"Rep <{rep.email}>", to=["buyer@customer.example"], date=ago(hours=1), message_id="<from-old@x>")

    token = google_identity.mint_id_token(sub=rep.google_sub, email=NEW, hd="acme.example", name="Rep")
    response = client.post("/api/v1/session", json=session_body(token))

    assert response.status_code == 200 and response.get_json()["user"]["email"] == NEW
    assert in_db(app, lambda: Mailbox.get_by_id(mailbox.id).history_id) == before[0]  # no re-backfill
    report = run_sync(app, mailbox.id)
    assert report.outcome != "error", report.summary()
    assert logged_keys(app, rep) == sorted([*before[1], "<from-old@x>"])  # incremental: one new, none twice
    assert in_db(app, lambda: [a.email_normalized for a in UserAddress.select().where(UserAddress.user == rep.id)]) == [rep.email]
    assert "user.address_changed" in audit_actions(app, rep)


def test_a_renamed_account_at_connect_is_followed_without_a_new_backfill(app, client, google, rep, factory):
    google.oauth.set_account(rep.email, rep.google_sub)
    google.state.add_mailbox(rep.email)
    mailbox = connect(app, google, rep)
    in_db(app, lambda: Mailbox.update(status="needs_reconnect", history_id="1000", backfill_done=True).execute())
    google.oauth.rename_account(rep.email, NEW)
    google.state.rename_mailbox(rep.email, NEW)
    headers = factory.headers(rep)
    started = client.post("/api/v1/mailbox/connect/start", json={}, headers=headers).get_json()
    code, state = google.oauth.approve(started["authorization_url"], NEW)

    response = client.post("/api/v1/mailbox/connect/finish", json={"code": code, "state": state, "redirect_uri": REDIRECT}, headers=headers)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["email"] == NEW
    row = in_db(app, lambda: Mailbox.get_by_id(mailbox.id))
    assert row.backfill_done and row.account_sub == rep.google_sub


def test_a_rename_onto_a_colleagues_address_at_connect_is_409(app, client, google, rep, factory, org):
    google.oauth.set_account(rep.email, rep.google_sub)
    google.state.add_mailbox(rep.email)
    connect(app, google, rep)
    google.oauth.rename_account(rep.email, NEW)
    google.state.rename_mailbox(rep.email, NEW)
    factory.user(org, email=NEW)
    headers = factory.headers(rep)
    started = client.post("/api/v1/mailbox/connect/start", json={}, headers=headers).get_json()
    code, state = google.oauth.approve(started["authorization_url"], NEW)

    response = client.post("/api/v1/mailbox/connect/finish", json={"code": code, "state": state, "redirect_uri": REDIRECT}, headers=headers)

    assert response.status_code == 409 and response.get_json()["error"] == "address_taken"
    assert in_db(app, lambda: User.get_by_id(rep.id).email) == rep.email


def test_after_a_switch_a_renamed_sign_in_account_leaves_the_mailbox_address_alone(app, client, google, google_identity, rep, factory):
    google.state.add_mailbox(rep.email)
    connect(app, google, rep)
    google.state.add_mailbox(NEW)
    assert replace(client, google, rep, factory.headers(rep)).status_code == 200

    token = google_identity.mint_id_token(sub=rep.google_sub, email="rep.renamed@acme.example", hd="acme.example", name="Rep")
    response = client.post("/api/v1/session", json=session_body(token))

    assert response.get_json()["user"]["email"] == NEW  # still the connected mailbox's address
    kinds = in_db(app, lambda: {a.email_normalized: a.kind for a in UserAddress.select().where(UserAddress.user == rep.id)})
    assert kinds == {"rep@acme.example": "former", "rep.renamed@acme.example": "signin"}


def test_a_colleague_cannot_finish_someone_elses_switch(client, google, rep, factory, org):
    google.state.add_mailbox(NEW)
    started = client.post("/api/v1/me/mailbox/replace", json={"email": NEW}, headers=factory.headers(rep)).get_json()
    code, state = google.oauth.approve(started["authorization_url"], NEW)
    colleague = factory.user(org, email="colleague@acme.example", role="admin")

    response = client.post(
        "/api/v1/me/mailbox/replace/finish", json={"code": code, "state": state, "redirect_uri": REDIRECT}, headers=factory.headers(colleague)
    )

    assert response.status_code == 400 and response.get_json()["field"] == "state"  # even an administrator
    assert google.oauth.live_refresh_tokens(NEW) == []  # the code was never exchanged


def test_a_reply_to_mail_sent_from_the_old_address_goes_to_its_recipients(app, client, google, rep, factory):
    from threadbook.mail.messages import reply_recipients

    google.state.add_mailbox(rep.email)
    connect(app, google, rep)
    google.state.add_mailbox(NEW)
    assert replace(client, google, rep, factory.headers(rep)).status_code == 200

    def reply():
        sent = Email(from_email=rep.email, from_name="Rep", to=[{"name": "Buyer", "email": "buyer@customer.example"}])
        return reply_recipients(User.get_by_id(rep.id), sent)

    assert in_db(app, reply) == [("Buyer", "buyer@customer.example")]
