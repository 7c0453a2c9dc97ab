"""The panel's quality across its views, in Chromium at 320 pixels, light and dark, with real data.

A conversation of eight people with long names and a long subject (one
without a name, a lead, contacts with a long-named deal) is shown with each
view open in turn: the log options and *Choose messages*, a timeline and the
match explanation, and every card form (note, lead, meeting, email, record
editor, deals, conversion); then the Account screen, the sign-in screen and
the admin page. In each, light and dark:

- nothing is wider than the panel (no sideways scrolling);
- text cut short carries its full text in ``title``;
- text is at least 12 px and contrasts with its background (WCAG AA: 4.5:1, 3:1 for large text);
- every control has an accessible name;
- markup from mail stays text.

The keyboard reaches every control of a conversation with a visible focus
ring, and the skip links keep eight people from being a wall of tab stops.
"""

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from threadbook.identity.sessions import issue_session
from threadbook.models import Contact, Organization, User

from .harness import EXTENSION_ORIGIN, MAILBOX, PANEL_URL, REP, Stack, in_db

pytestmark = pytest.mark.browser

ADMIN_URL = f"{EXTENSION_ORIGIN}/extension/admin/admin.html"
LONG_SUBJECT = (
    "Quarterly business review of the Northern Hemisphere expansion programme: budget, risks, "
    "staffing and the very long list of follow-up actions nobody has read yet"
)
MAX = "Maximilian Alexander von Hohenzollern-Sigmaringen <maximilian.alexander.von.hohenzollern@an-exceptionally-long-company-domain.example>"
BART = "bart@featherstonehaugh-cholmondeley.example"
LONG_DEAL = "Acme worldwide platform rollout including the Antarctic research stations and every subsidiary"
# Gmail shows the recipients of the last message, which it expands.
BIG = (
    LONG_SUBJECT,
    [
        ("Rita Rep <rep@threadbook.test>", [MAX], []),
        (
            MAX,
            ["rep@threadbook.test", "Ada Lovelace <ada@acme.example>", "grace@globex.example"],
            ["Demo Admin <demo@threadbook.test>", "noname@plain.example", "Mina Park <mina@newco.example>", f"Bartholomew <{BART}>"],
        ),
    ],
)
ADA = 'li[data-email="ada@acme.example"]'
LIGHT, DARK = "light", "dark"

# Problems in what the page shows (run in the page; arguments[0] is the root's selector).
AUDIT = r"""
const root = document.querySelector(arguments[0]);
const width = document.documentElement.clientWidth;
const problems = document.documentElement.scrollWidth > width ? [`the page scrolls sideways (${document.documentElement.scrollWidth} px)`] : [];
const describe = (e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : ''} "${(e.textContent || '').trim().slice(0, 50)}"`;
const shown = (e) => e.checkVisibility({ visibilityProperty: true }) && e.getClientRects().length > 0;
const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
  const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const background = (e) => {
  for (let p = e; p; p = p.parentElement) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c.length === 3 || c[3] > 0.5) return c.slice(0, 3);
  }
  return rgb(getComputedStyle(document.documentElement).backgroundColor).slice(0, 3);
};
const clipped = (e) => {
  for (let p = e.parentElement ?? e.parentNode; p && p !== document.body; p = p.parentElement) {
    if (getComputedStyle(p).overflowX !== 'visible') return p.getBoundingClientRect().right <= width + 1;
  }
  return false;
};
for (const e of [root, ...root.querySelectorAll('*')]) {
  if (!shown(e) || e.closest('option, [aria-hidden="true"]')) continue;
  const style = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  if ((box.right > width + 1 || box.left < -1) && box.width > 1 && !clipped(e)) {
    problems.push(`wider than the panel: ${describe(e)} (${Math.round(box.left)} to ${Math.round(box.right)} of ${width})`);
  }
  const cut = (style.textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1) || (style.webkitLineClamp !== 'none' && e.scrollHeight > e.clientHeight + 1);
  if (cut && !(e.title && e.title.includes(e.textContent.trim()))) problems.push(`cut short without its whole text in title: ${describe(e)}`);
  const texts = Array.from(e.childNodes).filter((n) => n.nodeType === 3 && n.textContent.trim());
  for (const node of texts) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if ((r.right > width + 1 || r.left < -1) && !clipped(node)) problems.push(`text wider than the panel: ${describe(e)} (${Math.round(r.left)} to ${Math.round(r.right)})`);
  }
  if (!texts.length || e.closest('.sr, .skip:not(:focus)')) continue;
  const size = parseFloat(style.fontSize);
  if (size < 12) problems.push(`text of ${size} px: ${describe(e)}`);
  if (e.closest(':disabled')) continue;
  const [a, b] = [luminance(rgb(style.color)), luminance(background(e))].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  const large = size >= 18.6 || (size >= 14 && Number(style.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: ${describe(e)}`);
}
return problems;
"""

