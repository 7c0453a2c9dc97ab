"""Run Threadbook end to end for the browser tests and the panel benchmark.

``Stack`` serves, all on 127.0.0.1:

- the real backend (``create_app`` on a SQLite file, seeded with the demo
  organisation) in a threaded server, with GOOGLE_CLIENT_ID, GOOGLE_CERTS_URL
  and GOOGLE_API_ROOT pointing at the fakes below;
- the fake Google Sign-In (tests/fakes/google_identity.py): over HTTP for the
  backend's certificate fetches, and over HTTPS as accounts.google.com for
  ``chrome.identity.launchWebAuthFlow``;
- the fake Google token endpoint (tests/fakes/google_oauth.py) as the
  backend's GOOGLE_TOKEN_URI, with GOOGLE_CLIENT_SECRET set, so connecting
  Gmail (code flow with PKCE, through the same accounts.google.com) works;
  the access tokens it issues are granted on the fake Gmail API, and the
  first sync runs at once (QUEUE_IMMEDIATE);
- the fake Gmail API (tests/fakes/gmail.py) holding the rep's mailbox; the
  access tokens the fake Sign-In hands out are granted on it;
- a Gmail page fixture (fixtures/gmail.html) as https://mail.google.com, built
  from the same mailbox so the page's ids are the API's.

``launch_chrome`` starts headless Chromium with the built ``dist/`` loaded and
host-resolver rules that send mail.google.com and accounts.google.com to those
servers, the extension's default backend (127.0.0.1:5000) to the test backend,
and everything else nowhere.
"""

import contextlib
import email.utils
import functools
import html
import os
import secrets
import ssl
import time
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request, send_from_directory

from threadbook import create_app
from threadbook.db import database
from threadbook.migrations import upgrade
from threadbook.seed import seed_demo

from ..fakes import gmail as fake_gmail
from ..fakes.gmail_messages import _header
from ..fakes.google_identity import FakeGoogleIdentity
from ..fakes.google_oauth import CLIENT_SECRET, FakeGoogleOAuth
from ..fakes.server import ServerThread
from ..tls import write_self_signed

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

EXTENSION_ID = "jkepanmacpnmjgfgkefaagampdbnmmal"
EXTENSION_ORIGIN = f"chrome-extension://{EXTENSION_ID}"
PANEL_URL = f"{EXTENSION_ORIGIN}/extension/panel/panel.html"
OPTIONS_URL = f"{EXTENSION_ORIGIN}/extension/options/options.html"
SERVICE_WORKER_URL = f"{EXTENSION_ORIGIN}/extension/service-worker.js"
GMAIL_URL = "https://mail.google.com/mail/u/0/"
# Where the extension looks for its backend unless the options say otherwise.
DEFAULT_BACKEND = "127.0.0.1:5000"

REP = {"sub": "110000000000000000777", "email": "rep@threadbook.test", "name": "Rita Rep", "hd": "threadbook.test"}
SECRET = "browser-test-secret-0123456789abcdef0123456789"

# The rep's mailbox: (subject, [(from, to, cc), ...]); the demo organisation
# knows Ada and Grace (contacts) and demo@threadbook.test (a colleague).
MAILBOX = [
    (
        "Renewal terms",
        [
            ("Mina Park <mina@newco.example>", ["rep@threadbook.test"], []),
            (
                "Rita Rep <rep@threadbook.test>",
                ["Mina Park <mina@newco.example>"],
                ["Ada Lovelace <ada@acme.example>", "Demo Admin <demo@threadbook.test>"],
            ),
        ],
    ),
    ("Pilot scope", [("Grace Hopper <grace@globex.example>", ["rep@threadbook.test"], [])]),
    (
        "<img src=x onerror=\"document.title='pwned'\">Quarterly <b>numbers</b>",
        [("\"<script>document.title='pwned'</script>Eve\" <eve@evil.example>", ["rep@threadbook.test"], [])],
    ),
]


