"""Who sees logged mail, from the panel in Chromium: the built extension, the real backend, Google and Gmail faked.

The rep logs a conversation choosing "Only me", changes one logged email's
level in "Logged in this thread", keeps the thread private and back, and sets
the Account screen's "Default sharing for your mail"; each step is checked in
the database.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from threadbook.models import Email, Organization, PrivateThread, User

from .harness import REP, in_db

pytestmark = pytest.mark.browser

LABELS = {"private": "Only me", "team_metadata": "Team: who, when, subject", "team_full": "Team: everything"}


def rep(stack):
    return in_db(stack, lambda: User.get(User.email == REP["email"]))


def org_level(stack):
    """The organisation's default level."""
    org_id = rep(stack).org_id
    return in_db(stack, lambda: Organization.get_by_id(org_id).default_visibility)


def levels_in_db(stack, thread_id):
    """{email id: visibility} of the rep's own copies of the thread's mail."""
    owner = rep(stack).id
    return in_db(
        stack,
        lambda: {e.id: e.visibility for e in Email.select().where((Email.gmail_thread_id == thread_id) & (Email.owner == owner)).order_by(Email.id)},
    )


def logged_items(browser):
    """The "Logged in this thread" list as [(email id, level shown)]."""
    return browser.in_panel().execute_script(
        """return Array.from(document.querySelectorAll('#logged-emails > li')).map((li) => [Number(li.dataset.emailId), li.dataset.level]);"""
    )


def displayed(browser, element_id):
    return browser.in_panel().find_element(By.ID, element_id).is_displayed()


def test_log_a_thread_for_me_only_then_change_who_sees_its_mail(browser, stack):
    renewal = stack.thread_ids[0]
    browser.show_thread(renewal)
    panel = browser.in_panel()

    # Beside "Log thread": who sees this mail, defaulting to the thread's level (the organisation's here).
    browser.wait(lambda: displayed(browser, "log-sharing"), "the 'Who sees this mail' choice beside Log thread")
    assert panel.find_element(By.CSS_SELECTOR, 'label[for="log-visibility"]').text == "Who sees this mail"
    choice = Select(panel.find_element(By.ID, "log-visibility"))
    assert [o.text for o in choice.options] == list(LABELS.values())
    assert choice.first_selected_option.text == LABELS[org_level(stack)]
    assert not panel.find_element(By.ID, "keep-private").is_selected()

    # Log it for me only: every stored copy is private.
    choice.select_by_visible_text("Only me")
    browser.click("#log-thread")
    browser.wait(lambda: displayed(browser, "log-state"), "the logged state")
    browser.wait(lambda: len(logged_items(browser)) == 2, "the two logged emails in the list")
    stored = levels_in_db(stack, renewal)
    assert len(stored) == 2 and set(stored.values()) == {"private"}
    assert [level for _, level in logged_items(browser)] == ["private", "private"]
    assert panel.find_element(By.ID, "logged-emails-title").text == "Logged in this thread"
    assert ("POST", f"/api/v1/threads/{renewal}/log") in stack.requests

    # Change one email's level in the list: saved for that email only.
    first, second = [email_id for email_id, _ in logged_items(browser)]
    Select(panel.find_element(By.CSS_SELECTOR, f'#logged-emails li[data-email-id="{first}"] select')).select_by_visible_text("Team: everything")
    browser.wait(lambda: levels_in_db(stack, renewal)[first] == "team_full", "the email's new level in the database")
    browser.wait(
        lambda: panel.find_element(By.CSS_SELECTOR, f'#logged-emails li[data-email-id="{first}"]').get_attribute("aria-busy") == "false",
        "the change to finish",
    )
    assert levels_in_db(stack, renewal)[second] == "private"
    assert dict(logged_items(browser))[first] == "team_full"
    assert browser.status() == "Who sees “Renewal terms”: Team: everything."

    # Keep this thread private: the shared copy goes back to private, the log choice locks to "Only me".
    panel.find_element(By.CSS_SELECTOR, 'label[for="keep-private"]').click()
    browser.wait(lambda: [level for _, level in logged_items(browser)] == ["private", "private"], "the list to show private")
    assert set(levels_in_db(stack, renewal).values()) == {"private"}
    owner = rep(stack).id
    assert in_db(stack, lambda: PrivateThread.select().where((PrivateThread.user == owner) & (PrivateThread.gmail_thread_id == renewal)).count()) == 1
    assert panel.find_element(By.ID, "keep-private").is_selected()
    assert Select(panel.find_element(By.ID, "log-visibility")).first_selected_option.text == "Only me"
    assert not panel.find_element(By.ID, "log-visibility").is_enabled()

    # And back: no longer private; mail already logged keeps its level.
    browser.wait(lambda: panel.find_element(By.ID, "thread-privacy").get_attribute("aria-busy") == "false", "the first change to finish")
    panel.find_element(By.ID, "keep-private").click()
    browser.wait(lambda: panel.find_element(By.ID, "log-visibility").is_enabled(), "the log choice to unlock")
    assert in_db(stack, lambda: PrivateThread.select().where((PrivateThread.user == owner) & (PrivateThread.gmail_thread_id == renewal)).count()) == 0
    assert not panel.find_element(By.ID, "keep-private").is_selected()
    assert set(levels_in_db(stack, renewal).values()) == {"private"}
    assert not displayed(browser, "privacy-error")


def test_the_default_sharing_on_the_account_screen(browser, stack):
    browser.sign_in()
    browser.click("#open-account")
    browser.wait_screen("account")
    panel = browser.in_panel()
    browser.wait(lambda: displayed(browser, "sharing-part"), "the sharing part of the Account screen")
    assert panel.find_element(By.CSS_SELECTOR, 'label[for="default-sharing"]').text == "Default sharing for your mail"
    org_default = f"Organisation default ({LABELS[org_level(stack)]})"
    default = Select(panel.find_element(By.ID, "default-sharing"))
    assert [o.text for o in default.options] == [org_default, *LABELS.values()]
    assert default.first_selected_option.text.startswith("Organisation default")

    # My own default: saved, with a confirmation.
    default.select_by_visible_text("Team: everything")
    browser.click('[data-account-action="save-sharing"]')
    browser.wait(lambda: panel.find_element(By.ID, "account-message").text.startswith("Saved"), "the confirmation")
    assert rep(stack).default_visibility == "team_full"
    assert ("PATCH", "/api/v1/me") in stack.requests

    # Back to the organisation's default: null.
    default.select_by_visible_text(org_default)
    browser.click('[data-account-action="save-sharing"]')
    browser.wait(lambda: "organisation's default" in panel.find_element(By.ID, "account-message").text, "the second confirmation")
    assert rep(stack).default_visibility is None
    browser.click("#account-back")
