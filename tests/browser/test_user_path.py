"""The rep's whole path in Chromium: the built extension, the real backend, Google and Gmail faked.

The panel page runs as ``chrome-extension://<id>/extension/panel/panel.html``
in a window beside the Gmail fixture; it follows the Gmail tab through
chrome.storage.session exactly as the side panel does.
"""

import pytest
from selenium.webdriver.common.by import By

from threadbook.models import Email, Lead, Note

from .harness import PANEL_URL, REP, PageScriptError, in_db, run_async, service_worker_running

pytestmark = pytest.mark.browser


def test_the_service_worker_started_and_the_panel_asks_to_sign_in(browser):
    assert service_worker_running(browser.driver)
    browser.wait_screen("signed-out")
    panel = browser.in_panel()
    assert panel.find_element(By.ID, "sign-in").text == "Sign in with Google"
    # The backend does not offer development sign-in here.
    assert not panel.find_element(By.ID, "dev-sign-in-box").is_displayed()


def test_the_whole_path(browser, stack):
    renewal, pilot = stack.thread_ids[0], stack.thread_ids[1]

    # Sign in with Google: the flow runs against the fake accounts.google.com.
    browser.sign_in()
    browser.wait_screen("no-thread")
    authorisation = stack.identity.authorisations[-1]
    assert authorisation["response_type"] == "id_token token"
    assert authorisation["redirect_uri"] == "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/"
    assert authorisation["nonce"]
    assert browser.in_panel().find_element(By.ID, "account").text == REP["email"]

    # Open a conversation: a known contact, an unknown sender, a colleague and the rep.
    browser.open_thread(renewal)
    browser.wait_thread(renewal)
    cards = browser.cards()
    assert list(cards) == ["mina@newco.example", "rep@threadbook.test", "ada@acme.example", "demo@threadbook.test"]
    assert [c["kind"] for c in cards.values()] == ["unknown", "self", "contact", "colleague"]
    ada = cards["ada@acme.example"]["text"]
    assert "Company: Acme Widgets" in ada and "Acme platform rollout" in ada and "Prefers email over calls" in ada
    assert browser.in_panel().find_element(By.ID, "thread-subject").text == "Renewal terms"

    # Create a lead from the unknown sender: prefilled, edited, saved.
    browser.click('li[data-email="mina@newco.example"] [data-action="create-lead"]')
    form = browser.in_panel().find_element(By.CSS_SELECTOR, 'li[data-email="mina@newco.example"] form')
    assert form.find_element(By.NAME, "name").get_attribute("value") == "Mina Park"
    assert form.find_element(By.NAME, "email").get_attribute("value") == "mina@newco.example"
    assert form.find_element(By.NAME, "company_name").get_attribute("value") == "Newco"
    form.find_element(By.NAME, "title").send_keys("Head of Purchasing")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    browser.wait(lambda: browser.cards()["mina@newco.example"]["kind"] == "lead", "Mina to become a lead")
    lead = in_db(stack, lambda: Lead.get(Lead.email_normalized == "mina@newco.example"))
    assert (lead.name, lead.company_name, lead.title) == ("Mina Park", "Newco", "Head of Purchasing")

    # Log the thread: progress, then the logged state.
    browser.click("#log-thread")
    browser.wait(lambda: browser.in_panel().find_element(By.ID, "log-state").is_displayed(), "the logged state")
    assert browser.in_panel().find_element(By.ID, "log-state").text == "✓ Logged · 2 emails"
    # The extension's token only reads and no mailbox is connected here, so the panel says why Gmail shows no label.
    assert browser.status().startswith("Conversation logged. Not labelled in Gmail: ")
    assert "Connect your mailbox" in browser.status()
    logged = in_db(stack, lambda: [e.subject for e in Email.select().where(Email.gmail_thread_id == renewal)])
    assert logged == ["Renewal terms", "Renewal terms"]
    assert stack.gmail.calls_to("GET", f"/threads/{renewal}")

    # Add a note to the contact.
    browser.click('li[data-email="ada@acme.example"] [data-action="add-note"]')
    note = browser.in_panel().find_element(By.CSS_SELECTOR, 'li[data-email="ada@acme.example"] textarea')
    note.send_keys("Asked for the renewal terms in writing.")
    browser.click('li[data-email="ada@acme.example"] form button[type="submit"]')
    browser.wait(lambda: "Asked for the renewal terms" in browser.cards()["ada@acme.example"]["text"], "the note on Ada's card")
    assert in_db(stack, lambda: Note.select().where(Note.body == "Asked for the renewal terms in writing.").count()) == 1

    # Another thread, then back: the logged state comes back from the backend.
    browser.open_thread(pilot)
    browser.wait_thread(pilot)
    assert browser.cards()["grace@globex.example"]["kind"] == "contact"
    assert not browser.in_panel().find_element(By.ID, "log-state").is_displayed()
    browser.open_thread(renewal)
    browser.wait_thread(renewal)
    assert browser.in_panel().find_element(By.ID, "log-state").text == "✓ Logged · 2 emails"
    assert browser.cards()["mina@newco.example"]["kind"] == "lead"

    # Logging again changes nothing.
    browser.click("#log-thread")
    browser.wait(lambda: browser.status().startswith("Already logged: nothing new to add."), "the second log to answer")
    assert in_db(stack, lambda: Email.select().where(Email.gmail_thread_id == renewal).count()) == 2


