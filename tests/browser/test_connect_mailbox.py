"""Connecting Gmail for mail sync from the panel's Account screen, in Chromium, end to end.

The panel asks the backend to start (``connect/start``), the service worker
runs ``chrome.identity.launchWebAuthFlow`` on the authorisation URL, the fake
accounts.google.com consents and redirects to the extension's
``https://<id>.chromiumapp.org/`` with a code, and the panel finishes with the
backend (``connect/finish``), which exchanges the code at the fake token
endpoint with the PKCE verifier, checks the fake Gmail profile is the rep's,
stores the refresh token encrypted and runs the first sync (the harness's
queue is immediate). Then Disconnect, with its confirm step.
"""

import base64
import hashlib

import pytest
from selenium.webdriver.common.by import By

from threadbook import crypto
from threadbook.google import oauth
from threadbook.models import Email, Mailbox, MailboxMessage, User

from ..fakes.google_oauth import CLIENT_ID, CLIENT_SECRET
from .harness import EXTENSION_ID, REP
from .test_account import in_db, text, visible_actions

pytestmark = pytest.mark.browser

REDIRECT_URI = f"https://{EXTENSION_ID}.chromiumapp.org/"


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def rep_mailbox():
    return Mailbox.get_or_none(Mailbox.user == User.get(User.email == REP["email"]).id)


def logged_mail():
    user = User.get(User.email == REP["email"])
    return (Email.select().where(Email.org == user.org_id).count(), MailboxMessage.select().where(MailboxMessage.user == user.id).count())


def test_connecting_gmail_from_the_account_screen(browser, stack, monkeypatch):
    # The fake mailbox's mail is dated early 2026 (tests/fakes/gmail.py): reach back far enough to sync it.
    monkeypatch.setitem(stack.app.config, "SYNC_BACKFILL_DAYS", 3650)
    browser.sign_in()
    browser.wait_screen("no-thread")
    browser.click("#open-account")
    browser.wait_screen("account")
    browser.wait(lambda: text(browser, "mailbox-state") == "Not connected", "the mailbox state")
    assert in_db(stack, rep_mailbox) is None

    # Connect: Google's consent (the fake) answers at once; the first sync runs.
    browser.click('[data-account-action="connect"]')
    browser.wait(lambda: text(browser, "mailbox-state").startswith("Up to date"), f"the connected state (showing '{text(browser, 'mailbox-state')}')")
    assert "Gmail connected (rep@threadbook.test)" in text(browser, "account-message")
    assert visible_actions(browser) == ["sync", "pause", "disconnect"]
    assert ("POST", "/api/v1/mailbox/connect/start") in stack.requests
    assert ("POST", "/api/v1/mailbox/connect/finish") in stack.requests

    # The authorisation request: code flow, PKCE S256, offline access, to the extension's redirect URI.
    [asked] = stack.authorisations
    assert asked["response_type"] == "code"
    assert asked["client_id"] == CLIENT_ID
    assert asked["redirect_uri"] == REDIRECT_URI
    assert oauth.GMAIL_MODIFY in asked["scope"].split()
    assert asked["access_type"] == "offline"
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["state"] and asked["login_hint"] == REP["email"]

    # The exchange: the backend sent the verifier matching that challenge (the fake refuses any other).
    [exchange] = stack.oauth.exchanges
    assert exchange["code_verifier"] and s256(exchange["code_verifier"]) == asked["code_challenge"]
    assert exchange["redirect_uri"] == REDIRECT_URI
    assert exchange["client_id"] == CLIENT_ID and exchange["client_secret"] == CLIENT_SECRET
    [refresh_token] = stack.oauth.live_refresh_tokens(REP["email"])

    # Stored: an oauth mailbox whose refresh token is encrypted, not plain.
    def stored():
        mailbox = rep_mailbox()
        return mailbox, crypto.decrypt(mailbox.refresh_token)

    mailbox, decrypted = in_db(stack, stored)
    assert mailbox.kind == "oauth" and mailbox.status == "active"
    assert refresh_token not in mailbox.refresh_token and decrypted == refresh_token
    assert mailbox.backfill_done and mailbox.messages_synced > 0
    logged = in_db(stack, logged_mail)
    assert logged[0] > 0 and logged[1] > 0

    # Disconnect, after confirming: not connected any more, the grant revoked at Google, the mail kept.
    browser.click('[data-account-action="disconnect"]')
    panel = browser.in_panel()
    browser.wait(lambda: panel.find_element(By.ID, "disconnect-confirm").is_displayed(), "the confirm step")
    assert in_db(stack, rep_mailbox).status == "active"  # nothing happens before the confirm
    browser.click('[data-account-action="confirm-disconnect"]')
    browser.wait(lambda: text(browser, "mailbox-state") == "Disconnected", f"the disconnected state (showing '{text(browser, 'mailbox-state')}')")
    assert "Mail already logged is kept" in text(browser, "account-message")
    assert ("DELETE", "/api/v1/mailbox") in stack.requests
    mailbox = in_db(stack, rep_mailbox)
    assert mailbox.status == "disconnected" and mailbox.refresh_token is None
    assert stack.oauth.live_refresh_tokens(REP["email"]) == []
    assert in_db(stack, logged_mail) == logged
    assert "connect" in visible_actions(browser)