# The controls under arguments[0] that are shown (a focusable element is a control).
CONTROLS = """return Array.from(document.querySelector(arguments[0]).querySelectorAll(
  'button, input, select, textarea, summary, a[href], [tabindex]:not([tabindex="-1"])'))
  .filter((e) => e.checkVisibility({visibilityProperty: true}) && !e.closest('.skip:not(:focus)'));"""


def as_colleague(stack, method, path, **kwargs):
    """Call the API as the demo organisation's admin, the rep's colleague."""
    token, _ = in_db(stack, lambda: issue_session(User.get(User.email == "demo@threadbook.test")))
    response = getattr(stack.app.test_client(), method)(path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    assert response.status_code < 300, response.get_json()
    return response.get_json()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The usual stack, its mailbox with one more conversation: eight people, long names, a long subject."""
    running = Stack(tmp_path_factory.mktemp("stack"), mailbox=[*MAILBOX, BIG]).start()
    ada = in_db(running, lambda: Contact.get(Contact.name == "Ada Lovelace").id)
    as_colleague(running, "post", "/api/v1/deals", json={"name": LONG_DEAL, "contact_id": ada, "amount": "1250000"})
    company = "Featherstonehaugh-Cholmondeley International Holdings and Trading Company Limited"
    as_colleague(running, "post", "/api/v1/leads", json={"email": BART, "name": "Bartholomew Featherstonehaugh-Cholmondeley", "company_name": company})
    yield running
    running.stop()


@pytest.fixture
def big(browser, stack):
    """The eight-person conversation on screen."""
    thread_id = stack.thread_ids[3]
    browser.show_thread(thread_id)
    return thread_id


@pytest.fixture(params=[LIGHT, DARK])
def scheme(request, browser):
    """The panel at 320 pixels, in the light or the dark theme."""
    driver = browser.in_panel()
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 320, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": request.param}]})
    browser.wait(lambda: driver.execute_script("return innerWidth") == 320, "the panel at 320 px")
    yield request.param
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def problems(browser, root, scheme):
    """Every problem under ``root``: the page's audit, controls without an accessible name, the theme not followed."""
    driver = browser.in_panel()
    found = driver.execute_script(AUDIT, root)
    for control in driver.execute_script(CONTROLS, root):
        if not control.accessible_name.strip():
            found.append(f"no accessible name: {control.tag_name} {control.get_attribute('outerHTML')[:120]}")
    dark = driver.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
    if dark != (scheme == DARK):
        found.append(f"prefers-color-scheme is not {scheme}")
    shade = driver.execute_script("const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number); return (r + g + b) / 3;")
    if (shade < 128) != (scheme == DARK):
        found.append(f"the page's background ({shade:.0f}) does not follow the {scheme} theme")
    return found


def assert_fine(browser, root, scheme, what):
    found = problems(browser, root, scheme)
    assert not found, f"{what} ({scheme}):\n" + "\n".join(found)


def card(name):
    return f'li[data-email="{name}"]'


def open_card_form(browser, who, action, form):
    browser.click(f'{card(who)} [data-action="{action}"]')
    element = browser.wait(lambda: browser.in_panel().find_element(By.CSS_SELECTOR, f"{card(who)} form"), f"the {form} form")
    browser.wait(lambda: element.get_attribute("aria-busy") is None, f"the {form} form to load")
    browser.wait(lambda: "Loading" not in element.text, f"the {form} form to finish loading")
    return element


def close_form(browser, who):
    browser.in_panel().execute_script(
        "arguments[0].dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))",
        browser.in_panel().find_element(By.CSS_SELECTOR, f"{card(who)} form"),
    )
    browser.wait(lambda: not browser.in_panel().find_elements(By.CSS_SELECTOR, f"{card(who)} form"), "the form to close")


def test_the_conversation_with_its_options_timeline_and_match_open(browser, stack, big, scheme):
    driver = browser.in_panel()
    assert len(browser.cards()) == 8
    subject = driver.find_element(By.ID, "thread-subject")
    assert subject.get_attribute("title") == LONG_SUBJECT
    toggle = driver.find_element(By.XPATH, "//div[@id='log-options']/button[.='Choose messages']")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    browser.wait(lambda: driver.find_element(By.ID, "log-messages").is_displayed(), "the message choice")
    if not driver.execute_script("return document.querySelector(arguments[0]).open", f"{ADA} .timeline"):
        browser.click(f"{ADA} .timeline summary")
    browser.wait(lambda: driver.find_element(By.CSS_SELECTOR, f"{ADA} .timeline li").is_displayed(), "Ada's timeline")
    if not driver.execute_script("return document.querySelector(arguments[0]).open", f"{ADA} .match details"):
        browser.click(f"{ADA} .match summary")
    assert_fine(browser, "body", scheme, "the conversation")
    names = driver.execute_script("return Array.from(document.querySelectorAll('#participants h3')).map((h) => [h.textContent, h.title])")
    assert all(text == title for text, title in names), "each name's whole text in its title"


@pytest.mark.parametrize(
    ("who", "action", "form"),
    [
        ("ada@acme.example", "add-note", "note"),
        ("maximilian.alexander.von.hohenzollern@an-exceptionally-long-company-domain.example", "create-lead", "lead"),
        ("ada@acme.example", "schedule-meeting", "meeting"),
        ("ada@acme.example", "compose-email", "email"),
        ("ada@acme.example", "edit-record", "record"),
        ("ada@acme.example", "deals", "deals"),
        (BART, "convert-lead", "convert"),
    ],
)
def test_each_card_form(browser, stack, big, scheme, who, action, form):
    open_card_form(browser, who, action, form)
    assert_fine(browser, f"#participants {card(who)}", scheme, f"the {form} form")
    close_form(browser, who)


def test_the_account_screen(browser, stack, big, scheme):
    browser.click("#open-account")
    browser.wait_screen("account")
    browser.wait(lambda: browser.in_panel().find_element(By.ID, "mailbox-state").text == "Not connected", "the mailbox state")
    try:
        assert_fine(browser, "body", scheme, "the Account screen")
    finally:
        browser.click("#account-back")


def test_the_sign_in_screen_with_the_development_sign_in(browser, stack, scheme, monkeypatch):
    browser.sign_in()
    browser.click("#sign-out")
    browser.wait_screen("signed-out")
    monkeypatch.setitem(stack.app.config, "DEV_SIGNIN", True)
    browser.in_panel().get(PANEL_URL)
    browser.wait(lambda: browser.in_panel().find_element(By.ID, "dev-sign-in-box").is_displayed(), "the development sign-in")
    assert_fine(browser, "body", scheme, "the sign-in screen")

    # Signed in that way outside the demo: the header (with its badge) on one line, and the notice.
    field = browser.in_panel().find_element(By.ID, "dev-email")
    field.clear()
    field.send_keys("someone.with.a.long.address@a-company-outside-the-demo.example", Keys.ENTER)
    try:
        browser.wait(lambda: browser.in_panel().find_element(By.ID, "session-notice").is_displayed(), "the development session's notice")
        browser.wait(lambda: browser.screen() in ("no-thread", "thread"), "the development session")
        assert_fine(browser, "body", scheme, "a development session")
        middles = browser.in_panel().execute_script(
            "return Array.from(document.querySelectorAll('header.bar > :not([hidden])')).map((e) => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; })"
        )
        assert len(middles) == 5 and max(middles) - min(middles) < 5, "the header stays one line"
    finally:
        browser.click("#sign-out")
        browser.wait_screen("signed-out")


def test_the_admin_page(browser, stack, scheme):
    browser.sign_in()
    rep = in_db(stack, lambda: User.get(User.email == REP["email"]))
    org_name = in_db(stack, lambda: Organization.get_by_id(rep.org_id).name)
    in_db(stack, lambda: User.update(role="admin").where(User.id == rep.id).execute())
    long_name = "The Northern Hemisphere Widget, Gadget and Sprocket Manufacturing Cooperative of Greater Somewhere"
    in_db(stack, lambda: Organization.update(name=long_name).where(Organization.id == rep.org_id).execute())
    driver = browser.in_panel()
    try:
        driver.get(ADMIN_URL)
        browser.wait(lambda: driver.execute_script("return document.body.dataset.ready") == "admin", "the admin page", timeout=15)
        browser.wait(lambda: not driver.find_elements(By.XPATH, "//*[@data-note and normalize-space()='Loading…']"), "every section loaded")
        assert_fine(browser, "body", scheme, "the admin page")
    finally:
        in_db(stack, lambda: User.update(role="member").where(User.id == rep.id).execute())
        in_db(stack, lambda: Organization.update(name=org_name).where(Organization.id == rep.org_id).execute())
        driver.get(PANEL_URL)


def test_mail_markup_stays_text(browser, stack):
    evil = stack.thread_ids[2]
    browser.show_thread(evil)
    driver = browser.in_panel()
    assert driver.find_element(By.ID, "thread-subject").get_attribute("textContent").startswith("<img src=x")
    assert driver.execute_script("return document.querySelectorAll('main img, main script, main b').length") == 0
    assert driver.title == "Threadbook"


def test_the_keyboard_reaches_every_control_of_a_conversation_with_a_visible_focus(browser, stack, big):
    driver = browser.in_panel()
    driver.execute_script("document.getElementById('thread-subject').focus()")
    reached, faults = [], []
    for _ in range(250):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        state = driver.execute_script(
            """const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
            return {tag: e.tagName, name: e.id || e.dataset.action || e.textContent.trim().slice(0, 30),
                    inScreens: Boolean(e.closest('#screens')), ring: e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
                    onScreen: r.width > 1 && r.height > 1 && r.right <= innerWidth + 1};"""
        )
        if not state["inScreens"]:
            break
        reached.append(state["name"])
        if not (state["ring"] and state["onScreen"]):
            faults.append(state)
    assert not faults, faults
    controls = driver.execute_script(CONTROLS, '[data-screen="thread"]')
    assert len(reached) >= len(controls), "every control is a tab stop"

    # Skipping: the first person, then person to person, two keys each.
    driver.execute_script("document.getElementById('thread-subject').focus()")
    ActionChains(driver).send_keys(Keys.TAB, Keys.ENTER).perform()
    headings = [driver.execute_script("return document.activeElement.textContent")]
    for _ in range(7):
        ActionChains(driver).send_keys(Keys.TAB, Keys.ENTER).perform()
        headings.append(driver.execute_script("return document.activeElement.textContent"))
    assert headings == driver.execute_script("return Array.from(document.querySelectorAll('#participants h3')).map((h) => h.textContent)")
