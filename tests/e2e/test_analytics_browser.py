"""The analytics page in headless Chromium: each lazily loaded panel's chart drawn by static/js/charts.js."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.core.cache import cache

from tests.analytics.conftest import DAY, seed_small_ami
from tests.e2e.conftest import ARTIFACTS, BROWSER_MARKS, logged_in_context, watched_page

pytestmark = BROWSER_MARKS

PANELS = ("feeder-load", "transformer-loading", "voltage-compliance", "system-load")


def test_analytics_panels_draw_their_charts(live_network, live_server, settings, browser, tmp_path) -> None:
    warehouse = seed_small_ami(tmp_path / "warehouse.duckdb")
    settings.WAREHOUSE_URL = f"duckdb:///{warehouse.path}"
    cache.clear()
    user = User.objects.create_user("analytics-viewer", password="not-a-real-password-1")
    user.groups.add(Group.objects.get(name="viewer"))
    context = logged_in_context(browser, live_server, user)
    watched = watched_page(context)
    page, errors, requests = watched.page, watched.errors, watched.requests
    page.goto(f"{live_server.url}/analytics/?start={DAY.isoformat()}&days=2&day={DAY.isoformat()}")

    # The panels arrive through htmx swaps after the page has loaded; each one's chart is drawn once.
    for slug in PANELS:
        page.wait_for_selector(f"#panel-{slug} .chart[data-rendered] svg .role-mark")
    assert page.locator(".chart[data-vega-spec] svg.marks").count() == len(PANELS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "analytics-panels.png"), full_page=True)

    assert errors == []
    assert all(url.startswith(live_server.url) for url in requests), requests
    context.close()
