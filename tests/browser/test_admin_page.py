"""The admin page in Chromium: the built extension, the real backend, Google faked.

The rep signs in as a member first: the Account screen offers no admin page,
and the page itself shows only "Only administrators…" and their own settings,
asking the backend for nothing of the organisation. Made an administrator,
the rep opens it from the Account screen, changes a setting and the deal
stages, a colleague's role, adds and removes a blocklist entry, filters the
audit log and reads a colleague's mailbox state and last error; each step is
checked in the database.
"""

import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from threadbook.models import BlockedAddress, Mailbox, Organization, User

from .harness import EXTENSION_ORIGIN, REP, in_db

pytestmark = pytest.mark.browser

ADMIN_URL = f"{EXTENSION_ORIGIN}/extension/admin/admin.html"
REVOKED = "invalid_grant: Token has been expired or revoked."


def rep(stack):
    return in_db(stack, lambda: User.get(User.email == REP["email"]))


def org_requests(stack, since):
    """The organisation routes the backend was asked for after request number ``since``."""
    return [(method, path) for method, path in stack.requests[since:] if path.startswith("/api/v1/org") or path.startswith("/api/v1/blocklist")]


def open_in_tab(browser, url):
    """Open ``url`` in a new tab of the panel's window and stay there."""
    driver = browser.in_panel()
    driver.switch_to.new_window("tab")
    driver.get(url)
    return driver


def admin_tabs(driver):
    """The DevTools ids of the tabs showing the admin page."""
    targets = driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
    return [t["targetId"] for t in targets if t["type"] == "page" and t["url"] == ADMIN_URL]


def wait_ready(browser, driver, who):
    browser.wait(lambda: driver.execute_script("return document.body.dataset.ready") == who, f"the admin page to load for an {who}", timeout=15)


def note(driver, section):
    return driver.find_element(By.CSS_SELECTOR, f"#{section} [data-note]").text


def close_tab(browser, driver):
    driver.close()
    driver.switch_to.window(browser.panel)


@pytest.fixture
def colleague(stack):
    """A member of the rep's organisation whose mailbox lost Google's access."""

    def make():
        org_id = User.get(User.email == REP["email"]).org_id
        user, _ = User.get_or_create(
            email="cole@threadbook.test",
            defaults={"org": org_id, "google_sub": "browser-colleague", "email_normalized": "cole@threadbook.test", "name": "Cole Colleague"},
        )
        Mailbox.get_or_create(user=user, defaults={"org": org_id, "status": "needs_reconnect", "messages_synced": 42, "last_error": REVOKED})
        return user

    return in_db(stack, make)


def test_a_member_sees_only_their_own_settings(browser, stack):
    browser.sign_in()
    browser.wait(lambda: browser.screen() in ("no-thread", "thread"), "the panel to be signed in")
    assert rep(stack).role == "member"
    browser.click("#open-account")
    browser.wait_screen("account")
    browser.wait(lambda: browser.in_panel().find_element(By.ID, "sharing-part").is_displayed(), "the Account screen to load")
    assert not browser.in_panel().find_element(By.ID, "open-admin").is_displayed()
    browser.click("#account-back")

    # Opened anyway (its address is no secret): the member sees their own settings and nothing of the organisation.
    seen = len(stack.requests)
    page = open_in_tab(browser, ADMIN_URL)
    wait_ready(browser, page, "member")
    assert page.find_element(By.ID, "not-admin").text.startswith("Only administrators")
    assert page.find_element(By.ID, "my-settings").is_displayed()
    assert not page.find_element(By.ID, "admin").is_displayed()
    assert page.find_element(By.ID, "org-name").text == ""
    assert ("GET", "/api/v1/me") in stack.requests[seen:]
    assert org_requests(stack, seen) == []

    # Their own default sharing is theirs to change.
    Select(page.find_element(By.CSS_SELECTOR, "#my-settings select")).select_by_visible_text("Only me")
    page.find_element(By.CSS_SELECTOR, "#my-settings button").click()
    browser.wait(lambda: note(page, "my-settings").startswith("Saved"), "the confirmation")
    assert rep(stack).default_visibility == "private"
    # The backend refuses the organisation's routes to a member anyway.
    status = page.execute_async_script(
        """const done = arguments[0];
        chrome.storage.session.get('session').then(({session}) =>
          fetch('http://127.0.0.1:5000/api/v1/org/audit', {headers: {Authorization: 'Bearer ' + session.token}})).then((r) => done(r.status));"""
    )
    assert status == 403
    close_tab(browser, page)


