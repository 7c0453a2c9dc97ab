"""Every mail sync test runs the app against the fake Gmail and token endpoint (``sync_settings``)."""

import pytest


@pytest.fixture
def app_settings(sync_settings):
    return sync_settings


# One organisation with a rep and an administrator; modules whose rep differs define their own.
@pytest.fixture
def org(factory):
    return factory.org(domain="acme.example")


@pytest.fixture
def rep(factory, org):
    return factory.user(org, email="rep@acme.example")


@pytest.fixture
def admin(factory, org):
    return factory.user(org, email="boss@acme.example", role="admin")
