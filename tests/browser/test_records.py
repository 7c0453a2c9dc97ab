"""The record on a card, in Chromium: edit a contact in place, a refused reassignment, a contact's deals, converting a lead.

The built extension runs against the real backend seeded with the demo
organisation: Ada Lovelace is a contact owned by Demo Admin, and the rep
(Rita Rep) joins as a member, so the backend refuses to let her give Ada to
anyone. Every step is checked in the database.
"""

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from threadbook.models import Company, Contact, Deal, Lead, User

from .harness import REP, in_db

pytestmark = pytest.mark.browser

ADA = 'li[data-email="ada@acme.example"]'
MINA = 'li[data-email="mina@newco.example"]'


def ada(stack):
    return in_db(stack, lambda: Contact.get(Contact.name == "Ada Lovelace"))


def card_form(browser, card, name):
    return browser.wait(lambda: browser.in_panel().find_element(By.CSS_SELECTOR, f'{card} [data-form="{name}"]'), f"the {name} form")


def replace(field, text):
    field.clear()
    field.send_keys(text)


def focused(browser):
    """What has the focus in the panel: its data-action, else its name."""
    return browser.in_panel().execute_script("const e = document.activeElement; return e.dataset.action || e.name || e.tagName")


def no_sideways_scroll(browser):
    return browser.in_panel().execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.fixture
def on_renewal(browser, stack):
    renewal = stack.thread_ids[0]
    browser.show_thread(renewal)
    return renewal


def open_editor(browser):
    browser.click(f'{ADA} [data-action="edit-record"]')
    form = card_form(browser, ADA, "record")
    browser.wait(lambda: form.find_element(By.NAME, "owner_id").is_enabled(), "the team in the owner choice")
    return form


def test_a_member_refused_reassigning_a_colleagues_contact_sees_why_and_loses_nothing(browser, stack, on_renewal):
    before = ada(stack)
    form = open_editor(browser)
    replace(form.find_element(By.NAME, "title"), "Chief Scientist")
    Select(form.find_element(By.NAME, "owner_id")).select_by_visible_text(f"{REP['name']} ({REP['email']})")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()

    error = browser.wait(lambda: form.find_element(By.CSS_SELECTOR, '[data-field="form-error"]').text, "the refusal in the form")
    assert error == "Only the contact's owner or an administrator can change its owner."
    hint = form.find_element(By.CSS_SELECTOR, '[data-field="form-hint"]').text
    assert hint == "Nothing was saved. Set Owner back to Demo Admin (demo@threadbook.test) to save your other changes."
    assert form.find_element(By.NAME, "title").get_attribute("value") == "Chief Scientist"
    assert Select(form.find_element(By.NAME, "owner_id")).first_selected_option.text.startswith(REP["name"])
    after = ada(stack)
    assert (after.title, after.owner_id) == (before.title, before.owner_id)

    # Following the hint saves the rest.
    Select(form.find_element(By.NAME, "owner_id")).select_by_visible_text("Demo Admin (demo@threadbook.test)")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    browser.wait(lambda: browser.status() == "Saved Ada Lovelace.", "the save")
    assert (ada(stack).title, ada(stack).owner_id) == ("Chief Scientist", before.owner_id)


