"""Sync schedules in Chromium: the built extension, the real backend, Google faked.

An administrator sets the organisation's mail schedule to 2 hours on the admin
page; the rep picks "manual" for their own mail on the Account screen and
connects Gmail. A new message reaches the fake Gmail: the periodic tick
leaves it alone (manual never runs by itself); "Sync now" logs it.
"""

import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from threadbook.jobs import tasks
from threadbook.models import Email, Organization, User

from .harness import REP, in_db
from .test_account import text
from .test_admin_page import ADMIN_URL, close_tab, note, open_in_tab

pytestmark = pytest.mark.browser

SUBJECT = "Quote for the spring order"


def logged(stack):
    return in_db(stack, lambda: Email.select().where(Email.subject == SUBJECT).count())


def tick(stack):
    """Run the periodic mail fan-out once, as a worker's 5-minute tick would; return how many mailboxes it queued."""

    def run():
        tasks.bind_app(stack.app)
        return tasks.schedule_syncs.call_local()

    return in_db(stack, run)


def part_note(panel):
    return panel.find_element(By.CSS_SELECTOR, "#sync-schedule-part [data-note]").text


def test_admin_default_user_manual_tick_skips_and_sync_now_runs(browser, stack, monkeypatch):
    monkeypatch.setitem(stack.app.config, "SYNC_BACKFILL_DAYS", 3650)  # the fake mailbox's mail is from early 2026
    browser.sign_in()
    browser.wait_screen("no-thread")
    in_db(stack, lambda: User.update(role="admin").where(User.email == REP["email"]).execute())

    # The administrator's default: mail every 2 hours.
    page = open_in_tab(browser, ADMIN_URL)
    browser.wait(
        lambda: page.execute_script("return document.getElementById('sync-schedules')?.dataset.ready") == "true", "the sync schedules section", timeout=20
    )
    Select(page.find_element(By.CSS_SELECTOR, '#sync-schedules [name="mail_schedule"]')).select_by_value("2h")
    page.find_element(By.CSS_SELECTOR, "#sync-schedules button.primary").click()
    browser.wait(lambda: note(page, "sync-schedules") == "Sync schedules saved.", "the save", timeout=20)
    assert in_db(stack, lambda: Organization.get(Organization.domain == REP["hd"]).mail_schedule) == "2h"
    close_tab(browser, page)

    # The rep's own choice on the Account screen: manual; the organisation's default is named.
    browser.click("#open-account")
    browser.wait_screen("account")
    panel = browser.in_panel()
    browser.wait(lambda: panel.find_elements(By.CSS_SELECTOR, '#sync-schedule-part [name="mail_schedule"]'), "the sync schedule part", timeout=20)
    mail = Select(panel.find_element(By.CSS_SELECTOR, '#sync-schedule-part [name="mail_schedule"]'))
    assert mail.first_selected_option.text == "Organisation default (every 2 hours)"
    mail.select_by_value("manual")
    browser.wait(lambda: part_note(panel) == "Mail: Only when I click Sync now.", "the choice saved", timeout=20)
    assert in_db(stack, lambda: User.get(User.email == REP["email"]).mail_schedule) == "manual"

    # Connect Gmail (the first sync runs at once), then new mail arrives.
    browser.click('[data-account-action="connect"]')
    browser.wait(lambda: text(browser, "mailbox-state").startswith("Up to date"), "the connected state", timeout=20)
    stack.mailbox.add_message(
        sender="Ada Buyer <ada@customer.example>", to=[REP["email"]], subject=SUBJECT, date=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=2)
    )

    # The tick: manual never runs by itself, so the new message is not logged.
    assert tick(stack) == 0
    assert logged(stack) == 0

    # Sync now runs it: the message is logged, and the part says when mail last ran.
    panel.find_element(By.CSS_SELECTOR, '#sync-schedule-part [data-sync-now="mail"]').click()
    browser.wait(lambda: logged(stack) == 1, "the message logged by Sync now", timeout=30)
    browser.wait(lambda: part_note(panel) in ("Mail sync queued.", "Mail sync is already queued."), "Sync now's answer", timeout=20)
    browser.wait(lambda: "Last run" in panel.find_element(By.CSS_SELECTOR, '#sync-schedule-part [data-kind="mail"]').text, "the last run", timeout=20)
    assert ("POST", "/api/v1/me/sync") in stack.requests
    assert tick(stack) == 0  # still manual
