"""Fixtures for the browser tests: the whole stack and one Chromium per module."""

import pytest

from .harness import ExtensionBrowser, Stack, launch_chrome, service_worker_running


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The backend, the Google fakes and the Gmail page fixture, for one test module."""
    running = Stack(tmp_path_factory.mktemp("stack")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(stack, tmp_path_factory):
    """Headless Chromium with dist/ loaded, Gmail open in one window and the panel in another."""
    driver = launch_chrome(stack, tmp_path_factory.mktemp("chrome"))
    try:
        session = ExtensionBrowser(driver, stack)
        session.wait(lambda: service_worker_running(driver), "the extension's service worker to start")
        yield session.open()
    finally:
        driver.quit()