def test_edit_a_contact_in_place_and_see_it_saved(browser, stack, on_renewal):
    form = open_editor(browser)
    edit = browser.in_panel().find_element(By.CSS_SELECTOR, f'{ADA} [data-action="edit-record"]')
    assert edit.get_attribute("aria-label") == "Edit Ada Lovelace"
    assert edit.get_attribute("aria-expanded") == "true"
    assert focused(browser) == "name"
    replace(form.find_element(By.NAME, "title"), "CTO and co-founder")
    replace(form.find_element(By.NAME, "phone"), "+44 20 7946 0000")
    replace(form.find_element(By.NAME, "company_name"), "Analytical Engines")
    form.find_element(By.NAME, "company_name").send_keys(Keys.ENTER)

    browser.wait(lambda: browser.status() == "Saved Ada Lovelace.", "the save")
    browser.wait(lambda: "CTO and co-founder" in browser.cards()["ada@acme.example"]["text"], "the card to show the new title")
    saved = ada(stack)
    assert (saved.title, saved.phone) == ("CTO and co-founder", "+44 20 7946 0000")
    assert in_db(stack, lambda: Company.get_by_id(saved.company_id).name) == "Analytical Engines"
    assert "Company: Analytical Engines" in browser.cards()["ada@acme.example"]["text"]
    assert not browser.in_panel().find_elements(By.CSS_SELECTOR, f"{ADA} form")
    assert focused(browser) == "edit-record", "the focus goes back to Edit"

    # Escape closes the editor without saving.
    form = open_editor(browser)
    replace(form.find_element(By.NAME, "title"), "Not saved")
    form.find_element(By.NAME, "title").send_keys(Keys.ESCAPE)
    browser.wait(lambda: not browser.in_panel().find_elements(By.CSS_SELECTOR, f"{ADA} form"), "the editor to close")
    assert ada(stack).title == "CTO and co-founder"


def test_create_a_deal_change_its_stage_and_close_it_won(browser, stack, on_renewal):
    browser.click(f'{ADA} [data-action="deals"]')
    deals = card_form(browser, ADA, "deals")
    assert deals.get_attribute("aria-label") == "Deals with Ada Lovelace"
    browser.wait(lambda: deals.find_elements(By.CSS_SELECTOR, ".deal"), "the deals")
    assert [row.get_attribute("data-status") for row in deals.find_elements(By.CSS_SELECTOR, ".deal")] == ["open"]
    assert "Acme platform rollout" in deals.text

    deals.find_element(By.NAME, "deal_name").send_keys("Acme expansion")
    deals.find_element(By.NAME, "amount").send_keys("25000")
    Select(deals.find_element(By.NAME, "stage")).select_by_visible_text("proposal")
    deals.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    browser.wait(lambda: browser.status() == "Deal created: Acme expansion.", "the new deal")
    created = in_db(stack, lambda: Deal.get(Deal.name == "Acme expansion"))
    contact = ada(stack)
    assert (created.stage, created.status, created.amount, created.contact_id, created.company_id) == (
        "proposal",
        "open",
        Decimal("25000"),
        contact.id,
        contact.company_id,
    )
    row = f'{ADA} [data-deal-id="{created.id}"]'
    browser.wait(lambda: browser.in_panel().find_elements(By.CSS_SELECTOR, row), "the new deal in the list")

    stage = browser.in_panel().find_element(By.CSS_SELECTOR, f"{row} select")
    assert stage.get_attribute("aria-label") == "Stage of Acme expansion"
    Select(stage).select_by_visible_text("negotiation")
    browser.wait(lambda: browser.status() == "Acme expansion: negotiation.", "the stage change")
    assert in_db(stack, lambda: Deal.get_by_id(created.id).stage) == "negotiation"

    browser.wait(lambda: browser.in_panel().find_element(By.CSS_SELECTOR, f'{row} [data-action="deal-won"]').is_enabled(), "the row to be ready")
    browser.click(f'{row} [data-action="deal-won"]')
    browser.wait(lambda: browser.status() == "Acme expansion: won.", "the deal won")
    assert in_db(stack, lambda: Deal.get_by_id(created.id).status) == "won"
    browser.wait(lambda: browser.in_panel().find_element(By.CSS_SELECTOR, row).get_attribute("data-status") == "won", "the deal shown as won")
    assert browser.in_panel().find_element(By.CSS_SELECTOR, f"{row} .badge").text == "Won"
    statuses = [r.get_attribute("data-status") for r in browser.in_panel().find_elements(By.CSS_SELECTOR, f"{ADA} .deal")]
    assert statuses == ["open", "won"], "open deals first"
    # The card's summary of open deals no longer lists it.
    assert "Acme expansion" not in browser.in_panel().find_element(By.CSS_SELECTOR, f'{ADA} [data-field="deals"]').text

    browser.click(f'{ADA} [data-form="deals"] [data-action="cancel"]')
    browser.wait(lambda: focused(browser) == "deals", "the focus back on Deals")


