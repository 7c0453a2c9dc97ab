"""The Google Contacts tests: the app against the fake Gmail, Calendar, People API and token endpoint, with a team of three."""

import pytest

from threadbook.google.people import CONTACTS

from ..support.workspace import ALL_SCOPES

REP = "rep@acme.example"


@pytest.fixture
def app_settings(workspace_settings, people):
    return {**workspace_settings, "GOOGLE_PEOPLE_API_ROOT": people.root}


@pytest.fixture
def google_contacts(workspace, people):
    """Tokens the fake token endpoint issues open the fake People API too, with exactly their contacts scopes."""
    issue = workspace.oauth.on_access_token

    def on_access_token(token, email, scopes):
        issue(token, email, scopes)
        people.grant(token, email, scopes=[s for s in scopes if "/auth/contacts" in s])

    workspace.oauth.on_access_token = on_access_token
    return people


@pytest.fixture
def crew(app, factory, workspace, google_contacts, db):
    """Acme: a rep (connected, with Contacts allowed), a colleague, an admin; and another organisation."""
    org = factory.org(name="Acme", domain="acme.example")
    rep = factory.user(org, email=REP, name="Rep")
    workspace.connect(app, rep, scopes=(*ALL_SCOPES, CONTACTS))
    other_org = factory.org(name="Other", domain="other.example")
    return {
        "org": org,
        "rep": rep,
        "colleague": factory.user(org, email="col@acme.example", name="Col"),
        "admin": factory.user(org, email="boss@acme.example", name="Boss", role="admin"),
        "outsider": factory.user(other_org, email="out@other.example", name="Out"),
    }