def test_an_admin_runs_the_organisation_from_the_admin_page(browser, stack, colleague):
    browser.sign_in()
    org_id = rep(stack).org_id
    in_db(stack, lambda: User.update(role="admin").where(User.email == REP["email"]).execute())

    # The Account screen now offers the admin page, which opens in a tab.
    browser.click("#open-account")
    browser.wait_screen("account")
    panel = browser.in_panel()
    button = browser.wait(lambda: (b := panel.find_element(By.ID, "open-admin")).is_displayed() and b, "the Admin page button")
    button.click()
    # Chrome opens it in a tab of its own; WebDriver is not attached to tabs an extension opens, so the test
    # sees the tab through the DevTools protocol, closes it and drives the same page in a tab of its own.
    opened = browser.wait(lambda: admin_tabs(panel), "the admin page's tab")
    for target in opened:
        panel.execute_cdp_cmd("Target.closeTarget", {"targetId": target})
    page = open_in_tab(browser, ADMIN_URL)
    wait_ready(browser, page, "admin")
    assert page.find_element(By.ID, "not-admin").is_displayed() is False
    assert page.find_element(By.ID, "org-name").text == "Threadbook Demo"

    # A setting and the deal stages.
    form = page.find_element(By.CSS_SELECTOR, "#org-settings form")
    name = form.find_element(By.NAME, "name")
    name.clear()
    name.send_keys("Threadbook Demo Co")
    form.find_element(By.NAME, "invite_only").click()
    stages = form.find_element(By.NAME, "deal_stages")
    stages.clear()
    stages.send_keys("Discovery", Keys.ENTER, "Demo", Keys.ENTER, "Proposal")
    form.find_element(By.CSS_SELECTOR, "button").click()
    browser.wait(lambda: note(page, "org-settings") == "Settings saved.", "the settings to be saved")
    org = in_db(stack, lambda: Organization.get_by_id(org_id))
    assert (org.name, org.invite_only, org.deal_stages) == ("Threadbook Demo Co", True, ["Discovery", "Demo", "Proposal"])
    assert page.find_element(By.ID, "org-name").text == "Threadbook Demo Co"

    # A refused value stays in the form, with the backend's reason.
    stages.send_keys(Keys.ENTER, "demo")
    form.find_element(By.CSS_SELECTOR, "button").click()
    browser.wait(lambda: "listed twice" in note(page, "org-settings"), "the refusal")
    assert in_db(stack, lambda: Organization.get_by_id(org_id).deal_stages) == ["Discovery", "Demo", "Proposal"]

    # A colleague's role.
    role = Select(page.find_element(By.CSS_SELECTOR, f'#members li[data-id="{colleague.id}"] select'))
    assert role.first_selected_option.text == "Member"
    role.select_by_visible_text("Administrator")
    browser.wait(lambda: note(page, "members") == "cole@threadbook.test is now an administrator.", "the role change")
    assert in_db(stack, lambda: User.get_by_id(colleague.id).role) == "admin"

    # The colleague's mailbox: its state and last error, cut to a line with the whole text in its title.
    row = page.find_element(By.CSS_SELECTOR, f'#mailboxes li[data-user-id="{colleague.id}"]')
    assert row.get_attribute("data-status") == "needs_reconnect"
    assert row.find_element(By.CSS_SELECTOR, ".state").text == "Google access was revoked: reconnect Gmail"
    error = row.find_element(By.CSS_SELECTOR, ".error")
    assert error.get_attribute("title") == f"Last error: {REVOKED}"
    assert error.text.startswith("Last error: invalid_grant")
    assert page.find_element(By.CSS_SELECTOR, "#mailboxes [data-service-account]").text.startswith("Not set up")

    # The blocklist: add an entry, then remove it.
    blocked = lambda: in_db(
        stack, lambda: sorted(b.pattern for b in BlockedAddress.select().where((BlockedAddress.org == org_id) & BlockedAddress.user.is_null()))
    )  # noqa: E731
    pattern = page.find_element(By.CSS_SELECTOR, '#blocklist [name="pattern"]')
    pattern.send_keys("@Spam.Example", Keys.ENTER)
    browser.wait(lambda: blocked() == ["spam.example"], "the entry in the database")
    browser.wait(lambda: note(page, "blocklist").endswith("is blocked: its mail is no longer synced."), "the confirmation")
    page.find_element(By.CSS_SELECTOR, '#blocklist [aria-label="Remove spam.example from the blocklist"]').click()
    browser.wait(lambda: blocked() == [], "the entry to be removed")
    browser.wait(lambda: page.find_element(By.CSS_SELECTOR, "#blocklist ul").text == "Nothing is blocked.", "the empty blocklist")

    # The audit log, filtered by action and person, then by dates.
    audit = page.find_element(By.CSS_SELECTOR, "#audit form")
    audit.find_element(By.NAME, "action").send_keys("member.*")
    Select(audit.find_element(By.NAME, "user_id")).select_by_visible_text(f"{REP['name']} ({REP['email']})")
    audit.find_element(By.CSS_SELECTOR, "button").click()
    shown = lambda: page.execute_script("return Array.from(document.querySelectorAll('#audit li[data-action]'), (li) => li.dataset.action)")  # noqa: E731
    browser.wait(lambda: shown() == ["member.role_changed"], "only the role change")
    assert "cole@threadbook.test" in page.find_element(By.CSS_SELECTOR, "#audit li").get_attribute("textContent")

    audit.find_element(By.NAME, "action").clear()
    today = datetime.date.today()
    page.execute_script("arguments[0].value = arguments[1]", audit.find_element(By.NAME, "since"), today.isoformat())
    page.execute_script("arguments[0].value = arguments[1]", audit.find_element(By.NAME, "until"), today.isoformat())
    audit.find_element(By.CSS_SELECTOR, "button").click()
    browser.wait(lambda: {"org.updated", "member.role_changed"} <= set(shown()), "today's entries by the rep")
    assert ("GET", "/api/v1/org/audit") in stack.requests
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    page.execute_script("arguments[0].value = arguments[1]", audit.find_element(By.NAME, "since"), tomorrow)
    page.execute_script("arguments[0].value = arguments[1]", audit.find_element(By.NAME, "until"), tomorrow)
    audit.find_element(By.CSS_SELECTOR, "button").click()
    browser.wait(lambda: page.find_element(By.CSS_SELECTOR, "#audit ul").text == "No entries match these filters.", "no entry tomorrow")
    close_tab(browser, page)
