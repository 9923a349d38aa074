"""The operations dashboard in headless Chromium: the daily SAIDI chart drawn by static/js/charts.js."""

from __future__ import annotations

import json
from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command

from tests.e2e.conftest import ARTIFACTS, BROWSER_MARKS, logged_in_context, watched_page

pytestmark = BROWSER_MARKS

MED_RED = "#ff5c5c"


def test_dashboard_draws_the_daily_saidi_chart(live_network, live_server, browser) -> None:
    call_command("seed_history", "--years", "3", "--seed", "4", stdout=StringIO(), verbosity=0)
    user = User.objects.create_user("dashboard-viewer", password="not-a-real-password-1")
    context = logged_in_context(browser, live_server, user)
    watched = watched_page(context)
    page, errors, requests = watched.page, watched.errors, watched.requests
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#saidi-chart svg g.layer_1_marks")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#card-chart").screenshot(path=str(ARTIFACTS / "dashboard-saidi-chart.png"))

    # What the page was sent, read back from it: one bar a day, MED days in red, one dashed rule per year
    # that has a threshold.
    values = json.loads(page.locator("#saidi-spec").text_content())["data"]["values"]
    meds = sum(1 for value in values if value["med"])
    years = {value["day"][:4] for value in values if value["threshold"] is not None}
    assert len(values) >= 365 and meds > 0 and years
    bars = page.locator("#saidi-chart g.layer_0_marks path")
    assert bars.count() == len(values)
    assert page.locator(f'#saidi-chart g.layer_0_marks path[fill="{MED_RED}"]').count() == meds
    rules = page.locator("#saidi-chart g.layer_1_marks line[stroke-dasharray]")
    assert rules.count() == len(years)
    assert f"{meds} major event day" in page.locator("#card-chart h2").inner_text()

    assert errors == []
    assert all(url.startswith(live_server.url) for url in requests), requests
    context.close()
