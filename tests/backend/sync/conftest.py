"""Every mail sync test runs the app against the fake Gmail and token endpoint (``sync_settings``)."""

import pytest


@pytest.fixture
def app_settings(sync_settings):
    return sync_settings
