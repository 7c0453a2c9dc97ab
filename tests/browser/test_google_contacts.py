"""Copying CRM contacts to Google Contacts from the Account screen, in Chromium, end to end.

The rep turns the switch on: they have no Google connection with Contacts,
so the panel runs the mailbox connection's consent with the contacts scope
added (the fake accounts.google.com consents), the backend stores the
refresh token and turns copying on, and the first copy runs (the harness's
queue is immediate) into the fake People API's "Threadbook" group. Then a
CRM edit reaches Google on "Sync now", an edit made in Google is not
overwritten (the conflict shows and the rep settles it), and a deletion
removes the copy.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from threadbook.crm import store as crm
from threadbook.models import Contact, GoogleContactsSync, User

from ..fakes.gpeople import PeopleState, create_app
from .harness import REP, in_db, serve_google_api
from .test_account import text

pytestmark = pytest.mark.browser

ADA = "ada.gcontacts@customer.example"


@pytest.fixture
def people(stack, monkeypatch):
    """A fake People API; the token endpoint's access tokens open it with the contacts scopes they carry."""
    state = PeopleState()
    with serve_google_api(stack, monkeypatch, state, create_app(state), "GOOGLE_PEOPLE_API_ROOT", lambda s: "/auth/contacts" in s):
        yield state


def rep():
    return User.get(User.email == REP["email"])


def shown(browser, element_id):
    return browser.in_panel().find_element(By.ID, element_id).is_displayed()


def sync_now(browser):
    browser.click("#gcontacts-sync")


def test_copying_contacts_to_google_from_the_account_screen(browser, stack, people):
    browser.sign_in()
    browser.wait_screen("no-thread")
    ada = in_db(stack, lambda: crm.create_contact(rep().org_id, "Ada Lovelace", [ADA], owner=rep()))
    browser.click("#open-account")
    browser.wait_screen("account")
    browser.wait(lambda: shown(browser, "gcontacts-allow"), "the Allow Contacts button", timeout=20)
    assert "permission" in text(browser, "gcontacts-state") or text(browser, "gcontacts-state") == "Off."

    # Turn it on: Google's consent with Contacts, then the first copy into the "Threadbook" group.
    browser.click("#gcontacts-switch")
    browser.wait(lambda: people.members_named(REP["email"], "Threadbook") == [ADA], "Ada in the Threadbook group", timeout=30)
    asked = stack.authorisations[-1]["scope"].split()
    assert "https://www.googleapis.com/auth/contacts" in asked
    assert stack.authorisations[-1]["include_granted_scopes"] == "true"
    browser.wait(lambda: text(browser, "gcontacts-state").startswith("On: 1 contact"), "the On state", timeout=20)
    assert not shown(browser, "gcontacts-allow")
    assert in_db(stack, lambda: GoogleContactsSync.get(GoogleContactsSync.user == rep().id).enabled) is True

    # A CRM edit reaches Google on Sync now.
    in_db(stack, lambda: Contact.update(name="Ada King", name_lower="ada king").where(Contact.id == ada.id).execute())
    sync_now(browser)
    browser.wait(lambda: (people.find(REP["email"], ADA) or {}).get("names", [{}])[0].get("familyName") == "King", "the new name in Google", timeout=20)

    # Edited in Google, then in the CRM: Google's edit is kept and the conflict shows.
    resource = people.find(REP["email"], ADA)["resourceName"]
    people.edit(REP["email"], resource, phoneNumbers=[{"value": "+33 1 23 45 67 89"}])
    in_db(stack, lambda: Contact.update(phone="+1 555 0100").where(Contact.id == ada.id).execute())
    sync_now(browser)
    browser.wait(lambda: "changed in Google" in text(browser, "gcontacts-conflicts"), "the conflict", timeout=20)
    assert "+33 1 23 45 67 89" in text(browser, "gcontacts-conflicts")
    assert people.find(REP["email"], ADA)["phoneNumbers"] == [{"value": "+33 1 23 45 67 89"}]

    # The rep chooses the CRM's version: it is written over Google's.
    browser.click("#gcontacts-conflicts li button:nth-of-type(2)")
    browser.wait(lambda: people.find(REP["email"], ADA)["phoneNumbers"] == [{"value": "+1 555 0100"}], "the CRM's phone in Google", timeout=20)
    browser.wait(lambda: not shown(browser, "gcontacts-conflicts"), "the conflict settled", timeout=20)

    # Deleted in the CRM: the copy leaves Google.
    in_db(stack, lambda: Contact.delete().where(Contact.id == ada.id).execute())
    sync_now(browser)
    browser.wait(lambda: people.find(REP["email"], ADA) is None, "Ada removed from Google", timeout=20)
    browser.wait(lambda: text(browser, "gcontacts-state").startswith("On: 0 contacts"), "the count", timeout=20)


def setting_of_rep():
    setting = GoogleContactsSync.get_or_none(GoogleContactsSync.user == rep().id)
    return (setting.filter_kind, setting.filter_value) if setting else None


def test_choosing_a_company_or_a_colleague_in_the_panel(browser, stack, people):
    """The company and owner filters are chosen in the panel: a company search, the members' list, the id sent."""
    browser.sign_in()
    globex = in_db(stack, lambda: crm.create_company(rep().org_id, "Globex Picker"))
    # After the test above the panel is still on the Account screen.
    browser.wait(lambda: browser.screen() in ("no-thread", "account"), "a screen with the Account button", timeout=20)
    if browser.screen() != "account":
        browser.click("#open-account")
        browser.wait_screen("account")
    panel = browser.in_panel()
    browser.wait(lambda: panel.find_element(By.ID, "gcontacts-filter").is_enabled(), "the filter", timeout=20)

    Select(panel.find_element(By.ID, "gcontacts-filter")).select_by_value("company")
    browser.wait(lambda: shown(browser, "gcontacts-company-q"), "the company search")
    panel.find_element(By.ID, "gcontacts-company-q").send_keys("globex")
    browser.click("#gcontacts-company-find")
    browser.wait(lambda: panel.find_elements(By.CSS_SELECTOR, f'#gcontacts-company option[value="{globex.id}"]'), "Globex among the matches")
    Select(panel.find_element(By.ID, "gcontacts-company")).select_by_value(str(globex.id))
    browser.wait(lambda: in_db(stack, setting_of_rep) == ("company", globex.id), "the company filter saved", timeout=20)
    browser.wait(lambda: text(browser, "gcontacts-target-name") == "Copying the contacts of Globex Picker.", "the company's name")

    Select(panel.find_element(By.ID, "gcontacts-filter")).select_by_value("owner")
    me = in_db(stack, rep)
    browser.wait(lambda: panel.find_elements(By.CSS_SELECTOR, f'#gcontacts-owner option[value="{me.id}"]'), "the rep among the members")
    Select(panel.find_element(By.ID, "gcontacts-owner")).select_by_value(str(me.id))
    browser.wait(lambda: in_db(stack, setting_of_rep) == ("owner", me.id), "the owner filter saved", timeout=20)