def _header_text(message, name):
    """A header of a fake Gmail message, or "" when it has none."""
    return _header(message, name) or ""


def tls_context(directory):
    """Return a server SSL context with a self-signed certificate for mail.google.com and accounts.google.com."""
    cert_path, key_path = write_self_signed(directory, "mail.google.com", days=7, other_hosts=("accounts.google.com",))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def _people(value):
    return [{"email": address, "name": name} for name, address in email.utils.getaddresses([value or ""]) if address]


def page_threads(mailbox):
    """Describe the mailbox's threads as Gmail's page shows them (ids from the fake API)."""
    threads = []
    for thread_id, ids in mailbox.threads.items():
        messages = []
        for index, gid in enumerate(ids):
            message = mailbox.messages[gid]
            header = functools.partial(_header_text, message)
            messages.append(
                {
                    "id": gid,
                    "dataMessageId": f"#msg-f:{int(gid, 16)}",
                    "from": _people(header("From"))[0],
                    "to": _people(header("To")),
                    "cc": _people(header("Cc")),
                    "snippet": html.unescape(message["snippet"]),
                    # Gmail expands the last message and collapses the earlier ones.
                    "expanded": index == len(ids) - 1,
                }
            )
        subject = _header(mailbox.messages[ids[0]], "Subject")
        threads.append({"threadId": thread_id, "subject": subject, "messages": messages})
    return threads


def gmail_page_app(stack):
    """The Gmail page fixture, served under Trusted Types as Gmail is."""
    app = Flask("gmail_page_fixture")

    @app.after_request
    def trusted_types(response):
        response.headers["Content-Security-Policy"] = "require-trusted-types-for 'script'; trusted-types 'none'"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/")
    def home():
        return redirect("/mail/u/0/")

    @app.get("/mail/u/0/")
    def inbox():
        return send_from_directory(FIXTURES, "gmail.html")

    @app.get("/fixture/gmail-app.js")
    def script():
        return send_from_directory(FIXTURES, "gmail-app.js", mimetype="text/javascript")

    @app.get("/fixture/threads.json")
    def threads():
        return jsonify(threads=stack.page_threads)

    return app


def accounts_app(stack):
    """accounts.google.com: the fake authorisation endpoint; can insist on interaction as Google does.

    The implicit flow signs in; the code flow (``response_type=code``) connects
    Gmail: the request is kept in ``stack.authorisations`` and the code is
    registered with the fake token endpoint, which exchanges it only with the
    PKCE verifier matching the request's ``code_challenge``.
    """
    app = Flask("fake_accounts")
    identity = stack.identity

    @app.get("/o/oauth2/v2/auth")
    def authorize():
        query = request.args.to_dict()
        if stack.require_interaction and query.get("prompt") == "none":
            state = f"&state={query['state']}" if "state" in query else ""
            return redirect(f"{query['redirect_uri']}#error=interaction_required{state}")
        if query.get("response_type") == "code":
            stack.authorisations.append(query)
            code, state = stack.oauth.approve(request.url, stack.consent_as or REP["email"])
            params = {"code": code, "scope": query.get("scope", "")}
            if state is not None:
                params["state"] = state
            return redirect(f"{query['redirect_uri']}?{urlencode(params)}")
        return identity.implicit_flow_redirect(query)

    return app


@contextlib.contextmanager
def serve_google_api(stack, monkeypatch, state, app, config_key, granted):
    """Serve a fake Google API (``state``, its Flask ``app``) to the stack's backend; yield its server, stopped after.

    The backend finds it through ``config_key``; every access token the fake
    token endpoint issues from then on opens it with the scopes ``granted(scope)`` keeps.
    """
    server = ServerThread(app).start()
    monkeypatch.setitem(stack.app.config, config_key, server.url + "/")
    issue = stack.oauth.on_access_token

    def on_access_token(token, address, scopes):
        issue(token, address, scopes)
        state.grant(token, address, scopes=[s for s in scopes if granted(s)])

    monkeypatch.setattr(stack.oauth, "on_access_token", on_access_token)
    try:
        yield server
    finally:
        server.stop()


