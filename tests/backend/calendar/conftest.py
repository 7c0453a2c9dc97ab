"""Every calendar test runs the app against the fake Gmail, Calendar and token endpoint (``workspace_settings``), as a connected rep."""

import pytest

from .test_calendar_sync import REP


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings


@pytest.fixture
def rep(app, factory, workspace, db):
    org = factory.org(name="Acme", domain="acme.example")
    user = factory.user(org, email=REP, name="Rep")
    workspace.connect(app, user)
    return user
