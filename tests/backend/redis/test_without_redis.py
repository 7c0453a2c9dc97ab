"""A machine without redis-server (only the embedded defaults) skips the real-Redis tests, saying why; CI fails instead."""

import pytest

from ... import redis_server
from .conftest import SKIP_MESSAGE, require_redis_server


def test_a_machine_without_redis_server_skips_saying_why(monkeypatch):
    monkeypatch.setattr(redis_server, "find_redis_server", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="redis-server is not installed"):
        require_redis_server()


def test_ci_never_skips_them(monkeypatch):
    monkeypatch.setattr(redis_server, "find_redis_server", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run them"):
        require_redis_server()
    assert SKIP_MESSAGE.startswith("redis-server is not installed")