def test_a_note_on_the_conversation(browser, stack):
    renewal = stack.thread_ids[0]
    browser.show_thread(renewal)
    browser.click("#thread-note")
    browser.in_panel().find_element(By.CSS_SELECTOR, "#thread-note-slot textarea").send_keys("Send the contract on Monday.")
    browser.click("#thread-note-slot button[type='submit']")
    browser.wait(lambda: "Send the contract on Monday." in browser.in_panel().find_element(By.ID, "thread-notes").text, "the thread note")
    assert in_db(stack, lambda: Note.get(Note.body == "Send the contract on Monday.").gmail_thread_id) == renewal


def test_markup_in_a_subject_and_a_sender_name_is_shown_as_text(browser, stack):
    evil = stack.thread_ids[2]
    browser.show_thread(evil)
    panel = browser.in_panel()
    assert panel.find_element(By.ID, "thread-subject").text == "<img src=x onerror=\"document.title='pwned'\">Quarterly <b>numbers</b>"
    assert browser.cards()["eve@evil.example"]["name"] == "<script>document.title='pwned'</script>Eve"
    assert panel.execute_script("return document.querySelectorAll('main img, main b, main script').length") == 0
    assert panel.title == "Threadbook"
    gmail = browser.in_gmail()
    assert gmail.title != "pwned"
    # Gmail's page runs under Trusted Types; the content script wrote nothing into it.
    assert gmail.execute_script("return document.documentElement.dataset.violations || '0'") == "0"


def test_no_conversation_open(browser, stack):
    browser.sign_in()
    browser.open_thread(None)
    browser.wait_screen("no-thread")


def test_the_backend_down_then_back(browser, stack):
    pilot, renewal = stack.thread_ids[1], stack.thread_ids[0]
    browser.show_thread(pilot)
    stack.stop_backend()
    try:
        browser.open_thread(renewal)
        browser.wait_screen("unreachable")
        assert "127.0.0.1:5000" in browser.in_panel().find_element(By.CSS_SELECTOR, '[data-field="backend-url"]').text
    finally:
        stack.start_backend()
    # It retries by itself (after 1 s, then 2 s, ...).
    browser.wait_thread(renewal, timeout=15)


def test_google_access_expired_then_reconnected(browser, stack):
    pilot = stack.thread_ids[1]
    browser.show_thread(pilot)
    for token in list(stack.gmail.grants):
        stack.gmail.expire(token)
    stack.require_interaction = True  # Google will not renew silently
    try:
        browser.click("#log-thread")
        browser.wait(lambda: browser.in_panel().find_element(By.ID, "google-reauth").is_displayed(), "the reconnect notice")
        assert "reconnect Google" in browser.status()
    finally:
        stack.require_interaction = False
    browser.click("#reconnect-google")
    browser.wait(lambda: browser.in_panel().find_element(By.ID, "log-state").is_displayed(), "the thread logged after reconnecting")
    assert not browser.in_panel().find_element(By.ID, "google-reauth").is_displayed()


