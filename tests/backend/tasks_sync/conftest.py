"""Every Google Tasks test runs the app against the fake Google Tasks (tests/fakes/gtasks.py) and the fake token endpoint."""

from urllib.parse import parse_qs, urlparse

import pytest

from ...fakes.google_oauth import CLIENT_ID, CLIENT_SECRET
from ..support.sync import ENCRYPTION_KEY

REDIRECT = "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/"


@pytest.fixture
def tasks_google(gtasks, _oauth_server):
    """The fake Google Tasks with the token endpoint: tokens the endpoint issues open the fake with exactly their scopes."""
    oauth = _oauth_server
    oauth.reset()
    oauth.on_access_token = lambda token, email, scopes: gtasks.grant(token, email, scopes=[s for s in scopes if "/auth/tasks" in s])
    oauth.on_revoke = lambda token: gtasks.expire(token) if token in gtasks.grants else None
    gtasks.oauth = oauth
    yield gtasks
    oauth.on_access_token = oauth.on_revoke = None


@pytest.fixture
def app_settings(tasks_google):
    oauth = tasks_google.oauth
    return {
        "GOOGLE_TASKS_API_ROOT": tasks_google.root,
        "GOOGLE_API_ROOT": "http://127.0.0.1:9/",  # nothing else of Google is called
        "GOOGLE_TOKEN_URI": oauth.url + "/token",
        "GOOGLE_AUTH_URI": oauth.url + "/o/oauth2/v2/auth",
        "GOOGLE_CLIENT_IDS": [CLIENT_ID],
        "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
        "QUEUE_IMMEDIATE": True,
        "ENCRYPTION_KEY": ENCRYPTION_KEY,
    }


@pytest.fixture
def team(client, factory, tasks_google):
    org = factory.org(domain="us.example")
    people = {
        "rep": factory.user(org, email="rep@us.example", name="Rep"),
        "colleague": factory.user(org, email="col@us.example", name="Col"),
        "admin": factory.user(org, email="boss@us.example", name="Boss", role="admin"),
    }

    class Person:
        def __init__(self, user):
            self.user = user

        def __call__(self, method, path, **kw):
            return getattr(client, method)(path, headers=factory.headers(self.user), **kw)

        def grant_tasks(self):
            """Turn Google Tasks on as the panel does: start, consent at the fake Google, finish."""
            started = self("post", "/api/v1/me/google-tasks/connect/start", json={"redirect_uri": REDIRECT}).get_json()
            code, state = tasks_google.oauth.approve(started["authorization_url"])
            return self("post", "/api/v1/me/google-tasks/connect/finish", json={"code": code, "state": state, "redirect_uri": REDIRECT})

    return {name: Person(user) for name, user in people.items()}


def consent_query(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
