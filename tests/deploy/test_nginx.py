"""deploy/nginx/threadbook.conf, run by real nginx in front of real gunicorn serving the app.

What it must show: slow clients wait in nginx, not in gunicorn's threads;
bodies over the backend's limits are refused with a JSON 413 the extension
can show; the backend sees each client's own address (rate limits key on
it) and never one a client wrote itself. The shipped file runs with only its
addresses, ports and paths replaced. Figures: bench/slow_clients.py.
"""

import json
import re
import time

import pytest

from .servers import NGINX, SHIPPED_SITE, Gunicorn, Nginx, SlowClient, connection, free_port, get, render_site

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)"),
]

SLOW_CLIENTS = 14
SLOW_BODY_BYTES = 120  # at one byte a second, still sending long after the check below
ADDRESS_LIMIT = 3  # THREADBOOK_RATELIMIT_API_ADDRESS, per minute


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn (one worker of two threads: few enough that slow clients could hold them all) behind nginx."""
    gunicorn = Gunicorn(
        tmp_path_factory.mktemp("gunicorn"),
        THREADBOOK_WORKERS="1",
        THREADBOOK_THREADS="2",
        THREADBOOK_TRUSTED_PROXIES="127.0.0.1",
        THREADBOOK_RATELIMIT_API_ADDRESS=f"{ADDRESS_LIMIT} per minute",
    )
    nginx = Nginx(tmp_path_factory.mktemp("nginx"), gunicorn.start().port)
    try:
        yield nginx.start()
    finally:
        nginx.stop()
        gunicorn.stop()


ADDRESS_OR_PATH = re.compile(r"^(/\S+|(\d{1,3}\.){3}\d{1,3}:\d+|\d+);?$")


def test_the_rendered_site_differs_from_the_shipped_one_only_in_addresses_ports_and_paths(stack):
    shipped, rendered = SHIPPED_SITE.read_text().splitlines(), stack.site.read_text().splitlines()
    assert len(shipped) == len(rendered)
    changed = [(a, b) for a, b in zip(shipped, rendered, strict=True) if a != b]
    assert changed, "the test should run on its own ports"
    for ours, theirs in changed:
        words_ours, words_theirs = ours.split(), theirs.split()
        assert len(words_ours) == len(words_theirs), (ours, theirs)
        for a, b in zip(words_ours, words_theirs, strict=True):
            assert a == b or (ADDRESS_OR_PATH.match(a) and ADDRESS_OR_PATH.match(b)), f"{ours!r} became {theirs!r}"


def test_the_rendering_refuses_a_substitution_the_shipped_file_no_longer_has():
    with pytest.raises(AssertionError, match="no longer in"):
        render_site({"listen 8443 quic;": "listen 1;"})


def test_nginx_accepts_the_configuration(stack):
    import subprocess

    result = subprocess.run(stack.command("-t"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_healthz_answers_while_slow_clients_are_still_sending_their_bodies(stack):
    # The same clients sent straight to this gunicorn (one worker, two threads) hold both threads, and
    # /healthz does not answer at all while they stall; bench/slow_clients.py measures both fronts.
    clients = [SlowClient("127.0.0.1", stack.https_port, tls=True, length=SLOW_BODY_BYTES) for _ in range(SLOW_CLIENTS)]
    try:
        # Every client sends a few bytes, a second apart, so each request is well under way.
        for _ in range(3):
            for client in clients:
                client.dribble()
            time.sleep(1)
        status, _, body = get("127.0.0.1", stack.https_port, "/healthz", tls=True, timeout=30)
        assert status == 200 and json.loads(body)["ok"] is True
        assert all(client.still_sending for client in clients)  # /healthz did not wait for them
    finally:
        for client in clients:
            client.close()


def _raw_post(stack, path, length, send_body):
    """POST ``length`` bytes (or only announce them) over TLS; return (status, parsed JSON body)."""
    conn = connection("127.0.0.1", stack.https_port, tls=True)
    try:
        conn.putrequest("POST", path, skip_host=True)
        for name, value in (("Host", "crm.example.com"), ("Content-Type", "application/json"), ("Content-Length", str(length))):
            conn.putheader(name, value)
        conn.endheaders()
        if send_body:
            conn.send(b" " * length)
        response = conn.getresponse()
        return response.status, response.headers, json.loads(response.read())
    finally:
        conn.close()


def test_a_body_over_the_api_limit_gets_a_json_413_from_nginx(stack):
    status, headers, body = _raw_post(stack, "/api/v1/lookup", 2 * 1024 * 1024, send_body=False)
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert body["error"] == "payload_too_large"
    assert "larger than this server accepts" in body["message"]


def test_the_largest_message_with_attachments_is_more_than_nginx_refuses_and_no_more(stack):
    status, _, body = _raw_post(stack, "/api/v1/emails/send", 40 * 1024 * 1024, send_body=False)
    assert (status, body["error"]) == (413, "payload_too_large")
    # A 2 MB send passes nginx and reaches the app, which asks for a session.
    status, _, body = _raw_post(stack, "/api/v1/emails/send", 2 * 1024 * 1024, send_body=True)
    assert status == 401, (body, stack.error_log_tail())


def test_a_backend_that_is_down_gets_a_json_503_saying_to_retry(tmp_path):
    nginx = Nginx(tmp_path, upstream_port=free_port()).start(until_healthy=False)  # nothing listens upstream
    try:
        status, headers, body = get("127.0.0.1", nginx.https_port, "/api/v1/config", tls=True)
    finally:
        nginx.stop()
    assert status == 503
    assert headers["Retry-After"] == "10"
    assert json.loads(body)["error"] == "backend_unavailable"


def test_plain_http_redirects_to_https_except_the_health_check(stack):
    assert get("127.0.0.1", stack.http_port, "/healthz")[0] == 200
    status, headers, _ = get("127.0.0.1", stack.http_port, "/api/v1/config?x=1")
    assert status == 301
    assert headers["Location"] == "https://crm.example.com/api/v1/config?x=1"
    _, headers, _ = get("127.0.0.1", stack.https_port, "/api/v1/config", tls=True)
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_json_answers_are_compressed_for_clients_that_accept_it(stack):
    status, headers, _ = get("127.0.0.1", stack.https_port, "/api/v1/openapi.json", tls=True, headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"


def _config_status(stack, source, spoof=None):
    headers = {"X-Forwarded-For": spoof} if spoof else {}
    return get("127.0.0.1", stack.https_port, "/api/v1/config", tls=True, source=source, headers=headers)[0]


def test_the_rate_limit_keys_on_each_clients_own_address_and_a_spoofed_one_is_not_believed(stack):
    # Clients on other loopback addresses: nginx relays them all from 127.0.0.1, so a limit keyed on
    # the socket peer would count them as one.
    first, second = "127.0.0.2", "127.0.0.3"
    spoofs = [f"198.51.100.{n}" for n in range(ADDRESS_LIMIT + 1)]
    assert [_config_status(stack, first, spoof) for spoof in spoofs] == [200] * ADDRESS_LIMIT + [429]
    assert _config_status(stack, second) == 200  # its own counter: the backend saw 127.0.0.3, not nginx's address


def _nginx_size(value):
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].lower() in units else int(value)


def test_each_body_limit_lets_the_backends_largest_legitimate_body_through_and_little_more(tmp_path):
    from threadbook.api import compose_input, imports
    from threadbook.app import create_app

    text = SHIPPED_SITE.read_text()
    default = _nginx_size(re.search(r"^    client_max_body_size (\S+);", text, re.MULTILINE).group(1))
    per_location = {path: _nginx_size(size) for path, size in re.findall(r"location = (\S+) \{\s+client_max_body_size (\S+);", text)}
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "SECRET_KEY": "a-secret-long-enough-to-sign-sessions-0123"})
    with app.app_context():
        backend = {
            None: app.config["MAX_CONTENT_LENGTH"],
            "/api/v1/org/imports": app.config["IMPORT_MAX_BYTES"] + imports.MULTIPART_HEADROOM,
            "/api/v1/emails/send": compose_input.request_limit(),
        }
    assert set(per_location) == {"/api/v1/org/imports", "/api/v1/emails/send"}
    for path, largest in backend.items():
        limit = per_location.get(path, default)
        assert largest <= limit <= largest + 1024 * 1024, f"{path or 'the API'}: nginx allows {limit} bytes, the backend reads up to {largest}"
