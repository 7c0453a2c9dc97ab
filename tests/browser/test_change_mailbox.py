"""Changing the connected mailbox to another Google account from the Account screen, in Chromium, on the fakes.

The rep connects Gmail, then "Change mailbox…" shows the current address and
what will happen; they type another address of theirs, the fake Google
consents as that account, and the backend switches: the new address is shown,
the old grant is revoked at the fake token endpoint, and the same mail found
again in the new mailbox is not logged twice.
"""

import datetime

import pytest
from selenium.webdriver.common.by import By

from threadbook.models import AuditLog, Email, Mailbox, User

from .harness import REP
from .test_account import in_db, text

pytestmark = pytest.mark.browser

NEW = "rep.personal@threadbook.test"


def rep():
    return User.get_by_id(Mailbox.get().user_id)


def copy_mailbox(old_box, new_box):
    """The new mailbox holds the same mail (same Message-IDs), under its own Gmail ids."""
    for message in list(old_box.messages.values()):
        headers = {h["name"]: h["value"] for h in message["payload"]["headers"]}
        date = datetime.datetime.fromtimestamp(int(message["internalDate"]) / 1000, datetime.UTC)
        new_box.add_message(
            sender=headers["From"],
            to=[headers["To"]] if headers.get("To") else [],
            cc=[headers["Cc"]] if headers.get("Cc") else [],
            subject=headers.get("Subject", ""),
            date=date,
            message_id=headers["Message-ID"],
        )


def test_changing_the_mailbox_from_the_account_screen(browser, stack, monkeypatch):
    monkeypatch.setitem(stack.app.config, "SYNC_BACKFILL_DAYS", 3650)  # the fake mail is dated early 2026
    browser.sign_in()
    browser.wait_screen("no-thread")
    browser.click("#open-account")
    browser.wait_screen("account")
    browser.click('[data-account-action="connect"]')
    browser.wait(lambda: text(browser, "mailbox-state").startswith("Up to date"), "the connected state")
    logged = in_db(stack, lambda: Email.select().count())
    assert logged > 0
    [old_token] = stack.oauth.live_refresh_tokens(REP["email"])
    copy_mailbox(stack.mailbox, stack.gmail.add_mailbox(NEW))
    monkeypatch.setattr(stack, "consent_as", NEW)

    # The form: the current address and what will happen, loaded on first use.
    browser.click("#change-mailbox-open")
    panel = browser.in_panel()
    browser.wait(lambda: panel.find_elements(By.ID, "change-mailbox"), "the Change mailbox form")
    assert text(browser, "change-mailbox-current") == f"Now connected: {REP['email']}"
    assert "nothing is logged twice" in panel.find_element(By.ID, "change-mailbox").text
    panel.find_element(By.ID, "change-mailbox-email").send_keys(NEW)
    panel.find_element(By.CSS_SELECTOR, '#change-mailbox button[type="submit"]').click()

    browser.wait(lambda: "Mailbox changed" in text(browser, "account-message"), f"the switch (showing '{text(browser, 'account-message')}')")
    assert NEW in text(browser, "account-message")
    browser.wait(lambda: text(browser, "mailbox-email") == f"Mailbox: {NEW}", "the new address")
    assert not panel.find_elements(By.ID, "change-mailbox")  # the form closed
    assert ("POST", "/api/v1/me/mailbox/replace") in stack.requests
    assert ("POST", "/api/v1/me/mailbox/replace/finish") in stack.requests
    assert stack.authorisations[-1]["login_hint"] == NEW

    # At the backend: the address changed, the old grant revoked, the same mail not logged twice, audited.
    assert in_db(stack, lambda: rep().email) == NEW
    assert stack.oauth.revoked_for(REP["email"]) == [old_token]
    assert stack.oauth.live_refresh_tokens(NEW)
    assert in_db(stack, lambda: Email.select().count()) == logged
    assert in_db(stack, lambda: AuditLog.select().where(AuditLog.action == "mailbox.replaced").count()) == 1
