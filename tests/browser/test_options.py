"""The options page in Chromium: the backend URL and client id are checked before they are saved."""

import pytest
from selenium.webdriver.common.by import By

from .harness import OPTIONS_URL, run_async

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def options(browser):
    driver = browser.driver
    driver.switch_to.new_window("window")
    driver.get(OPTIONS_URL)
    browser.wait(lambda: driver.find_element(By.ID, "backend-url").get_attribute("value"), "the saved settings")
    return driver


def save(browser, driver, backend_url, client_id=""):
    for field, value in (("backend-url", backend_url), ("client-id", client_id)):
        element = driver.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)
    driver.execute_script("document.getElementById('result').textContent = ''")
    driver.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    text = browser.wait(lambda: (t := driver.find_element(By.ID, "result").text) not in ("", "Checking the backend…") and t, "the result")
    return text, driver.find_element(By.ID, "result").get_attribute("class")


def stored_settings(driver):
    return run_async(driver, "return (await chrome.storage.local.get('settings')).settings || null;")


def test_the_defaults_are_shown(options):
    assert options.find_element(By.ID, "backend-url").get_attribute("value") == "http://127.0.0.1:5000"
    assert options.find_element(By.ID, "client-id").get_attribute("value") == ""


@pytest.mark.parametrize(
    "url, field, expected",
    [
        ("not a url", "backend-url", "Enter a full URL"),
        ("http://crm.example.com", "backend-url", "Use https://"),
        ("https://user:secret@crm.example.com", "backend-url", "Leave the user name"),
    ],
)
def test_a_malformed_backend_url_is_refused_and_nothing_saved(browser, options, url, field, expected):
    text, css = save(browser, options, url)
    assert expected in text and css == "error"
    assert options.find_element(By.ID, field).get_attribute("aria-invalid") == "true"
    assert stored_settings(options) is None


def test_a_malformed_client_id_is_refused(browser, options):
    text, css = save(browser, options, "http://127.0.0.1:5000", "not a client id!")
    assert "client id" in text and css == "error"


def test_an_unreachable_backend_is_refused(browser, options, stack):
    stack.stop_backend()
    try:
        text, css = save(browser, options, "http://127.0.0.1:5000/")
    finally:
        stack.start_backend()
    assert "No Threadbook backend answered at http://127.0.0.1:5000/healthz" in text and css == "error"
    assert stored_settings(options) is None


def test_a_reachable_backend_is_saved(browser, options):
    text, css = save(browser, options, " http://127.0.0.1:5000/ ", "threadbook-test.apps.googleusercontent.com")
    assert (text, css) == ("Saved. The backend at http://127.0.0.1:5000 is reachable.", "ok")
    assert stored_settings(options) == {"backendUrl": "http://127.0.0.1:5000", "clientId": "threadbook-test.apps.googleusercontent.com"}
