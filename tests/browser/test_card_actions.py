"""The contact card's actions in Chromium: "Schedule meeting" (with the conflict check) and "Email".

The built extension runs against the real backend. The rep has no connected
mailbox and the extension's Google token carries Gmail read scopes only, so
the panel sends no token for these actions: the meeting is booked and checked
against the rep's Threadbook meetings (it goes to Google Calendar at the next
calendar sync), and sending mail answers that a mailbox must be connected.
Sending itself is covered by the node tests (tests/extension/compose-actions.test.js).
"""

import datetime
import email
import email.policy

import pytest
from selenium.webdriver.common.by import By

from threadbook.models import Meeting, MeetingAttendee

from .harness import REP, in_db

pytestmark = pytest.mark.browser

ADA = 'li[data-email="ada@acme.example"]'
DAY, TIME = "2031-03-04", "10:00"


def set_field(browser, form, name, value):
    """Set a form control as the user would (date and time inputs take keys by locale; set the value and say it changed)."""
    browser.in_panel().execute_script(
        """const control = arguments[0].querySelector(`[name="${arguments[1]}"]`);
        control.value = arguments[2];
        control.dispatchEvent(new Event('input', {bubbles: true}));
        control.dispatchEvent(new Event('change', {bubbles: true}));""",
        form,
        name,
        value,
    )


def open_form(browser, action):
    browser.click(f'{ADA} [data-action="{action}"]')
    return browser.wait(lambda: browser.in_panel().find_element(By.CSS_SELECTOR, f"{ADA} form"), f"the {action} form")


def local_to_utc(browser, day, time):
    """The naive UTC datetime the backend stores for a local day and time in the browser's time zone."""
    iso = browser.in_panel().execute_script("return new Date(`${arguments[0]}T${arguments[1]}:00`).toISOString()", day, time)
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(tzinfo=None, microsecond=0)


def wait_until_sent(browser, box, sent_before):
    """Wait until Gmail received one more message; allow sending first when the form offers it.

    An earlier test in this browser may already have allowed sending, and its
    "Sent and logged" status may still show, so the fake Gmail is what says a send happened.
    """

    def sent_or_offered():
        if len(getattr(box, "sent", [])) > sent_before:
            return "sent"
        allow = browser.in_panel().find_elements(By.CSS_SELECTOR, f'{ADA} [data-action="allow-send"]')
        return "offered" if allow and allow[0].is_displayed() else None

    if browser.wait(sent_or_offered, "the mail to be sent or sending to be offered") == "offered":
        browser.click(f'{ADA} [data-action="allow-send"]')
        browser.wait(lambda: len(getattr(box, "sent", [])) > sent_before, "the mail to be sent")
    browser.wait(lambda: browser.status().startswith("Sent and logged"), "the panel to say it was sent")


@pytest.fixture
def on_renewal(browser, stack):
    renewal = stack.thread_ids[0]
    browser.show_thread(renewal)
    assert browser.cards()["ada@acme.example"]["kind"] == "contact"
    return renewal


def test_schedule_a_meeting_then_a_conflict_at_the_same_time(browser, stack, on_renewal):
    form = open_form(browser, "schedule-meeting")
    assert form.find_element(By.NAME, "title").get_attribute("value") == "Meeting with Ada Lovelace"
    set_field(browser, form, "date", DAY)
    set_field(browser, form, "time", TIME)
    set_field(browser, form, "duration", "45")
    set_field(browser, form, "location", "Acme HQ")
    browser.wait(lambda: "No conflicts" in form.find_element(By.CSS_SELECTOR, '[data-field="conflicts"]').text, "the conflict check")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    browser.wait(lambda: browser.status().startswith("Meeting booked: Meeting with Ada Lovelace"), "the booking")
    # The status comes first; the form closes once the cards are looked up again.
    browser.wait(lambda: not browser.in_panel().find_elements(By.CSS_SELECTOR, f"{ADA} form"), "the form to close")
    assert "10:00–10:45" in browser.status()

    start = local_to_utc(browser, DAY, TIME)
    meeting = in_db(stack, lambda: Meeting.get(Meeting.title == "Meeting with Ada Lovelace"))
    assert (meeting.start, meeting.end - meeting.start, meeting.location, meeting.status) == (start, datetime.timedelta(minutes=45), "Acme HQ", "confirmed")
    attendees = in_db(stack, lambda: [a.address_normalized for a in MeetingAttendee.select().where(MeetingAttendee.meeting == meeting.id)])
    assert attendees == ["ada@acme.example"]

    # A second meeting at the same time: the conflict is listed, nothing is booked until "Book anyway".
    form = open_form(browser, "schedule-meeting")
    set_field(browser, form, "title", "Follow-up with Ada")
    set_field(browser, form, "date", DAY)
    set_field(browser, form, "time", "10:15")
    conflicts = lambda: form.find_element(By.CSS_SELECTOR, '[data-field="conflicts"]').text
    browser.wait(lambda: conflicts().startswith("Overlaps:"), "the conflict from the check")
    assert conflicts() == "Overlaps: Meeting with Ada Lovelace 10:00–10:45"
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    browser.wait(lambda: form.find_element(By.CSS_SELECTOR, '[data-action="book-anyway"]').is_displayed(), "Book anyway")
    assert conflicts() == "Overlaps: Meeting with Ada Lovelace 10:00–10:45"
    assert in_db(stack, lambda: Meeting.select().where(Meeting.title == "Follow-up with Ada").count()) == 0
    assert ("POST", "/api/v1/meetings") in stack.requests

    form.find_element(By.CSS_SELECTOR, '[data-action="book-anyway"]').click()
    browser.wait(lambda: browser.status().startswith("Meeting booked: Follow-up with Ada"), "the booking anyway")
    assert in_db(stack, lambda: Meeting.get(Meeting.title == "Follow-up with Ada").start) == start + datetime.timedelta(minutes=15)


