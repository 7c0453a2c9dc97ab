"""What was logged and how people matched, from the panel in Chromium: the built extension, the real backend, Google and Gmail faked.

The rep logs "Renewal terms" (two messages: Mina's, then the rep's with Ada
in Cc) and undoes it; logs only the chosen message and unlogs it from Ada's
timeline; logs it to Ada's open deal; and corrects matches: the rep's *Not
this person* shows in a colleague's lookup, and a colleague's correction on
the rep's panel, and the rep's correction undone from the card. The panel also fits 320 pixels with its options open. Each step is checked in the database.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from threadbook.identity.sessions import issue_session
from threadbook.models import Contact, Deal, Email, MatchCorrection, User

from .harness import REP, in_db

pytestmark = pytest.mark.browser

ADA = '#participants li[data-email="ada@acme.example"]'
COLLEAGUE = "demo@threadbook.test"


def mine_in_thread(stack, thread_id):
    """[(Gmail message id, deal id)] of the rep's copies of the thread's mail, oldest first."""
    rep = in_db(stack, lambda: User.get(User.email == REP["email"]).id)
    return in_db(
        stack,
        lambda: [
            (e.gmail_message_id, e.deal_id) for e in Email.select().where((Email.gmail_thread_id == thread_id) & (Email.owner == rep)).order_by(Email.date)
        ],
    )


def as_colleague(stack, method, path, **kwargs):
    """Call the API as the demo organisation's admin, the rep's colleague."""
    token, _ = in_db(stack, lambda: issue_session(User.get(User.email == COLLEAGUE)))
    response = getattr(stack.app.test_client(), method)(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    assert response.status_code < 300, response.get_json()
    return response.get_json()


def js(browser, script, *args):
    return browser.in_panel().execute_script(script, *args)


def choose_messages_toggle(browser):
    return browser.in_panel().find_element(By.XPATH, "//div[@id='log-options']/button[.='Choose messages']")


def logged_count(browser):
    return js(browser, "return document.querySelectorAll('#logged-emails > li').length")


@pytest.fixture
def on_renewal(browser, stack):
    renewal = stack.thread_ids[0]
    browser.show_thread(renewal)
    assert mine_in_thread(stack, renewal) == []
    return renewal


def test_undo_right_after_a_log_removes_it(browser, stack, on_renewal):
    browser.click("#log-thread")
    undo = browser.wait(
        lambda: browser.in_panel().find_element(By.ID, "status-action").is_displayed() and browser.in_panel().find_element(By.ID, "status-action")
    )
    assert undo.text == "Undo"
    assert browser.status().startswith("Conversation logged.")
    browser.wait(lambda: logged_count(browser) == 2, "the two logged emails")
    assert len(mine_in_thread(stack, on_renewal)) == 2

    undo.click()
    browser.wait(lambda: browser.status() == "Undone: 2 emails unlogged.", "the undo to finish")
    assert mine_in_thread(stack, on_renewal) == []
    assert ("DELETE", f"/api/v1/threads/{on_renewal}/log") in stack.requests
    browser.wait(lambda: logged_count(browser) == 0, "the logged list to empty")
    assert not browser.in_panel().find_element(By.ID, "status-action").is_displayed()
    assert browser.in_panel().find_element(By.ID, "log-thread").text == "Log thread"


def test_choosing_messages_logs_only_those_and_one_is_unlogged_from_the_timeline(browser, stack, on_renewal):
    first, second = stack.mailbox.threads[on_renewal]
    toggle = choose_messages_toggle(browser)
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    boxes = browser.wait(lambda: [b for b in browser.in_panel().find_elements(By.CSS_SELECTOR, "#log-messages input[type=checkbox]") if b.is_displayed()])
    assert [b.get_attribute("value") for b in boxes] == [first, second]
    assert [b.find_element(By.XPATH, "..").text for b in boxes] == ["Message 1 of 2 · Mina Park", "Message 2 of 2 · Rita Rep"]
    assert all(b.is_selected() for b in boxes)

    boxes[0].click()  # leave Mina's message out
    browser.click("#log-thread")
    browser.wait(lambda: logged_count(browser) == 1, "the one logged email")
    assert mine_in_thread(stack, on_renewal) == [(second, None)]
    assert not browser.in_panel().find_element(By.ID, "log-messages").is_displayed(), "the choice is done once logged"

    # Ada's timeline shows it (she is in Cc), newest first; Unlog asks, then removes it.
    browser.click(f"{ADA} .timeline summary")
    row = browser.wait(lambda: browser.in_panel().find_element(By.CSS_SELECTOR, f"{ADA} .timeline li .truncate"), "the timeline's mail")
    assert row.text == "Renewal terms"
    assert row.get_attribute("title") == "Renewal terms"
    unlog = browser.in_panel().find_element(By.XPATH, "//li[@data-email='ada@acme.example']//details[contains(@class,'timeline')]//li//button[.='Unlog']")
    unlog.click()
    assert unlog.text == "Press again to unlog"
    assert len(mine_in_thread(stack, on_renewal)) == 1, "nothing gone before the second press"
    unlog.click()
    browser.wait(lambda: browser.status() == "Unlogged “Renewal terms”.", "the unlog to finish")
    assert mine_in_thread(stack, on_renewal) == []
    browser.wait(lambda: logged_count(browser) == 0, "the conversation's list to empty")


def test_choosing_a_deal_at_log_time_links_the_mail_to_it(browser, stack, on_renewal):
    deal = in_db(stack, lambda: Deal.get(Deal.name == "Acme platform rollout"))
    select = Select(browser.in_panel().find_element(By.CSS_SELECTOR, "#log-options select[name='deal']"))
    assert [o.text for o in select.options] == ["No deal", "Acme platform rollout — negotiation · $48,000"]
    assert select.first_selected_option.text == "No deal"
    select.select_by_value(str(deal.id))
    browser.click("#log-thread")
    browser.wait(lambda: "Linked to the deal Acme platform rollout." in browser.status(), "the deal in the status line")
    assert [deal_id for _, deal_id in mine_in_thread(stack, on_renewal)] == [deal.id, deal.id]
    # Shown again: the deal the conversation's mail is linked to.
    browser.wait(lambda: Select(browser.in_panel().find_element(By.CSS_SELECTOR, "#log-options select[name='deal']")).first_selected_option.text != "No deal")
    browser.in_panel().find_element(By.ID, "status-action").click()  # undo, for the next tests
    browser.wait(lambda: mine_in_thread(stack, on_renewal) == [], "the undo")


def test_the_panel_fits_320_pixels_with_the_options_and_a_timeline_open(browser, stack, on_renewal):
    driver = browser.in_panel()
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    try:
        choose_messages_toggle(browser).click()
        browser.wait(lambda: driver.find_element(By.ID, "log-messages").is_displayed())
        if not js(browser, "return document.querySelector(arguments[0]).open", f"{ADA} .timeline"):
            browser.click(f"{ADA} .timeline summary")
        browser.wait(lambda: driver.find_element(By.CSS_SELECTOR, f"{ADA} .timeline li").is_displayed(), "Ada's timeline (her note)")
        assert js(browser, "return window.innerWidth") == 320
        assert js(browser, "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"), "no sideways scrolling"
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_match_explained_and_corrections_shared_with_colleagues(browser, stack):
    pilot, renewal = stack.thread_ids[1], stack.thread_ids[0]
    browser.show_thread(pilot)
    grace = '#participants li[data-email="grace@globex.example"]'
    summary = browser.in_panel().find_element(By.CSS_SELECTOR, f"{grace} .match summary")
    assert summary.text == "Matched by address grace@globex.example"
    summary.click()
    explanation = browser.in_panel().find_element(By.CSS_SELECTOR, f"{grace} .match details p")
    assert explanation.text == "grace@globex.example is the address of contact Grace Hopper."
    assert as_colleague(stack, "post", "/api/v1/lookup", json={"participants": [{"email": "grace@globex.example"}]})["participants"][0]["kind"] == "contact"

    # The rep: Not this person, confirmed. The card falls through to Globex by its domain, for the colleague too.
    button = browser.in_panel().find_element(By.CSS_SELECTOR, f"{grace} .match > button")
    assert button.text == "Not this person"
    assert button.accessible_name == "Not this person — grace@globex.example as Grace Hopper"
    button.click()
    assert button.text == "Stop matching for the team?"
    button.click()
    browser.wait(lambda: browser.cards()["grace@globex.example"]["kind"] == "unknown", "Grace's card to fall through")
    assert browser.status() == "grace@globex.example is no longer matched to Grace Hopper for your team."
    assert "Not this company" in browser.cards()["grace@globex.example"]["text"]
    theirs = as_colleague(stack, "post", "/api/v1/lookup", json={"participants": [{"email": "grace@globex.example"}]})["participants"][0]
    assert theirs["kind"] == "unknown" and theirs["match"]["rule"] == "domain" and theirs["company"]["name"] == "Globex"

    # Undo, from the card, right after: the correction is gone for everyone.
    undo = browser.in_panel().find_element(By.CSS_SELECTOR, f"{grace} .match span + button")
    assert undo.accessible_name == "Undo: match grace@globex.example to Grace Hopper again"
    undo.click()
    browser.wait(lambda: browser.cards()["grace@globex.example"]["kind"] == "contact", "Grace matched again")
    assert browser.status() == "grace@globex.example is matched to Grace Hopper again."
    assert in_db(stack, lambda: MatchCorrection.select().where(MatchCorrection.address == "grace@globex.example").count()) == 0
    assert as_colleague(stack, "post", "/api/v1/lookup", json={"participants": [{"email": "grace@globex.example"}]})["participants"][0]["kind"] == "contact"

    # A colleague's correction shows on the rep's panel once the conversation is looked up again.
    ada_id = in_db(stack, lambda: Contact.get(Contact.name == "Ada Lovelace").id)
    as_colleague(stack, "post", "/api/v1/match-corrections", json={"address": "ada@acme.example", "contact_id": ada_id})
    browser.open_thread(renewal)
    browser.wait_thread(renewal)
    browser.wait(lambda: browser.cards()["ada@acme.example"]["kind"] == "unknown", "Ada's card to follow the colleague's correction")
    assert "Matched by company domain acme.example" in browser.cards()["ada@acme.example"]["text"]