def test_the_side_panel_is_enabled_on_gmail_only(browser):
    panel = browser.in_panel()
    options = run_async(
        panel,
        """const [gmail] = await chrome.tabs.query({url: 'https://mail.google.com/*'});
        // The panel page's own tab (tabs.query by the page's URL no longer finds an extension page's tab).
        const self = await chrome.tabs.getCurrent();
        return {gmail: await chrome.sidePanel.getOptions({tabId: gmail.id}),
                panelTab: await chrome.sidePanel.getOptions({tabId: self.id}),
                behavior: await chrome.sidePanel.getPanelBehavior()};""",
    )
    assert (options["gmail"]["enabled"], options["gmail"]["path"]) == (True, "extension/panel/panel.html")
    assert options["panelTab"]["enabled"] is False
    assert options["behavior"] == {"openPanelOnActionClick": True}


def test_the_real_side_panel_opens_beside_gmail_and_shows_the_conversation(browser, stack):
    """The side panel itself (which WebDriver cannot enter) loads and looks the conversation up."""
    renewal = stack.thread_ids[0]
    browser.show_thread(renewal)
    panel = browser.in_panel()
    # chrome.sidePanel.open needs a user gesture: a WebDriver click on a control that calls it.
    panel.execute_script(
        """const button = document.createElement('button');
        button.id = 'open-side-panel';
        button.addEventListener('click', async () => {
          const [gmail] = await chrome.tabs.query({url: 'https://mail.google.com/*'});
          await chrome.sidePanel.open({tabId: gmail.id});
          button.dataset.opened = 'true';
        });
        document.body.prepend(button);"""
    )
    lookups_before = stack.requests.count(("POST", "/api/v1/lookup"))
    panel.find_element(By.ID, "open-side-panel").click()
    browser.wait(lambda: panel.find_element(By.ID, "open-side-panel").get_attribute("data-opened"), "sidePanel.open")
    panel.execute_script("document.getElementById('open-side-panel').remove()")
    pages = lambda: [t for t in browser.driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"] if t["type"] == "page" and t["url"] == PANEL_URL]
    browser.wait(lambda: len(pages()) == 2, "a second panel page: the side panel")
    browser.wait(lambda: stack.requests.count(("POST", "/api/v1/lookup")) > lookups_before, "the side panel's lookup")


def test_sign_out_then_development_sign_in_shows_its_badge(browser, stack):
    browser.sign_in()
    browser.click("#sign-out")
    browser.wait_screen("signed-out")
    stack.app.config["DEV_SIGNIN"] = True
    try:
        browser.in_panel().get(PANEL_URL)  # a fresh panel asks the backend's config again
        browser.wait(lambda: browser.in_panel().find_element(By.ID, "dev-sign-in-box").is_displayed(), "the development sign-in")
        browser.click("#dev-sign-in")
        browser.wait(lambda: browser.in_panel().find_element(By.ID, "dev-badge").is_displayed(), "the development badge")
        badge = browser.in_panel().find_element(By.ID, "dev-badge")
        # "Dev" on screen (the header stays one line at 320 px); the whole words for screen readers and in the title.
        assert badge.get_attribute("title") == "Development sign-in"
        assert badge.find_element(By.CSS_SELECTOR, "[aria-hidden]").text == "Dev"
        assert badge.find_element(By.CLASS_NAME, "sr").get_attribute("textContent") == "Development sign-in"
        assert browser.in_panel().find_element(By.ID, "account").text == "dev@threadbook.test"
    finally:
        stack.app.config["DEV_SIGNIN"] = False
        browser.click("#sign-out")
        browser.wait_screen("signed-out")


def test_a_failing_page_script_hands_its_error_back_instead_of_hanging(browser):
    """run_async raises the page's own error; a hung script would end in WebDriver's TimeoutException instead."""
    panel = browser.in_panel()
    with pytest.raises(PageScriptError, match="no such tab"):
        run_async(panel, "const [tab] = await chrome.tabs.query({url: 'https://nowhere.invalid/*'}); if (!tab) throw new Error('no such tab'); return tab.id;")
    assert run_async(panel, "const [a, b] = args; return a + b;", 2, 3) == 5
