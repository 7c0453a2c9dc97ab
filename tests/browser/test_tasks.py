"""CRM tasks on a card and in Google Tasks, in Chromium: the built extension, the real backend, Google faked.

The rep adds a task on Ada's card, turns Google Tasks on from the Account
screen (the backend answers needs_scope; "Allow Google Tasks" asks the fake
accounts.google.com for the tasks scope alone, and the backend keeps the
grant), and the task appears in the fake Google Tasks' "Threadbook" list.
Completed in Google, it shows done on the card after "Sync now"; another
task completed on the card is completed in Google.
"""

import pytest
from selenium.webdriver.common.by import By

from threadbook.models import Task

from ..fakes.gtasks import TasksState, create_app
from .harness import REP, in_db, serve_google_api
from .test_card_actions import set_field

pytestmark = pytest.mark.browser

ADA = 'li[data-email="ada@acme.example"]'
TASKS_SCOPE = "https://www.googleapis.com/auth/tasks"


@pytest.fixture
def gtasks(stack, monkeypatch):
    """A fake Google Tasks for the backend; the token endpoint's tokens open it with the tasks scope they carry."""
    state = TasksState()
    with serve_google_api(stack, monkeypatch, state, create_app(state), "GOOGLE_TASKS_API_ROOT", lambda s: s == TASKS_SCOPE):
        yield state


def task_rows(browser):
    return browser.in_panel().execute_script(
        f"""return Array.from(document.querySelectorAll('{ADA} [data-field="task-list"] li')).map((li) => ({{
             text: li.textContent.trim(), done: li.querySelector('input').checked}}));"""
    )


def add_task(browser, title, due):
    browser.wait(lambda: browser.in_panel().find_element(By.CSS_SELECTOR, f'{ADA} [data-action="add-task"]'), "Ada's tasks", timeout=20)
    browser.click(f'{ADA} [data-action="add-task"]')
    form = browser.wait(lambda: browser.in_panel().find_element(By.CSS_SELECTOR, f'{ADA} [data-field="task-form"] form'), "the task form")
    set_field(browser, form, "title", title)
    set_field(browser, form, "due", due)
    browser.click(f'{ADA} [data-action="save-task"]')
    browser.wait(lambda: any(r["text"].startswith(title) for r in task_rows(browser)), f"the task '{title}' on the card", timeout=20)


def state_text(browser):
    return browser.in_panel().find_element(By.ID, "google-tasks-state").text


def test_tasks_on_a_card_reach_google_tasks_and_completion_goes_both_ways(browser, stack, gtasks):
    browser.show_thread(stack.thread_ids[0])
    add_task(browser, "Send the renewal quote", "2031-03-04")
    assert task_rows(browser) == [{"text": "Send the renewal quote · due 2031-03-04", "done": False}]
    assert gtasks.calls == []  # Google Tasks is off: not one call

    # Turn Google Tasks on: the scope is missing, so the part offers to allow it; allowing turns it on.
    browser.click("#open-account")
    browser.wait_screen("account")
    browser.wait(lambda: state_text(browser) == "Off.", "the Google Tasks state", timeout=20)
    browser.click("#google-tasks-switch")
    browser.wait(lambda: browser.in_panel().find_element(By.ID, "google-tasks-allow").is_displayed(), "Allow Google Tasks", timeout=20)
    browser.click("#google-tasks-allow")
    browser.wait(lambda: state_text(browser).startswith("On:"), f"Google Tasks on (showing '{state_text(browser)}')", timeout=20)
    asked = stack.authorisations[-1]
    assert asked["scope"] == TASKS_SCOPE and asked["include_granted_scopes"] == "true" and asked["login_hint"] == REP["email"]
    [copy] = gtasks.tasks_in(REP["email"])
    assert (copy["title"], copy["due"], copy["status"]) == ("Send the renewal quote", "2031-03-04T00:00:00.000Z", "needsAction")

    # Completed in Google Tasks: done on the card after Sync now.
    gtasks.complete(REP["email"], "Send the renewal quote")
    browser.click("#google-tasks-sync")
    browser.wait(lambda: in_db(stack, lambda: Task.get(Task.title == "Send the renewal quote").done), "the completion read back", timeout=20)
    browser.click("#account-back")
    browser.wait(lambda: task_rows(browser)[:1] == [{"text": "Send the renewal quote · due 2031-03-04", "done": True}], "the task done on the card", timeout=20)

    # Another task, completed on the card: completed in Google Tasks.
    add_task(browser, "Book the pilot review", "2031-03-05")
    browser.wait(lambda: any(t["title"] == "Book the pilot review" for t in gtasks.tasks_in(REP["email"])), "the new task in Google Tasks", timeout=20)
    browser.in_panel().execute_script(
        f"""Array.from(document.querySelectorAll('{ADA} [data-field="task-list"] li'))
             .find((li) => li.textContent.includes('Book the pilot review')).querySelector('input').click();"""
    )
    browser.wait(lambda: gtasks.find(REP["email"], "Book the pilot review")["status"] == "completed", "the completion in Google Tasks", timeout=20)