def in_db(stack, query):
    """Run ``query()`` against the stack's database (to check what the browser did, or set a case up)."""
    with stack.app.app_context(), database.connection_context():
        return query()


class Stack:
    """Every server the browser tests need; ``start()`` then ``stop()``."""

    def __init__(self, workdir, mailbox=MAILBOX):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.mailbox_spec = mailbox
        self.require_interaction = False
        self.authorisations = []  # the code-flow requests the fake accounts server answered
        self.consent_as = None  # the account the fake consents as in the code flow (default the rep's)
        self._servers = []

    def _serve(self, app, **kwargs):
        server = ServerThread(app, **kwargs).start()
        self._servers.append(server)
        return server

    def issue_access_token(self, address, scope):
        """Hand out a Gmail access token that the fake Gmail API accepts for ``address``."""
        token = "ya29.browser-" + secrets.token_urlsafe(16)
        # As Google does: the token carries the Gmail scopes the extension asked for.
        gmail_scopes = [s for s in scope.split() if "/auth/gmail." in s or s == "https://mail.google.com/"]
        self.gmail.grant(token, address, scopes=gmail_scopes)  # none asked, none granted: Gmail answers 403
        return token

    def start(self):
        self.gmail = fake_gmail.GmailState()
        self.mailbox = self.gmail.add_mailbox(REP["email"])
        self.thread_ids = []
        for subject, messages in self.mailbox_spec:
            thread_id = None
            for sender, to, cc in messages:
                message = self.mailbox.add_message(sender=sender, to=to, cc=cc, subject=subject, thread_id=thread_id, body=f"About {subject}")
                thread_id = message["threadId"]
            self.thread_ids.append(thread_id)
        self.page_threads = page_threads(self.mailbox)

        self.identity = FakeGoogleIdentity(account=REP, access_token_issuer=self.issue_access_token)
        certs = self._serve(self.identity.app)
        gmail_api = self._serve(fake_gmail.create_app(self.gmail))
        # The token endpoint's access tokens open the fake Gmail mailbox of their account.
        self.oauth = FakeGoogleOAuth(default_email=REP["email"])
        self.oauth.on_access_token = lambda token, address, scopes: self.gmail.grant(
            token, address, scopes=[s for s in scopes if "gmail" in s or s == "https://mail.google.com/"]
        )
        self.oauth.on_revoke = lambda token: self.gmail.expire(token) if token in self.gmail.grants else None
        token_endpoint = self._serve(self.oauth.app)
        self.oauth.url = token_endpoint.url
        tls = tls_context(self.workdir)
        self.accounts = self._serve(accounts_app(self), ssl_context=tls)
        self.gmail_page = self._serve(gmail_page_app(self), ssl_context=tls)

        os.environ.setdefault("THREADBOOK_INSTANCE_PATH", str(self.workdir / "instance"))
        self.app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{self.workdir / 'threadbook.sqlite3'}",
                "SECRET_KEY": SECRET,
                "RATELIMIT_ENABLED": False,
                "DEV_SIGNIN": False,
                "BIND_ADDRESS": "127.0.0.1:0",
                **self.identity.app_settings(certs.url),
                "GOOGLE_API_ROOT": gmail_api.url + "/",
                # Connecting Gmail: the code exchange and revocation go to the fake token endpoint.
                "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
                "GOOGLE_TOKEN_URI": token_endpoint.url + "/token",
                "GOOGLE_REVOKE_URI": token_endpoint.url + "/revoke",
                # The first sync after connecting runs in the request rather than waiting for a worker.
                "QUEUE_IMMEDIATE": True,
            }
        )
        with self.app.app_context(), database.connection_context():
            upgrade()
            seed_demo()
        self.requests = []  # (method, path) of every request the backend received
        self.backend = ServerThread(self._recording(self.app)).start()
        self.backend_port = self.backend.port
        return self

    def _recording(self, app):
        def recorded(environ, start_response):
            self.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
            return app(environ, start_response)

        return recorded

    def stop_backend(self):
        """Take the backend down (the panel should show it unreachable)."""
        self.backend.stop()
        self.backend = None

    def start_backend(self):
        """Bring the backend back on the same port."""
        deadline = time.monotonic() + 5
        while True:
            try:
                self.backend = ServerThread(self._recording(self.app), port=self.backend_port).start()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def host_rules(self):
        """Chromium's host-resolver rules: the fixtures, the default backend, and nothing else."""
        return ",".join(
            [
                f"MAP mail.google.com 127.0.0.1:{self.gmail_page.port}",
                f"MAP accounts.google.com 127.0.0.1:{self.accounts.port}",
                # The extension's default backend is the test backend (no EXCLUDE for 127.0.0.1,
                # which would cancel this rule); every other address resolves nowhere.
                f"MAP {DEFAULT_BACKEND} 127.0.0.1:{self.backend_port}",
                "MAP * ~NOTFOUND",
                "EXCLUDE localhost",
            ]
        )

    def stop(self):
        if self.backend is not None:
            self.backend.stop()
        for server in reversed(self._servers):
            server.stop()


