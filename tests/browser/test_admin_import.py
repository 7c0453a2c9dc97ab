"""Import contacts from the admin page in Chromium: the built extension, the real backend, Google faked.

An administrator chooses a small CSV file, checks it with a dry run (nothing
written), reads the summary, imports it for real for a colleague (the
contacts are in the database) and downloads the rejected rows; a file
without an email column and one over a lowered THREADBOOK_IMPORT_MAX_BYTES
are refused in the section with what to do. The section works at 320 px, in
the dark theme, and from the keyboard. An import left to the worker is polled
until it ends (the harness runs jobs in the request; that test queues it and
runs it itself).
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from threadbook.crm import import_jobs
from threadbook.db import database
from threadbook.models import Contact, ContactAddress, ContactImport, User

from .harness import REP
from .test_admin_page import ADMIN_URL, close_tab, in_db, note, open_in_tab, wait_ready

pytestmark = pytest.mark.browser

CSV = "E-mail;Full name;LinkedIn\nnora@north.example;Nora North;x\nada@acme.example;Ada again;\nnot-an-address;Bad;\nNora@North.example;Nora twice;\n"


def contact_of(stack, address):
    """(name, owner's email) of the contact with ``address``, or None."""

    def query():
        row = ContactAddress.get_or_none(ContactAddress.email_normalized == address)
        return row and (row.contact.name, row.contact.owner.email if row.contact.owner else None)

    return in_db(stack, query)


def js(page, script, *args):
    return page.execute_script(script, *args)


def test_an_admin_checks_then_imports_a_file_and_downloads_the_rejects(browser, stack, tmp_path):
    browser.sign_in()
    in_db(stack, lambda: User.update(role="admin").where(User.email == REP["email"]).execute())
    page = open_in_tab(browser, ADMIN_URL)
    wait_ready(browser, page, "admin")
    section = page.find_element(By.ID, "import")
    form = section.find_element(By.TAG_NAME, "form")
    assert section.find_element(By.CSS_SELECTOR, "[data-limit]").text == "(up to 20 MB)"
    browser.wait(lambda: section.find_element(By.CSS_SELECTOR, "ul").text == "No imports yet.", "the empty list of imports")

    # The file, its owner (a colleague), a column read as a field; a dry run is the default.
    path = tmp_path / "Q3 contacts from the trade fair in Hannover, cleaned up.csv"
    path.write_text(CSV, encoding="utf-8")
    form.find_element(By.NAME, "file").send_keys(str(path))
    Select(form.find_element(By.NAME, "owner_email")).select_by_value("demo@threadbook.test")
    form.find_element(By.NAME, "map").send_keys("LinkedIn=ignore")
    assert form.find_element(By.NAME, "dry_run").is_selected()
    submit = form.find_element(By.CSS_SELECTOR, "button")
    assert submit.text == "Check file"
    submit.click()
    browser.wait(lambda: note(page, "import").startswith("Dry run done"), "the dry run to finish", timeout=20)
    assert contact_of(stack, "nora@north.example") is None
    summary = section.find_element(By.CSS_SELECTOR, "[data-summary]").text
    assert "Would import 1 of 4 row(s): a dry run, nothing was written." in summary
    assert "Duplicates: 2 (already a contact: 1, same address as an earlier line: 1)" in summary
    assert "Invalid: 1 (not a valid email address: 1)" in summary
    assert "Read as UTF-8, semicolon-separated." in summary
    assert "Ignored columns (unknown or mapped to ignore): LinkedIn" in summary
    bar = section.find_element(By.CSS_SELECTOR, "[role=progressbar]")
    assert (bar.get_attribute("aria-valuenow"), bar.get_attribute("aria-valuetext")) == ("100", "4 of 4 rows")
    title = section.find_element(By.CSS_SELECTOR, "[data-title]")
    assert title.get_attribute("title") == f"Dry run of {path.name}"

    # For real: the button now imports; the contact is in the database, owned by the colleague.
    assert submit.text == "Import" and not form.find_element(By.NAME, "dry_run").is_selected()
    submit.click()
    browser.wait(lambda: note(page, "import") == "Import done: 1 new contact(s).", "the import to finish", timeout=20)
    assert contact_of(stack, "nora@north.example") == ("Nora North", "demo@threadbook.test")
    assert contact_of(stack, "ada@acme.example")[0] == "Ada Lovelace"  # a duplicate: untouched
    imports = in_db(stack, lambda: [(i.dry_run, i.status) for i in ContactImport.select().order_by(ContactImport.id)])
    assert imports == [(True, "done"), (False, "done")]
    rows = section.find_elements(By.CSS_SELECTOR, "ul li")
    assert len(rows) == 2 and "Imported 1 of 4" in rows[0].text and "Dry run: would import 1 of 4" in rows[1].text
    assert rows[0].find_element(By.CSS_SELECTOR, ".cut").get_attribute("title") == path.name

    # The rejected rows, downloaded as a file through a Blob URL.
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    page.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    section.find_element(By.CSS_SELECTOR, "[data-summary] button").click()
    saved = downloads / "Q3_contacts_from_the_trade_fair_in_Hannover_cleaned_up.rejects.csv"
    browser.wait(lambda: saved.exists() and saved.stat().st_size > 0, "the rejects file to be saved", timeout=15)
    data = saved.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "line,reason,E-mail,Full name,LinkedIn"
    assert lines[1].startswith("3,already a contact") and lines[2].startswith("4,not a valid email address")
    assert lines[3].startswith("5,same address as line 2")
    close_tab(browser, page)


def test_refusals_say_what_to_do(browser, stack, tmp_path):
    page = open_in_tab(browser, ADMIN_URL)
    wait_ready(browser, page, "admin")
    section = page.find_element(By.ID, "import")
    form = section.find_element(By.TAG_NAME, "form")
    submit = form.find_element(By.CSS_SELECTOR, "button")

    # No email column: a 400 naming the file's columns, the file field focused.
    bad = tmp_path / "people.csv"
    bad.write_text("name;phone\nAda;1\n", encoding="utf-8")
    form.find_element(By.NAME, "file").send_keys(str(bad))
    submit.click()
    browser.wait(lambda: note(page, "import").startswith("No email column"), "the refusal")
    assert "with an email column" in note(page, "import")
    assert section.find_element(By.CSS_SELECTOR, "[data-note]").get_attribute("role") == "alert"
    assert js(page, "return document.activeElement.name") == "file"

    # Over the limit (lowered while the page is open): the backend's 413, and the page learns the limit.
    big = tmp_path / "big.csv"
    big.write_text("email\n" + "someone@big.example\n" * 200, encoding="utf-8")
    stack.app.config["IMPORT_MAX_BYTES"] = 1024
    try:
        form.find_element(By.NAME, "file").send_keys(str(big))
        submit.click()
        browser.wait(lambda: "larger than the 1 KB an import takes" in note(page, "import"), "the 413")
        assert "Split it into several files" in note(page, "import")
        assert section.find_element(By.CSS_SELECTOR, "[data-limit]").text == "(up to 1 KB)"
        # Now the page refuses it before uploading.
        posts = len([r for r in stack.requests if r == ("POST", "/api/v1/org/imports")])
        submit.click()
        browser.wait(lambda: note(page, "import").startswith("big.csv is 4 KB; an import takes up to 1 KB."), "the refusal before uploading")
        assert len([r for r in stack.requests if r == ("POST", "/api/v1/org/imports")]) == posts
    finally:
        stack.app.config["IMPORT_MAX_BYTES"] = 20 * 1024 * 1024
    assert in_db(stack, lambda: Contact.select().join(ContactAddress).where(ContactAddress.email_normalized == "someone@big.example").count()) == 0
    close_tab(browser, page)


def test_the_section_at_320_px_in_the_dark_and_from_the_keyboard(browser, stack):
    page = open_in_tab(browser, ADMIN_URL)
    page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        page.refresh()
        wait_ready(browser, page, "admin")
        section = page.find_element(By.ID, "import")
        browser.wait(lambda: section.find_elements(By.CSS_SELECTOR, "ul li button"), "the recent imports")
        section.find_elements(By.CSS_SELECTOR, "ul li button")[0].click()
        browser.wait(lambda: section.find_element(By.CSS_SELECTOR, "[data-job]").is_displayed(), "an import shown")
        assert js(page, "return document.documentElement.scrollWidth") <= 320, "nothing wider than the window"
        title = section.find_element(By.CSS_SELECTOR, "[data-title]")
        assert title.get_attribute("title").endswith("from the trade fair in Hannover, cleaned up.csv")
        assert js(page, "return arguments[0].scrollWidth > arguments[0].clientWidth", title), "the long file name is cut to one line"
        background = js(page, "return getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(27, 28, 31)", background
        assert js(page, "return getComputedStyle(document.querySelector('#import .bar span')).backgroundColor") == "rgb(168, 199, 250)"

        # From the map field, Tab reaches the dry-run switch then the button, its focus visible.
        section.find_element(By.NAME, "map").click()
        page.switch_to.active_element.send_keys(Keys.TAB)
        assert js(page, "return document.activeElement.name") == "dry_run"
        page.switch_to.active_element.send_keys(Keys.TAB)
        assert js(page, "return document.activeElement.textContent") in ("Check file", "Import")
        assert js(page, "return getComputedStyle(document.activeElement).outlineStyle") == "solid"
        labels = js(page, "return Array.from(document.querySelectorAll('#import button[aria-label]'), (b) => b.getAttribute('aria-label'))")
        assert any(label.startswith("Show the import of ") for label in labels)
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    close_tab(browser, page)


def test_an_import_waiting_for_the_worker_is_followed_until_it_ends(browser, stack, tmp_path, monkeypatch):
    queued = []
    monkeypatch.setattr(import_jobs.queue, "enqueue", lambda name, *args: queued.append(args[0]))  # no worker yet
    page = open_in_tab(browser, ADMIN_URL)
    wait_ready(browser, page, "admin")
    section = page.find_element(By.ID, "import")
    form = section.find_element(By.TAG_NAME, "form")
    path = tmp_path / "later.csv"
    path.write_text("email,name\nlia@later.example,Lia\nmo@later.example,Mo\n", encoding="utf-8")
    form.find_element(By.NAME, "file").send_keys(str(path))
    form.find_element(By.CSS_SELECTOR, "button").click()
    browser.wait(lambda: section.find_element(By.CSS_SELECTOR, "[data-status]").text == "Waiting for the worker…", "the queued import")
    bar = section.find_element(By.CSS_SELECTOR, "[role=progressbar]")
    assert (bar.get_attribute("aria-valuenow"), bar.get_attribute("aria-valuetext")) == ("0", "0 of 2 rows")
    assert form.find_element(By.CSS_SELECTOR, "button").get_attribute("disabled") is not None  # one import at a time

    # The worker runs it: the page, polling, shows it done.
    with stack.app.app_context(), database.connection_context():
        import_jobs.run(queued[0])
    browser.wait(lambda: note(page, "import").startswith("Dry run done"), "the polled import to end", timeout=15)
    assert bar.get_attribute("aria-valuenow") == "100"
    assert "Would import 2 of 2 row(s)" in section.find_element(By.CSS_SELECTOR, "[data-summary]").text
    assert ("GET", f"/api/v1/org/imports/{queued[0]}") in stack.requests
    close_tab(browser, page)
