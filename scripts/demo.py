"""``make demo``: try the whole path (sign in, log a thread, label, send, sync) without Google.

Starts, all on 127.0.0.1 and all from this repository:

- the real backend (SQLite in a throw-away folder, the demo organisation
  seeded, development sign-in on, queued work run at once);
- the fake Google of the tests (tests/fakes/): Sign-In and its certificates,
  the OAuth token endpoint, the Gmail API holding the rep's demo mailbox;
- a stand-in for Gmail's web page (tests/browser/fixtures), built from that
  mailbox, marked as a demo.

It reuses tests/browser/harness.py's ``Stack``, so the demo runs exactly what
the browser tests check. A browser reaches the fake Google only through
host-resolver rules, so the demo prints a command that opens Chromium with a
profile of its own (``--open`` runs it) in which every other address resolves
nowhere: nothing real is reached, and nothing real is needed.

``--ready-file`` writes the addresses as JSON once everything answers (for
tests/scripts/test_demo.py); Ctrl-C or SIGTERM stops everything and exits 0.
"""

import argparse
import json
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "backend")]  # this checkout's code, wherever the package is installed

from tests import tls  # noqa: E402  (after the path above)
from tests.browser import harness  # noqa: E402

REP = harness.REP["email"]
# The rep's demo mailbox: (subject, [(from, to, cc), ...]). The demo organisation knows Ada and
# Grace (contacts), Katherine (a lead) and demo@threadbook.test (a colleague); Mina is unknown.
MAILBOX = [
    harness.MAILBOX[0],  # "Renewal terms": an unknown sender, a contact and a colleague
    harness.MAILBOX[1],  # "Pilot scope": a contact with an open deal
    ("Launch window", [("Katherine Johnson <katherine@nasa.example>", [REP], []), ("Rita Rep <rep@threadbook.test>", ["katherine@nasa.example"], [])]),
]
BANNER = (
    '<div id="threadbook-demo-banner" role="note" style="background:#fde68a;color:#1f2937;padding:8px 12px;'
    'font:14px/1.4 system-ui,sans-serif;border-bottom:1px solid #d97706">'
    "<strong>Threadbook demo</strong>: a stand-in for Gmail served by scripts/demo.py, with a fake Google behind it. "
    "Nothing here is real mail. Open a conversation, then the Threadbook side panel (toolbar button).</div>"
)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class DemoStack(harness.Stack):
    """The browser tests' stack, with the Gmail page marked as a demo."""

    def _serve(self, app, **kwargs):
        if app.name == "gmail_page_fixture":
            _mark_as_demo(app)
        return super()._serve(app, **kwargs)


def _mark_as_demo(app):
    page = (harness.FIXTURES / "gmail.html").read_text()
    page = page.replace("Gmail (test fixture)", "Threadbook demo (not Gmail)").replace("<body>", "<body>\n    " + BANNER, 1)

    @app.before_request
    def demo_page():
        from flask import request

        if request.path == "/mail/u/0/":
            return page, 200, {"Content-Type": "text/html; charset=utf-8"}
        return None


def browser_command(stack, profile, binary="chromium"):
    """Chromium with dist/ loaded, a profile of its own, and host rules that send Google's names to the fakes (and nothing anywhere else)."""
    return [
        binary,
        f"--user-data-dir={profile}",
        f"--load-extension={harness.DIST}",
        f"--disable-extensions-except={harness.DIST}",
        # Recent Chromium loads --load-extension only with this feature off (branded Chrome not at all: load it by hand).
        "--disable-features=DisableLoadExtensionCommandLineSwitch",
        f"--host-resolver-rules={stack.host_rules()}",
        # The fixtures' certificate is self-signed; this profile reaches nothing but them (MAP * ~NOTFOUND).
        "--ignore-certificate-errors",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-sync",
        harness.GMAIL_URL,
    ]


