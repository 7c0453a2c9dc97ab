"""Issue 16's panel fixes in Chromium: the built extension, the real backend, Google and Gmail faked.

Text is readable (body text computed at 13 px or more under Chrome's
extension-page defaults); the status line stays with its conversation; a lead
conflict shows in the lead form, which stays open; the keyboard works (focus
after sign-in and on another conversation, card names as headings, skipping
cards, Ctrl+Enter saves a note, Enter signs in); the Account screen offers no
Pause while not connected and its heading is not smaller than its parts; and a
backend without Google says so instead of "expired", with the development
sign-in's notice.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from threadbook.db import database
from threadbook.models import Note

from .harness import PANEL_URL

pytestmark = pytest.mark.browser

ADA = 'li[data-email="ada@acme.example"]'
EVE = 'li[data-email="eve@evil.example"]'


def js(browser, script, *args):
    return browser.in_panel().execute_script(script, *args)


def font_px(browser, css):
    """The computed font size of the first element matching ``css``."""
    return js(browser, "return parseFloat(getComputedStyle(document.querySelector(arguments[0])).fontSize)", css)


def focused(browser):
    """What has the focus: its id, else its data-action, else tag and text."""
    return js(
        browser,
        """const e = document.activeElement;
        if (!e || e === document.body) return 'body';
        return e.id || e.dataset.action || `${e.tagName.toLowerCase()}:${e.textContent.trim()}`;""",
    )


def keys(browser, *sequence):
    """Type ``sequence`` into whatever has the focus in the panel."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser.in_panel()).send_keys(*sequence).perform()


def open_thread(browser, thread_id):
    browser.show_thread(thread_id)


def test_text_is_readable_under_the_extension_page_defaults(browser, stack):
    open_thread(browser, stack.thread_ids[0])
    assert font_px(browser, "body") >= 13
    for css in ("#status", f"{ADA} .email", f"{ADA} .detail", "#thread-subject", f"{ADA} h3"):
        assert font_px(browser, css) >= 13, css
    assert font_px(browser, f"{ADA} .badge") >= 12
    assert font_px(browser, "#dev-badge") >= 12


def test_the_status_line_stays_with_its_conversation(browser, stack):
    renewal, pilot = stack.thread_ids[0], stack.thread_ids[1]
    open_thread(browser, renewal)
    browser.click(f'{ADA} [data-action="add-note"]')
    browser.in_panel().find_element(By.CSS_SELECTOR, f"{ADA} textarea").send_keys("Status check")
    browser.in_panel().find_element(By.CSS_SELECTOR, f'{ADA} form button[type="submit"]').click()
    browser.wait(lambda: browser.status() == "Note added to Ada Lovelace.", "the note's status")
    browser.open_thread(pilot)
    browser.wait_thread(pilot)
    assert browser.status() == "", "not on the next conversation"

    # Nor on the unreachable screen.
    browser.open_thread(renewal)
    browser.wait_thread(renewal)
    js(browser, "document.getElementById('status').textContent = 'Something said here'")
    stack.stop_backend()
    try:
        browser.open_thread(pilot)
        browser.wait_screen("unreachable", timeout=20)
        assert browser.status() == ""
    finally:
        stack.start_backend()
    browser.wait_thread(pilot, timeout=30)


def test_a_lead_conflict_stays_in_the_form_and_a_form_does_not_follow_to_the_next_thread(browser, stack):
    evil, pilot = stack.thread_ids[2], stack.thread_ids[1]
    open_thread(browser, evil)
    browser.click(f'{EVE} [data-action="create-lead"]')
    form = browser.in_panel().find_element(By.CSS_SELECTOR, f"{EVE} form")
    email = form.find_element(By.NAME, "email")
    email.clear()
    email.send_keys("ada@acme.example")  # already a contact
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    error = browser.wait(lambda: form.find_element(By.CSS_SELECTOR, '[data-field="form-error"]').text, "the conflict in the form")
    assert error == "This address already belongs to a contact in your organisation."
    assert form.is_displayed(), "the form stays open"
    assert form.find_element(By.NAME, "email").get_attribute("value") == "ada@acme.example"

    browser.open_thread(pilot)
    browser.wait_thread(pilot)
    browser.open_thread(evil)
    browser.wait_thread(evil)
    assert not browser.in_panel().find_elements(By.CSS_SELECTOR, "#participants form"), "the form and its error stayed behind"


def test_focus_after_sign_in_and_on_another_conversation(browser, stack):
    renewal, pilot = stack.thread_ids[0], stack.thread_ids[1]
    browser.show_thread(renewal)
    browser.click("#sign-out")
    browser.wait_screen("signed-out")
    assert focused(browser) == "signed-out-title"
    browser.click("#sign-in")
    browser.wait_thread(renewal)
    browser.wait(lambda: focused(browser) == "thread-subject", "the focus on the conversation's heading")

    # From a card's button to the next conversation's heading.
    js(browser, "document.querySelector(arguments[0]).focus()", f'{ADA} [data-action="add-note"]')
    assert focused(browser) == "add-note"
    browser.open_thread(pilot)
    browser.wait_thread(pilot)
    browser.wait(lambda: focused(browser) == "thread-subject", "the focus on the next heading")
    assert browser.in_panel().find_element(By.ID, "thread-subject").text == "Pilot scope"