def test_a_refused_meeting_keeps_the_form(browser, stack, on_renewal):
    form = open_form(browser, "schedule-meeting")
    set_field(browser, form, "title", "")
    set_field(browser, form, "date", "2031-05-06")
    set_field(browser, form, "time", "14:30")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    error = browser.wait(lambda: form.find_element(By.CSS_SELECTOR, '[data-field="form-error"]').text, "the backend's message")
    assert "title" in error
    assert form.find_element(By.NAME, "time").get_attribute("value") == "14:30"
    form.find_element(By.CSS_SELECTOR, '[data-action="cancel"]').click()


def test_email_without_a_connected_mailbox_says_so_and_keeps_the_text(browser, stack, on_renewal):
    form = open_form(browser, "compose-email")
    assert form.find_element(By.NAME, "to").get_attribute("value") == "ada@acme.example"
    form.find_element(By.NAME, "subject").send_keys("Renewal terms")
    form.find_element(By.NAME, "body").send_keys("Hi Ada, the terms follow.")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    error = browser.wait(lambda: form.find_element(By.CSS_SELECTOR, '[data-field="form-error"]').text, "the backend's answer")
    assert "connect your mailbox" in error
    assert form.find_element(By.NAME, "body").get_attribute("value") == "Hi Ada, the terms follow."
    assert not stack.gmail.calls_to("POST", "/messages/send")
    form.find_element(By.CSS_SELECTOR, '[data-action="cancel"]').click()


def test_email_with_cc_and_bcc_after_allowing_sending(browser, stack, on_renewal):
    box = stack.gmail.mailbox(REP["email"])
    sent_before = len(getattr(box, "sent", []))
    form = open_form(browser, "compose-email")
    form.find_element(By.NAME, "cc").send_keys("grace@globex.example, bob@acme.example")
    form.find_element(By.NAME, "bcc").send_keys("boss@threadbook.test")
    form.find_element(By.NAME, "subject").send_keys("Renewal terms, with copies")
    form.find_element(By.NAME, "body").send_keys("Hi Ada, Grace and Bob see this too.")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    # Signed in to read only: the form offers to ask Google for sending, then sends what is typed.
    allow = browser.wait(lambda: (b := form.find_element(By.CSS_SELECTOR, '[data-action="allow-send"]')).is_displayed() and b, "the offer to allow sending")
    allow.click()
    browser.wait(lambda: browser.status().startswith("Sent and logged: Renewal terms, with copies."), "the mail to be sent")
    [message] = [email.message_from_bytes(raw, policy=email.policy.default) for raw, _ in box.sent[sent_before:]]
    assert message["Cc"] == "grace@globex.example, bob@acme.example"
    assert message["Bcc"] == "boss@threadbook.test"  # in the raw Gmail sends; Gmail keeps it in the sender's copy only
    assert message["Subject"] == "Renewal terms, with copies"


def test_a_reply_from_a_card_goes_into_the_logged_conversation(browser, stack, on_renewal):
    renewal = stack.thread_ids[0]
    box = stack.gmail.mailbox(REP["email"])
    sent_before = len(getattr(box, "sent", []))
    browser.click("#log-thread")
    browser.wait(lambda: browser.in_panel().find_element(By.ID, "log-state").is_displayed(), "the logged state")
    form = open_form(browser, "compose-email")
    reply = form.find_element(By.NAME, "reply")
    assert reply.is_displayed()
    reply.click()
    form.find_element(By.NAME, "body").send_keys("Thanks Ada, agreed.")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    wait_until_sent(browser, box, sent_before)
    [(raw, thread_id)] = box.sent[sent_before:]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert thread_id == renewal, "Gmail threads the reply into the open conversation"
    assert message["Subject"] == "Re: Renewal terms"
    assert message["In-Reply-To"]


def test_an_attachment_is_sent_with_the_email(browser, stack, on_renewal, tmp_path):
    quote = tmp_path / "quote.pdf"
    quote.write_bytes(b"%PDF-1.4 the renewal quote")
    box = stack.gmail.mailbox(REP["email"])
    sent_before = len(getattr(box, "sent", []))
    form = open_form(browser, "compose-email")
    browser.wait(lambda: "up to 25 MB" in form.text, "the attachment limit")
    form.find_element(By.NAME, "attachments").send_keys(str(quote))
    form.find_element(By.NAME, "subject").send_keys("The quote")
    form.find_element(By.NAME, "body").send_keys("Attached.")
    form.find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()
    wait_until_sent(browser, box, sent_before)
    [(raw, _)] = box.sent[sent_before:]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "quote.pdf"
    assert part.get_content() == b"%PDF-1.4 the renewal quote"
