"""The Account screen in Chromium: the built extension, the real backend, Google faked.

Connecting Gmail through the fake Google is in test_connect_mailbox.py; here
the backend's OAuth client secret is cleared, so ``connect/start`` answers
503 — which this test checks the panel shows as a message.
"""

import pytest
from selenium.webdriver.common.by import By

from threadbook.models import User

from .harness import REP, in_db

pytestmark = pytest.mark.browser

DOMAIN = "in.threadbook.test"


def text(browser, element_id):
    return browser.in_panel().find_element(By.ID, element_id).text


def visible_actions(browser):
    return browser.in_panel().execute_script(
        """return Array.from(document.querySelectorAll('[aria-labelledby="mailbox-title"] .account-actions [data-account-action]'))
             .filter((b) => !b.hidden).map((b) => b.dataset.accountAction);"""
    )


def test_the_account_screen(browser, stack, monkeypatch):
    stack.app.config["DROPBOX_DOMAIN"] = DOMAIN
    # A server without an OAuth client secret cannot connect mailboxes.
    monkeypatch.setitem(stack.app.config, "GOOGLE_CLIENT_SECRET", "")
    browser.sign_in()
    browser.wait_screen("no-thread")
    panel = browser.in_panel()
    assert panel.find_element(By.ID, "open-account").is_displayed()

    # Open it: not connected, and the dropbox address with its explanation.
    browser.click("#open-account")
    browser.wait_screen("account")
    browser.wait(lambda: text(browser, "mailbox-state") == "Not connected", "the mailbox state")
    browser.wait(lambda: DOMAIN in text(browser, "dropbox-address"), "the dropbox address")
    address = text(browser, "dropbox-address")
    assert address.endswith("@" + DOMAIN)
    assert "BCC this address to log a mail you send" in panel.find_element(By.CSS_SELECTOR, '[data-screen="account"]').text
    # Nothing to pause while not connected (issue 16).
    assert visible_actions(browser) == ["connect"]

    # Copy: a status message either way (headless Chromium may refuse the clipboard).
    browser.click('[data-account-action="copy"]')
    browser.wait(lambda: "cop" in text(browser, "account-message").lower(), "the copy message")

    # A pause made before connecting (the backend keeps the user's choice) can be undone from here.
    in_db(stack, lambda: User.update(sync_paused=True).where(User.email == REP["email"]).execute())
    browser.click("#account-back")
    browser.click("#open-account")
    browser.wait(lambda: visible_actions(browser) == ["connect", "resume"], "the Resume button")
    browser.click('[data-account-action="resume"]')
    browser.wait(lambda: visible_actions(browser) == ["connect"], "the paused state gone")
    assert in_db(stack, lambda: User.get(User.email == REP["email"]).sync_paused) is False
    assert ("POST", "/api/v1/mailbox/resume") in stack.requests

    # Connect: this server now has no OAuth client secret, so its message is shown.
    browser.click('[data-account-action="connect"]')
    browser.wait(lambda: "not set up on this server" in text(browser, "account-message"), "the 503 message")

    # A new dropbox address, after confirming.
    browser.click('[data-account-action="rotate"]')
    browser.wait(lambda: panel.find_element(By.ID, "rotate-confirm").is_displayed(), "the confirm step")
    browser.click('[data-account-action="confirm-rotate"]')
    browser.wait(lambda: text(browser, "dropbox-address") not in ("", address), "a new address")
    assert text(browser, "dropbox-address").endswith("@" + DOMAIN)

    # Opening a conversation meanwhile waits; Back shows it.
    browser.open_thread(stack.thread_ids[0])
    browser.wait(lambda: ("POST", "/api/v1/lookup") in stack.requests, "the lookup", timeout=10)
    assert browser.screen() == "account"
    browser.click("#account-back")
    browser.wait_thread(stack.thread_ids[0])


def test_allowing_labels_labels_the_next_logged_conversation(browser, stack):
    renewal = stack.thread_ids[0]
    browser.sign_in()
    browser.open_thread(None)
    browser.wait_screen("no-thread")

    # Signed in to read only, with no mailbox connected: logged conversations would not be labelled.
    browser.click("#open-account")
    browser.wait_screen("account")
    browser.wait(lambda: "not labelled in Gmail" in text(browser, "labels-state"), "the labels state")
    browser.click('[data-account-action="allow-labels"]')
    browser.wait(lambda: "with your Google access" in text(browser, "labels-state"), "labels allowed by Google")
    assert "will be labelled" in text(browser, "account-message")
    assert not browser.in_panel().find_element(By.CSS_SELECTOR, '[data-account-action="allow-labels"]').is_displayed()

    # The next log labels the conversation in Gmail with the widened token.
    browser.click("#account-back")
    browser.open_thread(renewal)
    browser.wait_thread(renewal)
    browser.click("#log-thread")
    browser.wait(lambda: browser.status().startswith("Conversation logged"), "the log to answer")
    assert browser.status() == "Conversation logged."
    box = stack.gmail.mailbox(REP["email"])
    label = box.label_by_name("Threadbook/Logged")
    assert label is not None and label["id"] in box.thread_labels(renewal)