def test_cards_are_headings_and_the_keyboard_skips_from_card_to_card(browser, stack):
    renewal = stack.thread_ids[0]
    open_thread(browser, renewal)
    # A contact's tasks load after the card (views/task-section.js): wait for them, then read the headings.
    browser.wait(lambda: js(browser, """return !!document.querySelector('li[data-email="ada@acme.example"] [data-field="tasks"]')"""), "Ada's tasks")
    names = js(
        browser,
        """return Array.from(document.querySelectorAll('#participants > li')).map((card) =>
             [card.querySelector('h3').textContent, Array.from(card.querySelectorAll('h4')).map((h) => h.textContent)]);""",
    )
    assert ["Ada Lovelace", ["Open deals", "Latest notes", "Tasks"]] in names
    assert len(names) == 4

    js(browser, "document.getElementById('thread-subject').focus()")
    keys(browser, Keys.TAB)
    assert focused(browser) == "skip-people"
    skip = browser.in_panel().find_element(By.ID, "skip-people")
    assert skip.is_displayed() and skip.size["width"] > 20, "shown once focused"
    keys(browser, Keys.ENTER)
    assert focused(browser) == f"h3:{names[0][0]}"
    for name, _ in names[1:]:
        keys(browser, Keys.TAB)
        assert focused(browser) == "button:Skip to the next person"
        keys(browser, Keys.ENTER)
        assert focused(browser) == f"h3:{name}"
    assert not browser.in_panel().find_element(By.CSS_SELECTOR, '#participants > li:last-child [data-field="skip"]').is_displayed()


def test_ctrl_enter_saves_a_note(browser, stack):
    open_thread(browser, stack.thread_ids[0])
    browser.click(f'{ADA} [data-action="add-note"]')
    note = browser.in_panel().find_element(By.CSS_SELECTOR, f"{ADA} textarea")
    note.send_keys("Saved with Ctrl+Enter")
    note.send_keys(Keys.CONTROL, Keys.ENTER)
    browser.wait(lambda: browser.status() == "Note added to Ada Lovelace.", "the note saved")
    with stack.app.app_context(), database.connection_context():
        assert Note.select().where(Note.body == "Saved with Ctrl+Enter").count() == 1
    assert not browser.in_panel().find_elements(By.CSS_SELECTOR, f"{ADA} form")


def test_the_account_screen_offers_no_pause_while_not_connected_and_its_heading_leads(browser, stack):
    browser.sign_in()
    browser.click("#open-account")
    browser.wait_screen("account")
    browser.wait(lambda: browser.in_panel().find_element(By.ID, "mailbox-state").text == "Not connected", "the mailbox state")
    assert not browser.in_panel().find_element(By.CSS_SELECTOR, '[data-account-action="pause"]').is_displayed()
    assert font_px(browser, "#account-title") > font_px(browser, "#mailbox-title")
    assert focused(browser) == "account-title"
    browser.click("#account-back")
    assert focused(browser) == "open-account", "back to the button that opened it"


def test_a_backend_without_google_says_so_and_development_sign_in_by_enter_shows_its_notice(browser, stack, monkeypatch):
    renewal = stack.thread_ids[0]
    browser.sign_in()
    browser.click("#sign-out")
    browser.wait_screen("signed-out")
    monkeypatch.setitem(stack.app.config, "DEV_SIGNIN", True)
    monkeypatch.setitem(stack.app.config, "GOOGLE_CLIENT_IDS", [])
    try:
        browser.in_panel().get(PANEL_URL)  # a fresh panel asks the backend's config again
        field = browser.wait(lambda: browser.in_panel().find_element(By.ID, "dev-email"), "the development sign-in")
        browser.wait(field.is_displayed, "the development sign-in box")
        field.clear()
        field.send_keys("jane@mycompany.example", Keys.ENTER)
        browser.wait(lambda: browser.in_panel().find_element(By.ID, "dev-badge").is_displayed(), "the development badge")
        notice = browser.in_panel().find_element(By.ID, "session-notice")
        assert notice.is_displayed() and "not the demo organisation" in notice.text

        browser.open_thread(renewal)
        browser.wait_thread(renewal)
        browser.click("#log-thread")
        browser.wait(lambda: browser.status() == "Google isn't set up on this backend: see docs/google-setup.md.", "the reason")
        box = browser.in_panel().find_element(By.ID, "google-reauth")
        assert box.is_displayed() and "Google isn't set up on this backend" in box.text and "expired" not in box.text
        assert not browser.in_panel().find_element(By.ID, "reconnect-google").is_displayed()

        browser.click("#open-account")
        browser.wait_screen("account")
        detail = browser.in_panel().find_element(By.ID, "mailbox-detail")
        browser.wait(lambda: "docs/google-setup.md" in detail.text, "the Account screen's explanation")
        assert not browser.in_panel().find_element(By.CSS_SELECTOR, '[data-account-action="connect"]').is_displayed()
        browser.click("#account-back")
    finally:
        browser.click("#sign-out")
        browser.wait_screen("signed-out")
        monkeypatch.undo()
        browser.in_panel().get(PANEL_URL)