def check_build():
    """Refuse to test a dist/ that is missing or older than the extension's sources."""
    built = DIST / "manifest.json"
    if not built.exists():
        raise RuntimeError("dist/ is missing: run `npm run build` (or `make build`) first.")
    sources = [ROOT / "manifest.json", *(p for p in (ROOT / "extension").rglob("*") if p.is_file())]
    stale = [p for p in sources if p.stat().st_mtime > built.stat().st_mtime]
    if stale:
        raise RuntimeError(f"dist/ is older than {stale[0].relative_to(ROOT)}: run `npm run build` (or `make build`) first.")


def launch_chrome(stack, profile_dir):
    """Start headless Chromium with dist/ loaded; return the WebDriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    check_build()
    profile_dir = Path(profile_dir)
    home = profile_dir / "home"
    for sub in ("config", "cache", "data"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile_dir / 'chrome'}",
        f"--load-extension={DIST}",
        f"--disable-extensions-except={DIST}",
        "--ignore-certificate-errors",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-quic",
        "--disable-default-apps",
        "--disable-domain-reliability",
        "--window-size=1200,900",
        f"--host-resolver-rules={stack.host_rules()}",
    ):
        options.add_argument(argument)
    # Recent Chromium loads --load-extension only with this feature off.
    options.add_argument("--disable-features=DisableLoadExtensionCommandLineSwitch")
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
    }
    service = Service(executable_path="/usr/bin/chromedriver", env=env)
    return webdriver.Chrome(service=service, options=options)


class PageScriptError(AssertionError):
    """A script run in a page threw; its message and stack come from the page."""


def run_async(driver, body, *args):
    """Run ``body``, the body of an async function, in the current page and return its value.

    The function gets WebDriver's arguments as ``args``. A rejection is handed
    back and raised here as PageScriptError, so a failing script fails at once
    with the page's own message instead of ending in WebDriver's script timeout.
    """
    script = (
        """const done = arguments[arguments.length - 1];
        const args = Array.prototype.slice.call(arguments, 0, -1);
        (async (args) => {
"""
        + body
        + """
        })(args).then(
          (value) => done({ok: true, value: value === undefined ? null : value}),
          (error) => done({ok: false, error: String((error && error.stack) || error)}));"""
    )
    outcome = driver.execute_async_script(script, *args)
    if not outcome["ok"]:
        raise PageScriptError(outcome["error"])
    return outcome["value"]


def service_worker_running(driver):
    """True when the extension's service worker is among the browser's targets."""
    targets = driver.execute_cdp_cmd("Target.getTargets", {})["targetInfos"]
    return any(t["type"] == "service_worker" and t["url"] == SERVICE_WORKER_URL for t in targets)


class ExtensionBrowser:
    """Drive a Gmail window and the panel page (opened in a window of its own) side by side.

    Separate windows keep both pages in the foreground, so neither has its
    timers throttled as a background tab would.
    """

    def __init__(self, driver, stack):
        self.driver = driver
        self.stack = stack
        self.gmail = None
        self.panel = None

    def open(self):
        """Open Gmail on the inbox, then the panel beside it."""
        driver = self.driver
        driver.get(GMAIL_URL + "#inbox")
        self.gmail = driver.current_window_handle
        self.wait(lambda: driver.execute_script("return document.documentElement.dataset.ready") == "true", "Gmail fixture ready")
        driver.switch_to.new_window("window")
        driver.get(PANEL_URL)
        self.panel = driver.current_window_handle
        return self

    def in_gmail(self):
        if self.driver.current_window_handle != self.gmail:
            self.driver.switch_to.window(self.gmail)
        return self.driver

    def in_panel(self):
        if self.driver.current_window_handle != self.panel:
            self.driver.switch_to.window(self.panel)
        return self.driver

    def wait(self, predicate, message="condition", timeout=10.0, interval=0.02):
        """Poll ``predicate`` until it returns something truthy; return that."""
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = predicate()
            except Exception as exc:  # an element replaced while reading it: look again
                last_error = exc
                value = None
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"Timed out waiting for {message}" + (f" (last error: {last_error})" if last_error else ""))

    def open_thread(self, thread_id):
        """Open a conversation in Gmail (as a click in the list does: the hash changes)."""
        self.in_gmail().execute_script("location.hash = arguments[0]", f"#inbox/{thread_id}" if thread_id else "#inbox")

    def screen(self):
        return self.in_panel().execute_script("return document.body.dataset.showing || ''")

    def wait_screen(self, name, timeout=10.0):
        self.wait(lambda: self.screen() == name, f"the panel's '{name}' screen (showing '{self.screen()}')", timeout)

    def shown_thread(self):
        return self.in_panel().execute_script("return document.getElementById('participants').dataset.threadId || ''")

    def wait_thread(self, thread_id, timeout=10.0):
        """Wait until the panel shows the participants of ``thread_id``."""
        self.wait(lambda: self.screen() == "thread" and self.shown_thread() == thread_id, f"the panel to show {thread_id}", timeout)

    def show_thread(self, thread_id):
        """Sign in (unless signed in), open ``thread_id`` in Gmail and wait for the panel to show it; return the id."""
        self.sign_in()
        self.open_thread(thread_id)
        self.wait_thread(thread_id)
        return thread_id

    def cards(self):
        """The participant cards, in the panel's order, as {email: {kind, name, text}}."""
        cards = self.in_panel().execute_script(
            """return Array.from(document.querySelectorAll('#participants > li')).map((card) => [
                 card.dataset.email,
                 {kind: card.dataset.kind, name: card.querySelector('[data-field="name"]').textContent, text: card.innerText}]);"""
        )
        return dict((email, card) for email, card in cards)

    def status(self):
        return self.in_panel().execute_script("return document.getElementById('status').textContent")

    def click(self, css):
        from selenium.webdriver.common.by import By

        self.in_panel().find_element(By.CSS_SELECTOR, css).click()

    def sign_in(self):
        """Sign in through the Google flow unless already signed in."""
        self.wait(lambda: self.screen() not in ("", "starting"), "the panel to start")
        if self.screen() == "signed-out":
            self.click("#sign-in")
            self.wait(lambda: self.screen() not in ("signed-out", "starting"), "sign-in to finish")
