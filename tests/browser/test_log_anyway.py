"""A conversation mail sync left out (no person wrote it) says why in the panel, and "Log anyway" logs it."""

import pytest
from selenium.webdriver.common.by import By

from threadbook.models import Email, FilteredThread, User

from .harness import REP, in_db

pytestmark = pytest.mark.browser


def text(browser, element_id):
    return browser.in_panel().find_element(By.ID, element_id).text


def test_a_filtered_thread_says_why_and_log_anyway_logs_it(browser, stack):
    thread_id = stack.thread_ids[0]
    browser.sign_in()
    rep = in_db(stack, lambda: User.get(User.email == REP["email"]))
    in_db(stack, lambda: FilteredThread.create(org=rep.org_id, user=rep.id, gmail_thread_id=thread_id, reason="role_address", detail="noreply@shop.example"))

    browser.open_thread(thread_id)
    browser.wait_thread(thread_id)
    browser.wait(lambda: text(browser, "log-thread") == "Log anyway", "the Log anyway button")
    assert "noreply@shop.example" in text(browser, "thread-filtered")

    browser.click("#log-thread")
    browser.wait(
        lambda: in_db(stack, lambda: Email.select().where((Email.owner == rep.id) & (Email.gmail_thread_id == thread_id)).count()) > 0, "the thread logged"
    )
    browser.wait(lambda: text(browser, "log-thread") == "Log new messages", "the logged state")
    assert not browser.in_panel().find_element(By.ID, "thread-filtered").is_displayed()
