"""THREADBOOK_TRUSTED_PROXIES: the client's address from X-Forwarded-For, believed from the named proxies only (proxies.py).

The rate limit per client address is what the address is for, so each case
counts requests against a limit of two a minute and watches which address
the third one is charged to. The same, through real nginx: tests/deploy/test_nginx.py.
"""

import pytest

from threadbook.config import ConfigError

from ...conftest import build_app

PROXY = "10.0.0.2"
CLIENT = "203.0.113.5"
OTHER_CLIENT = "203.0.113.6"


def limited_app(sqlite_url, tmp_path, **settings):
    return build_app(sqlite_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_API_ADDRESS="2 per minute", RATELIMIT_API="100 per minute", **settings)


def statuses(app, peer, forwarded_for_each):
    """GET /api/v1/config (public) from socket peer ``peer``, once per X-Forwarded-For value (None: no header)."""
    client = app.test_client()
    answers = []
    for forwarded in forwarded_for_each:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        answers.append(client.get("/api/v1/config", headers=headers, environ_base={"REMOTE_ADDR": peer}).status_code)
    return answers


@pytest.fixture
def behind_proxy(sqlite_url, tmp_path):
    return limited_app(sqlite_url, tmp_path, TRUSTED_PROXIES=[PROXY, "192.0.2.0/28"])


def test_from_a_trusted_proxy_each_forwarded_client_has_its_own_counter(behind_proxy):
    assert statuses(behind_proxy, PROXY, [CLIENT, CLIENT, CLIENT]) == [200, 200, 429]
    assert statuses(behind_proxy, PROXY, [OTHER_CLIENT]) == [200]
    assert statuses(behind_proxy, "192.0.2.9", [OTHER_CLIENT, OTHER_CLIENT]) == [200, 429]  # a proxy named by its network


def test_addresses_a_client_wrote_before_the_proxy_appended_its_own_are_ignored(behind_proxy):
    # nginx's $proxy_add_x_forwarded_for appends the peer it saw: only that last entry is the proxy's word.
    spoofed = [f"198.51.100.{n}, {CLIENT}" for n in range(3)]
    assert statuses(behind_proxy, PROXY, spoofed) == [200, 200, 429]


def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_address(behind_proxy):
    direct = "198.51.100.50"
    assert statuses(behind_proxy, direct, ["203.0.113.10", "203.0.113.11", "203.0.113.12"]) == [200, 200, 429]


def test_without_trusted_proxies_forwarded_headers_change_nothing(sqlite_url, tmp_path):
    app = limited_app(sqlite_url, tmp_path)
    assert statuses(app, "127.0.0.1", ["203.0.113.10", "203.0.113.11", "203.0.113.12"]) == [200, 200, 429]


def test_the_forwarded_scheme_is_believed_from_a_trusted_proxy_only(behind_proxy):
    seen = {}

    @behind_proxy.get("/scheme-probe")
    def probe():
        from flask import request

        seen["scheme"], seen["address"] = request.scheme, request.remote_addr
        return "", 204

    client = behind_proxy.test_client()
    client.get("/scheme-probe", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT}, environ_base={"REMOTE_ADDR": PROXY})
    assert seen == {"scheme": "https", "address": CLIENT}
    client.get("/scheme-probe", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT}, environ_base={"REMOTE_ADDR": "198.51.100.50"})
    assert seen == {"scheme": "http", "address": "198.51.100.50"}


@pytest.mark.parametrize("value", ["nginx.internal", "10.0.0.300", "10.0.0.0/33"])
def test_a_setting_that_names_no_address_refuses_to_start(sqlite_url, tmp_path, value):
    with pytest.raises(ConfigError, match="THREADBOOK_TRUSTED_PROXIES"):
        limited_app(sqlite_url, tmp_path, TRUSTED_PROXIES=["127.0.0.1", value])
