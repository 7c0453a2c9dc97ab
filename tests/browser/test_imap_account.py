"""Connecting an IMAP mailbox from the Account screen in Chromium, against a real Dovecot; its mail then shows in the panel.

The built extension, the real backend (Google faked) and Debian's Dovecot
(tests/imap_server.py). The rep adds the mailbox (host, port, STARTTLS,
username, app password): a wrong password first, shown as the server said it,
then the right one; the first sync runs at once, and Grace's mail from that
mailbox appears in her card's timeline on the "Pilot scope" conversation.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from threadbook.models import Email, ImapAccount

from .. import imap_server
from ..backend.support.imap import Mailbox, message
from .harness import in_db

pytestmark = pytest.mark.browser

GRACE = '#participants li[data-email="grace@globex.example"]'
SUBJECT = "Pilot pricing, sent from Fastmail"


@pytest.fixture(scope="module")
def dovecot():
    if not imap_server.available():
        pytest.skip(imap_server.SKIP_REASON)
    with imap_server.DovecotServer() as server:
        yield server


def js(browser, script, *args):
    return browser.in_panel().execute_script(script, *args)


def test_connect_an_imap_mailbox_and_see_its_mail_in_the_timeline(browser, stack, dovecot):
    stack.app.config.update(IMAP_CA_FILE=dovecot.cert_path, IMAP_ALLOW_PRIVATE_HOSTS=True)
    dovecot.add_user("rita", "app-password")
    mailbox = Mailbox(dovecot, "rita", "app-password")
    mailbox.append(message("Grace Hopper <grace@globex.example>", "Rita Rep <rep@threadbook.test>", subject=SUBJECT, body="Our pilot price."))

    browser.sign_in()
    browser.click("#open-account")
    browser.wait_screen("account")
    panel = browser.in_panel()
    add = browser.wait(lambda: panel.find_element(By.XPATH, "//section[@id='imap-part']//button[.='Add a mailbox']"), "the IMAP part to load")
    assert panel.find_element(By.ID, "imap-title").text == "Other mailboxes (IMAP)"
    add.click()
    form = panel.find_element(By.CSS_SELECTOR, "#imap-part form")
    form.find_element(By.NAME, "host").send_keys("127.0.0.1")
    Select(form.find_element(By.NAME, "tls")).select_by_value("starttls")
    port = form.find_element(By.NAME, "port")
    assert port.get_attribute("value") == "143"  # the TLS mode's usual port
    port.clear()
    port.send_keys(str(dovecot.port))
    form.find_element(By.NAME, "username").send_keys("rita")
    form.find_element(By.NAME, "password").send_keys("not-the-password")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    alert = lambda: form.find_element(By.CSS_SELECTOR, "[role=alert]").text  # noqa: E731
    browser.wait(lambda: "Authentication failed" in alert(), "the server's refusal", timeout=30)
    assert in_db(stack, lambda: ImapAccount.select().count()) == 0

    password = form.find_element(By.NAME, "password")
    password.clear()
    password.send_keys("app-password")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    row = browser.wait(lambda: panel.find_element(By.CSS_SELECTOR, "#imap-part li.imap-account"), "the connected account", timeout=30)
    assert "rita at 127.0.0.1" in row.text
    assert "1 message logged" in row.find_element(By.CSS_SELECTOR, '[data-field="state"]').text
    assert not form.is_displayed() and form.find_element(By.NAME, "password").get_attribute("value") == ""
    assert in_db(stack, lambda: Email.get(Email.subject == SUBJECT).source) == "sync"

    browser.click("#account-back")
    browser.show_thread(stack.thread_ids[1])  # "Pilot scope", with Grace
    if not js(browser, "return document.querySelector(arguments[0]).open", f"{GRACE} .timeline"):
        browser.click(f"{GRACE} .timeline summary")
    browser.wait(
        lambda: any(SUBJECT in item.text for item in panel.find_elements(By.CSS_SELECTOR, f"{GRACE} .timeline li")),
        "the IMAP mail in Grace's timeline",
        timeout=20,
    )
