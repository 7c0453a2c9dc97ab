"""Every calendar test runs the app against the fake Gmail, Calendar and token endpoint (``workspace_settings``)."""

import pytest


@pytest.fixture
def app_settings(workspace_settings):
    return workspace_settings
