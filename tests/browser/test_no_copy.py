"""No-copy mode in Chromium: the built extension, the real backend, Google and Gmail faked.

The rep logs "Renewal terms" with its content, becomes an administrator and
switches no-copy mode on from the admin page: the page first asks, naming
how many emails lose their content, and only the confirmation purges them.
Back in the panel, Ada's timeline says the content is in Gmail and loads it
live from the rep's own (fake) Gmail, as text. Each step is checked in the database.
"""

import pytest
from selenium.webdriver.common.by import By

from threadbook.models import AuditLog, Email, Organization, User

from .harness import EXTENSION_ORIGIN, REP, in_db

pytestmark = pytest.mark.browser

ADMIN_URL = f"{EXTENSION_ORIGIN}/extension/admin/admin.html"
ADA = '#participants li[data-email="ada@acme.example"]'


def copies(stack, thread_id):
    """[(snippet, content_stored)] of the thread's logged copies."""
    return in_db(stack, lambda: [(e.snippet, e.content_stored) for e in Email.select().where(Email.gmail_thread_id == thread_id).order_by(Email.date)])


def test_the_admin_switches_no_copy_mode_on_and_the_timeline_reads_content_live(browser, stack):
    renewal = browser.show_thread(stack.thread_ids[0])
    browser.click("#log-thread")
    browser.wait(lambda: browser.status().startswith("Conversation logged."), "the log to finish", timeout=15)
    stored = copies(stack, renewal)
    assert len(stored) == 2 and all(snippet and kept for snippet, kept in stored)
    in_db(stack, lambda: User.update(role="admin").where(User.email == REP["email"]).execute())
    emails = in_db(stack, lambda: Email.select().where(Email.org == User.get(User.email == REP["email"]).org_id).count())

    # The admin page asks first, naming how many emails lose their content.
    page = browser.in_panel()
    page.switch_to.new_window("tab")
    page.get(ADMIN_URL)
    browser.wait(lambda: page.execute_script("return document.body.dataset.ready") == "admin", "the admin page to load", timeout=15)
    section = page.find_element(By.ID, "no-copy")
    section.find_element(By.NAME, "no_copy_mode").click()
    section.find_element(By.CSS_SELECTOR, "form button").click()
    ask = browser.wait(lambda: (box := section.find_element(By.CSS_SELECTOR, "[data-confirm]")).is_displayed() and box, "the confirm step")
    assert f"{emails} logged emails" in ask.text and "cannot be brought back" in ask.text
    assert in_db(stack, lambda: Organization.get(Organization.id == User.get(User.email == REP["email"]).org_id).no_copy_mode) is False

    ask.find_element(By.CSS_SELECTOR, '[data-action="purge"]').click()
    browser.wait(lambda: section.find_element(By.CSS_SELECTOR, "[data-note]").text.startswith("Saved: the stored content of"), "the purge")
    assert copies(stack, renewal) == [("", False), ("", False)]
    assert in_db(stack, lambda: AuditLog.get(AuditLog.action == "org.content_purged").detail["emails"]) == emails
    page.close()
    page.switch_to.window(browser.panel)

    # Ada's timeline: the content is in Gmail, and loads live from the rep's own mailbox, as text.
    browser.show_thread(renewal)
    browser.click(f"{ADA} .timeline summary")
    show = browser.wait(
        lambda: (
            (b := page.find_element(By.XPATH, "//li[@data-email='ada@acme.example']//details[contains(@class,'timeline')]//li//button[.='Show content']")) and b
        ),
        "the timeline's 'Show content'",
    )
    assert "Content in Gmail" in show.find_element(By.XPATH, "./ancestor::li[1]").text
    seen = len(stack.requests)
    show.click()
    body = browser.wait(lambda: page.find_element(By.CSS_SELECTOR, f"{ADA} .timeline .live-body").text, "the content read live", timeout=15)
    assert body == "About Renewal terms"  # the fake Gmail's text of the rep's own copy
    assert any(path.endswith("/content") for _, path in stack.requests[seen:])
    assert copies(stack, renewal) == [("", False), ("", False)]  # read, never stored
