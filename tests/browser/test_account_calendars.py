"""The Account screen's calendars and notifications switch in Chromium: the built extension, the real backend, Google faked.

The rep signs in with Gmail read scopes only and has no connected mailbox, so
the calendar list cannot be read until they allow it ("Allow calendar list":
the extension asks Google for the list scope and sends that token). The fake
Calendar is served beside the fake Gmail under the backend's Google API root.
"""

import pytest
from selenium.webdriver.common.by import By

from threadbook.models import SyncedCalendar, User

from ..fakes import gcalendar
from ..fakes.gcalendar_store import CalendarState
from ..fakes.server import ServerThread
from .harness import REP, in_db

pytestmark = pytest.mark.browser

TEAM = "Sales team: the shared calendar of everyone who sells to the enterprise accounts"


@pytest.fixture
def calendars(stack, monkeypatch):
    """A fake Calendar with the rep's primary calendar and a shared one; the extension's tokens get the calendar scopes asked for."""
    state = CalendarState()
    state.add_calendar(REP["email"])
    team = state.add_shared_calendar(TEAM, {REP["email"]: "writer", "boss@threadbook.test": "owner"})
    server = ServerThread(gcalendar.combined_app(stack.gmail, state)).start()
    monkeypatch.setitem(stack.app.config, "GOOGLE_API_ROOT", server.url + "/")
    issue = stack.identity.access_token_issuer

    def issuer(email, scope):
        token = issue(email, scope)
        state.grant(token, email, scopes=[s for s in scope.split() if "/auth/calendar" in s])
        return token

    monkeypatch.setattr(stack.identity, "access_token_issuer", issuer)
    yield team
    server.stop()


def rows(browser):
    return browser.in_panel().execute_script(
        """return Array.from(document.querySelectorAll('#calendars-list li')).map((li) => ({
             id: li.dataset.calendarId, title: li.querySelector('label').title, text: li.textContent,
             checked: li.querySelector('input').checked, disabled: li.querySelector('input').disabled}));"""
    )


def shown(browser, element_id):
    return browser.in_panel().find_element(By.ID, element_id).is_displayed()


def test_choosing_calendars_and_notifications(browser, stack, calendars):
    browser.sign_in()
    browser.open_thread(None)
    browser.wait_screen("no-thread")
    browser.click("#open-account")
    browser.wait_screen("account")

    # Read-only Google access and no mailbox: the stored primary calendar, and a way to allow the list.
    browser.wait(lambda: shown(browser, "calendars-allow"), "the Allow calendar list button", timeout=20)
    assert [r["id"] for r in rows(browser)] == ["primary"]
    assert rows(browser)[0]["disabled"] is True
    assert not shown(browser, "calendars-save")

    browser.click("#calendars-allow")
    browser.wait(lambda: len(rows(browser)) == 2 and shown(browser, "calendars-save"), "Google's calendar list", timeout=20)
    primary, team = rows(browser)
    assert primary["checked"] is True and "(primary)" in primary["text"]
    assert team["id"] == calendars.id and team["title"] == TEAM and team["checked"] is False
    assert "Not synced" in team["text"]

    # Choose the shared calendar too, and save: the database has both chosen.
    browser.click(f'#calendars-list li[data-calendar-id="{calendars.id}"] input')
    browser.click("#calendars-save")
    browser.wait(lambda: "Saved: 2 calendars" in browser.in_panel().find_element(By.ID, "calendars-state").text, "the save", timeout=20)
    chosen = in_db(stack, lambda: sorted(r.calendar_id for r in SyncedCalendar.select().where(SyncedCalendar.selected == True)))  # noqa: E712
    assert chosen == sorted(["primary", calendars.id])
    assert ("PUT", "/api/v1/calendars/selection") in stack.requests

    # The notifications switch: on by default, turned off and saved.
    switch = browser.in_panel().find_element(By.ID, "notify-switch")
    browser.wait(lambda: switch.is_enabled(), "the notifications switch")
    was = in_db(stack, lambda: User.get(User.email == REP["email"]).notifications_enabled)
    assert switch.is_selected() is was
    switch.click()
    browser.wait(lambda: "Saved" in browser.in_panel().find_element(By.ID, "notify-state").text, "the switch to save", timeout=20)
    assert in_db(stack, lambda: User.get(User.email == REP["email"]).notifications_enabled) is (not was)
