"""Browser tests: Debian's headless Chromium against live_server on the small network."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from grid import map_cache, network_cache
from grid.engine.synthetic import Network
from grid.selectors.network import network_is_seeded
from grid.selectors.reliability import clear_caches
from grid.services.network import network_seed

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # screenshots
# Every browser test module's pytestmark.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM}"),
]


@pytest.fixture(scope="session", autouse=True)
def close_pools(django_db_blocker) -> Iterator[None]:
    """Once the (session-wide) live server has stopped, close PostgreSQL pools and end sessions its
    request threads left behind: they would block dropping the test database. Autouse, so that it is
    set up before live_server and torn down after it."""
    yield
    with django_db_blocker.unblock():
        for connection in connections.all():
            if connection.vendor != "postgresql":
                continue
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            connection.close()
            if connection.pool is not None:
                connection.close_pool()


@pytest.fixture
def browser(monkeypatch):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    # Playwright's sync API keeps an event loop on this thread; the ORM calls in tests are plain blocking calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_network(django_db_serialized_rollback, live_server, settings, small_network_rows: Network) -> Network:
    """The small network behind live_server, which serves static files from the finders (unhashed names).

    live_server's database is flushed after each test, with the rows the migrations wrote: those come back
    through serialized rollback, and the network is seeded again when an earlier browser test emptied it.
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if not network_is_seeded():
        network_seed(network=small_network_rows)
    map_cache.clear_cache()
    network_cache.clear_cache()
    clear_caches()
    return small_network_rows


@dataclass
class WatchedPage:
    """A page with the script errors it raised and every URL it requested."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def watched_page(context: BrowserContext) -> WatchedPage:
    """A new page of `context` that records its script errors and requests (60 s waits: software GL is slow)."""
    watched = WatchedPage(context.new_page())
    watched.page.set_default_timeout(60_000)
    watched.page.on("pageerror", lambda error: watched.errors.append(str(error)))
    watched.page.on("request", lambda request: watched.requests.append(request.url))
    return watched


def logged_in_context(browser, live_server, user: User):
    """A browser context whose session is `user`'s."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context
