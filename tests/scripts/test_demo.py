"""``make demo`` (scripts/demo.py) as a newcomer uses it: start it, sign in through the development path, log a thread, stop it.

The launcher runs as its own process on free ports; the Google access token
comes from the demo's fake accounts.google.com, the way the extension gets one.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from tests.browser.harness import DIST, check_build

ROOT = Path(__file__).resolve().parents[2]
READ_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"


@pytest.fixture
def demo(tmp_path):
    try:
        check_build()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    ready_file = tmp_path / "ready.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THREADBOOK_", "GOOGLE_"))}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--ready-file", str(ready_file), "--workdir", str(tmp_path / "demo")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the demo did not start")
            time.sleep(0.1)
        ready = json.loads(ready_file.read_text())
        ready["process"] = process
        yield ready
    finally:
        if process.poll() is None:  # a test that failed before stopping it
            os.killpg(process.pid, signal.SIGKILL)
            print(process.communicate()[0])


def google_access_token(demo, email):
    """Ask the demo's accounts.google.com for a Gmail access token, as chrome.identity.launchWebAuthFlow does."""
    query = {
        "client_id": demo["client_id"],
        "response_type": "token",
        "redirect_uri": demo["redirect_uri"],
        "scope": READ_SCOPE,
        "state": "s",
        "login_hint": email,
    }
    answer = requests.get(f"{demo['accounts']}/o/oauth2/v2/auth?{urlencode(query)}", allow_redirects=False, verify=demo["certificate"], timeout=10)
    assert answer.status_code == 302, answer.text
    fragment = parse_qs(urlsplit(answer.headers["Location"]).fragment)
    return fragment["access_token"][0]


def test_the_demo_signs_in_logs_a_thread_and_stops_cleanly(demo):
    backend = demo["backend"]
    config = requests.get(f"{backend}/api/v1/config", timeout=10).json()
    assert config["dev_signin"] is True and config["google_configured"] is True

    session = requests.post(f"{backend}/api/v1/session/dev", json={"email": demo["rep"]}, timeout=10)
    assert session.status_code == 200, session.text
    body = session.json()
    assert body["org"]["name"] == "Threadbook Demo" and "notice" not in body
    headers = {"Authorization": f"Bearer {body['token']}"}

    token = google_access_token(demo, demo["rep"])
    renewal = demo["threads"][0]
    logged = requests.post(f"{backend}/api/v1/threads/{renewal}/log", json={}, headers={**headers, "X-Google-Access-Token": token}, timeout=30)
    assert logged.status_code == 201, logged.text
    assert len(logged.json()["created"]) == 2
    lookup = requests.post(
        f"{backend}/api/v1/lookup", json={"thread_id": renewal, "participants": [{"email": "ada@acme.example"}]}, headers=headers, timeout=10
    ).json()
    assert lookup["thread"]["logged"] is True
    assert lookup["participants"][0]["kind"] == "contact"

    # The Gmail page is the demo's, and says so.
    page = requests.get(f"{demo['gmail_page']}/mail/u/0/", verify=demo["certificate"], timeout=10)
    assert "Threadbook demo" in page.text and 'id="threadbook-demo-banner"' in page.text
    assert f"--load-extension={DIST}" in demo["browser_command"]
    assert any(arg.startswith("--host-resolver-rules=") and "MAP * ~NOTFOUND" in arg for arg in demo["browser_command"])

    process = demo["process"]
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "THREADBOOK DEMO" in output and "Demo stopped." in output
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{backend}/healthz", timeout=2)
