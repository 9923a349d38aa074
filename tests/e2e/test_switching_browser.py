"""The switching page in headless Chromium: preview, confirm, and the result swapped in by htmx."""

from __future__ import annotations

import re

from django.contrib.auth.models import Group, User

from grid.models import Device, Outage, SwitchingOperation
from tests.e2e.conftest import ARTIFACTS, BROWSER_MARKS, logged_in_context, watched_page

pytestmark = BROWSER_MARKS


def test_opening_a_fuse_shows_its_new_state_and_the_outage_without_reloading(
    live_network, live_server, browser
) -> None:
    fuse = Device.objects.filter(kind="fuse").order_by("pk")[5]
    user = User.objects.create_user("switch-operator", password="not-a-real-password-1")
    user.groups.add(Group.objects.get(name="operator"))
    context = logged_in_context(browser, live_server, user)
    watched = watched_page(context)
    page, errors, requests = watched.page, watched.errors, watched.requests
    page.goto(f"{live_server.url}/devices/{fuse.code}/switch/")
    assert page.locator("#device-state").inner_text() == "Closed"
    # Set on this document: a reload or a navigation would drop it.
    page.evaluate("window.stillTheSamePage = true")

    page.select_option("#id_to_state", "open")
    page.fill("#id_reason", "Replace the cutout")
    page.get_by_role("button", name="Preview").click()
    confirm = page.get_by_role("button", name=f"Confirm: Open {fuse.code}")
    confirm.wait_for()
    lost = int(page.locator(".preview strong").first.inner_text().replace(",", ""))
    assert lost > 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "switching-fuse-preview.png"), full_page=True)
    confirm.click()
    page.locator("#switch-result").wait_for()

    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator("#device-state").inner_text() == "Open"
    assert page.locator("dt:text-is('State') + dd").inner_text() == "Open (abnormal)"
    assert page.locator("dt:text-is('Normal state') + dd").inner_text() == "Closed"
    assert f"{fuse.code} opened: {lost:,} customers de-energized" in page.locator("#switch-result").inner_text()
    operation = SwitchingOperation.objects.get(device=fuse)
    outage = Outage.objects.get(pk=operation.outage_id)
    link = page.locator("#switch-result a")
    assert link.inner_text() == outage.code and link.get_attribute("href") == f"/outages/{outage.pk}/"
    assert page.url == f"{live_server.url}/devices/{fuse.code}/switch/?operation={operation.pk}"
    assert page.locator("#id_to_state").input_value() == "closed"  # ready to close it again
    page.screenshot(path=str(ARTIFACTS / "switching-fuse-opened.png"), full_page=True)

    link.click()
    page.wait_for_url(re.compile(rf"/outages/{outage.pk}/$"))
    assert outage.code in page.locator("h1").inner_text()
    assert f"{outage.customers_affected:,}" in page.locator("dt:text-is('Affected') + dd").inner_text()

    assert errors == []
    assert all(url.startswith(live_server.url) for url in requests), requests
    context.close()