def describe(stack, command, workdir, keep):
    line = "=" * 78
    return "\n".join(
        [
            line,
            "THREADBOOK DEMO: a fake Google and a stand-in Gmail page; nothing real is reached.",
            line,
            f"Backend (real code, demo data): {stack.backend.url}  — the demo browser reaches it as http://{harness.DEFAULT_BACKEND}",
            f"Fake Google (tests/fakes): sign-in, token endpoint and Gmail API on local ports; accounts.google.com is {stack.accounts.url}",
            f"Demo Gmail page: {harness.GMAIL_URL} (in the demo browser only), mailbox of {REP}",
            f"Data: {workdir} ({'kept' if keep else 'deleted when the demo stops'})",
            "",
            "1. Open the demo browser (a profile of its own; every other address resolves nowhere):",
            "   " + shlex.join(command),
            "   (make demo DEMO_OPEN=1, or scripts/demo.py --open, runs it. If the extension is not loaded —",
            f"   branded Chrome ignores --load-extension — use chrome://extensions -> Developer mode -> Load unpacked -> {harness.DIST}.)",
            "2. Pin Threadbook (the puzzle-piece menu), open a conversation, click the Threadbook button: the side panel opens.",
            f"3. Sign in with Google (the fake Google signs you in as {REP}), or use the Development sign-in as {REP}",
            "   (any @threadbook.test address joins the demo organisation; the fake Gmail holds only that one's mailbox).",
            "4. Try: Log thread on 'Renewal terms'; Account -> Allow labels, then log again (Threadbook/Logged label);",
            "   Email a contact from their card; Account -> Connect Gmail (the first mail sync runs at once).",
            "",
            "Ctrl-C stops the demo.",
            line,
        ]
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run Threadbook against a fake Google and a demo Gmail page (no Google account needed).")
    parser.add_argument("--workdir", help="folder for the demo's database, keys and browser profile (kept); default: a temporary one, deleted on exit")
    parser.add_argument("--open", action="store_true", help="also open the demo browser (Chromium or Chrome, found on PATH)")
    parser.add_argument("--ready-file", help="write the addresses here as JSON once everything answers")
    args = parser.parse_args(argv)

    keep = bool(args.workdir)
    workdir = Path(args.workdir).resolve() if keep else Path(tempfile.mkdtemp(prefix="threadbook-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["THREADBOOK_INSTANCE_PATH"] = str(workdir / "instance")  # the demo's keys never land in instance/
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        harness.check_build()
    except RuntimeError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stack = DemoStack(workdir, mailbox=MAILBOX).start()
    stack.app.config["DEV_SIGNIN"] = True  # loopback only: the backend listens on 127.0.0.1
    browser = None
    try:
        command = browser_command(stack, workdir / "chrome-profile")
        if args.open:
            binary = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
            if binary:
                browser = subprocess.Popen([binary, *command[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            else:
                print(f"demo: none of {', '.join(BROWSERS)} is on PATH; run the command below with your Chromium.", file=sys.stderr)
        print(describe(stack, command, workdir, keep), flush=True)
        if args.ready_file:
            ready = {
                "backend": stack.backend.url,
                "accounts": stack.accounts.url,
                "gmail_page": stack.gmail_page.url,
                "certificate": str(workdir / tls.CERT_FILE),  # harness.tls_context wrote it there
                "client_id": stack.identity.client_id,
                "redirect_uri": f"https://{harness.EXTENSION_ID}.chromiumapp.org/",
                "rep": REP,
                "threads": stack.thread_ids,
                "browser_command": command,
            }
            partial = Path(args.ready_file + ".partial")
            partial.write_text(json.dumps(ready))
            partial.replace(args.ready_file)  # whole or absent: a reader never sees it half-written
        while not stop.wait(0.5):
            pass
    finally:
        if browser is not None:
            browser.terminate()
            browser.wait(timeout=10)
        stack.stop()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("Demo stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