def test_convert_a_lead_to_a_contact_with_a_company_and_a_deal(browser, stack, on_renewal):
    cards = browser.cards()
    if cards["mina@newco.example"]["kind"] == "unknown":
        browser.click(f'{MINA} [data-action="create-lead"]')
        lead_form = browser.in_panel().find_element(By.CSS_SELECTOR, f"{MINA} form")
        lead_form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
        browser.wait(lambda: browser.cards()["mina@newco.example"]["kind"] == "lead", "Mina to become a lead")

    convert = browser.wait(lambda: browser.in_panel().find_element(By.CSS_SELECTOR, f'{MINA} [data-action="convert-lead"]'), "Convert to contact")
    assert convert.get_attribute("aria-label") == "Convert Mina Park to a contact"
    convert.click()
    form = card_form(browser, MINA, "convert")
    replace(form.find_element(By.NAME, "company_name"), "NewCo Ltd")
    form.find_element(By.NAME, "with_deal").click()
    replace(form.find_element(By.NAME, "deal_name"), "NewCo pilot")
    form.find_element(By.NAME, "amount").send_keys("5000")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()

    browser.wait(lambda: browser.cards()["mina@newco.example"]["kind"] == "contact", "the card to become the contact")
    assert browser.status() == "Mina Park is now a contact with the deal NewCo pilot."
    assert in_db(stack, lambda: Lead.get(Lead.email_normalized == "mina@newco.example").status) == "converted"
    contact = in_db(stack, lambda: Contact.get(Contact.name == "Mina Park"))
    assert in_db(stack, lambda: Company.get_by_id(contact.company_id).name) == "NewCo Ltd"
    deal = in_db(stack, lambda: Deal.get(Deal.name == "NewCo pilot"))
    rep = in_db(stack, lambda: User.get(User.email == REP["email"]))
    assert (deal.contact_id, deal.company_id, deal.amount, deal.owner_id) == (contact.id, contact.company_id, Decimal("5000"), rep.id)
    text = browser.cards()["mina@newco.example"]["text"]
    assert "Company: NewCo Ltd" in text and "NewCo pilot" in text
    assert browser.in_panel().find_elements(By.CSS_SELECTOR, f'{MINA} [data-action="deals"]')


def test_the_forms_fit_320_pixels_and_follow_the_dark_theme(browser, stack, on_renewal):
    driver = browser.in_panel()
    size = driver.get_window_size()
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        browser.wait(lambda: driver.execute_script("return innerWidth") == 320, "the panel at 320 px")
        for action, name in (("edit-record", "record"), ("deals", "deals")):
            browser.click(f'{ADA} [data-action="{action}"]')
            form = card_form(browser, ADA, name)
            browser.wait(lambda form=form: form.get_attribute("aria-busy") is None, "the form to load")
            assert no_sideways_scroll(browser), f"the {name} form fits 320 px"
        # A long deal name is cut short on one line, its full text in the title.
        name = in_db(stack, lambda: Deal.get(Deal.name == "Acme platform rollout").name)
        cell = driver.find_element(By.CSS_SELECTOR, f'{ADA} .deal-name[title="{name}"]')
        assert cell.value_of_css_property("text-overflow") == "ellipsis"
        # Dark: the form's fields take the dark theme's colours.
        field = driver.find_element(By.CSS_SELECTOR, f'{ADA} [name="deal_name"]')
        assert field.value_of_css_property("background-color") == "rgba(27, 28, 31, 1)"
        field.send_keys(Keys.ESCAPE)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        driver.set_window_size(size["width"], size["height"])
