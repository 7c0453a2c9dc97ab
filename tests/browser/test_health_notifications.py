"""Sync health and new-mail notifications in Chromium: a revoked grant in the Account screen and the badge; the feed after a sync."""

import datetime

import pytest
from selenium.webdriver.common.by import By

from threadbook import crypto
from threadbook.models import Contact, ContactAddress, Mailbox, User
from threadbook.sync.mailbox_sync import SyncSettings, sync_mailbox

from .harness import REP, in_db, run_async

pytestmark = pytest.mark.browser

BUYER = "nora.notify@customer.example"


def synced(stack, mailbox_id):
    return in_db(stack, lambda: sync_mailbox(mailbox_id, settings=SyncSettings.from_config(stack.app.config, sleep=lambda s: None)))


def prepare(stack):
    """REP owns a contact who writes; REP's mailbox syncs it, then Google revokes the grant and the next sync notices."""

    def setup():
        rep = User.get(User.email == REP["email"])
        contact = Contact.create(org=rep.org_id, name="Nora Notify", owner=rep.id)
        ContactAddress.create(org=rep.org_id, contact=contact.id, email=BUYER, email_normalized=BUYER, is_primary=True)
        token = stack.oauth.grant_refresh_token(REP["email"])
        return Mailbox.create(org=rep.org_id, user=rep.id, kind="oauth", refresh_token=crypto.encrypt(token), status="active").id

    mailbox_id = in_db(stack, setup)
    stack.mailbox.add_message(sender=f"Nora <{BUYER}>", to=[REP["email"]], subject="Ready to sign", date=datetime.datetime.now(datetime.UTC))
    assert synced(stack, mailbox_id).stored >= 1
    stack.oauth.revoke_user(REP["email"])
    assert synced(stack, mailbox_id).outcome == "needs_reconnect"


def badge(browser):
    return run_async(browser.in_panel(), "return await chrome.action.getBadgeText({});")


def test_a_revoked_grant_and_a_new_mail_notification(browser, stack):
    browser.sign_in()
    browser.wait_screen("no-thread")
    panel = browser.in_panel()
    prepare(stack)
    # The session changing in storage makes the worker and the panel ask again (else the next alarm would).
    run_async(panel, 'const {session} = await chrome.storage.session.get("session"); await chrome.storage.session.set({session: {...session, seen: 1}});')

    # The toolbar badge: "!" as sync needs reconnecting (it wins over the unread count).
    browser.wait(lambda: badge(browser) == "!", "the '!' badge", timeout=20)

    # The feed from the header: the broken sync's message, and the contact's mail.
    browser.wait(lambda: panel.find_element(By.ID, "open-feed").is_displayed(), "the Alerts button", timeout=20)
    browser.click("#open-feed")
    feed = lambda: panel.find_element(By.ID, "notification-feed").text  # noqa: E731
    browser.wait(lambda: "Ready to sign" in feed(), "the notification", timeout=20)
    assert "Nora Notify" in feed() and "reconnect Gmail" in feed()
    link = panel.find_element(By.CSS_SELECTOR, "#notification-feed li a")
    assert link.get_attribute("href").startswith("https://mail.google.com/mail/u/0/#all/")
    browser.click("#notification-feed li button")
    browser.wait(lambda: "Mark read" not in feed(), "marked read", timeout=20)

    # The Account screen says what happened and what to do.
    browser.click("#open-feed")
    browser.click("#open-account")
    browser.wait_screen("account")
    error = lambda: panel.find_element(By.ID, "mailbox-error").text  # noqa: E731
    browser.wait(lambda: error().startswith("Google revoked access on ") and error().endswith("reconnect Gmail."), "the health message", timeout=20)
    assert panel.find_element(By.ID, "mailbox-reconnect").is_displayed()
