"""The outage board in headless Chromium: the Active view, the History tab, a state filter and the live refresh."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.utils import timezone

from grid.models import Crew, Device, Outage
from grid.services.outages import outage_record_step, outage_transition
from tests.e2e.conftest import ARTIFACTS, BROWSER_MARKS, logged_in_context, watched_page

pytestmark = BROWSER_MARKS


def _restored(device: Device, *, by: User, started_ago: timedelta, customers: int, steps: list[int]) -> Outage:
    """A verified outage at `device` restored through the service: steps (minutes after start) of equal shares."""
    started = timezone.now() - started_ago
    outage = Outage.objects.create(
        state="verified", source="ami", feeder=device.feeder, device=device, started_at=started,
        etr=started + timedelta(hours=2), customers_affected=customers, customers_by_class={"residential": customers},
    )  # fmt: skip
    share = customers // len(steps)
    for minutes in steps[:-1]:
        outage.refresh_from_db()
        at = started + timedelta(minutes=minutes)
        outage_record_step(outage_id=outage.pk, version=outage.version, customers=share, by=by, at=at)
    outage.refresh_from_db()
    at = started + timedelta(minutes=steps[-1])
    outage_transition(outage_id=outage.pk, version=outage.version, action="restore", by=by, at=at)
    outage.refresh_from_db()
    return outage


def test_board_switches_to_history_and_keeps_it_on_refresh(live_network, live_server, settings, browser) -> None:
    settings.LIVE_REFRESH_SECONDS = 1
    user = User.objects.create_user("board-operator", password="not-a-real-password-1")
    user.groups.add(Group.objects.get(name="operator"))
    fuses = list(Device.objects.filter(kind="fuse").select_related("feeder").order_by("pk")[:4])
    to_close = _restored(fuses[0], by=user, started_ago=timedelta(hours=3), customers=120, steps=[40, 95])
    closed = _restored(fuses[1], by=user, started_ago=timedelta(hours=6), customers=60, steps=[20, 50, 135])
    outage_transition(outage_id=closed.pk, version=closed.version, action="close", by=user, cause="vegetation")
    crew = Crew.objects.create(
        name="Trouble 07", members=2, status="en_route", depot="Alief depot", depot_lon=-95.5, depot_lat=29.7
    )
    active = Outage.objects.create(
        state="en_route", source="manual", cause="equipment", feeder=fuses[2].feeder, device=fuses[2], crew=crew,
        started_at=timezone.now() - timedelta(minutes=50), customers_affected=35,
        etr=timezone.now() + timedelta(hours=2),
    )  # fmt: skip

    context = logged_in_context(browser, live_server, user)
    watched = watched_page(context)
    page, errors, requests = watched.page, watched.errors, watched.requests
    page.goto(f"{live_server.url}/outages/")
    ARTIFACTS.mkdir(exist_ok=True)

    # Active: the outage en route and the restored one still to close; not the closed one.
    table = page.locator("#outage-table")
    assert page.locator('.tabs a[aria-current="page"]').inner_text() == "Active"
    active_row = table.locator("tr", has=page.get_by_role("link", name=active.code))
    assert "En route" in active_row.inner_text()
    to_close_row = table.locator("tr", has=page.get_by_role("link", name=to_close.code))
    assert "Restored, to close" in to_close_row.inner_text()
    assert table.get_by_role("link", name=closed.code).count() == 0
    page.screenshot(path=str(ARTIFACTS / "outage-board-active.png"), full_page=True)

    # History: restored time, duration and customer-minutes; newest restored first; the URL says so.
    page.get_by_role("link", name="History").click()
    page.wait_for_selector('.tabs a[aria-current="page"]:text("History")')
    page.wait_for_url("**/outages/?view=history")
    headers = page.locator("#outage-table thead th").all_inner_texts()
    assert [h.lower() for h in headers[4:8]] == ["customers", "restored", "duration", "customer-min"]
    rows = page.locator("#outage-table tbody tr")
    assert rows.count() == 2 and table.get_by_role("link", name=active.code).count() == 0
    first = rows.nth(0).locator("td").all_inner_texts()
    assert first[0] == to_close.code and first[1] == "Restored, to close"
    assert first[6] == "1 h 35 min" and first[7] == f"{60 * 40 + 60 * 95:,}"
    second = rows.nth(1).locator("td").all_inner_texts()
    assert second[0] == closed.code and second[1] == "Closed" and second[-1] == "Vegetation"
    assert second[6] == "2 h 15 min" and second[7] == f"{20 * 20 + 20 * 50 + 20 * 135:,}"
    page.screenshot(path=str(ARTIFACTS / "outage-board-history.png"), full_page=True)

    # A state filter narrows the history; the live refresh keeps the view and the filter.
    page.select_option("#id_state", "closed")
    page.wait_for_url("**/outages/?view=history&state=closed")
    page.wait_for_function("document.querySelectorAll('#outage-table tbody tr').length === 1")
    stamp = page.locator("#outage-table p.muted").inner_text()
    page.wait_for_function(
        "stamp => document.querySelector('#outage-table p.muted').innerText !== stamp", arg=stamp, timeout=10_000
    )
    assert page.locator("#outage-table tbody tr").all_inner_texts()[0].startswith(closed.code)
    assert page.locator('.tabs a[aria-current="page"]').inner_text() == "History"

    # The closed outage's page: its duration, customer-minutes and a timeline in words.
    page.get_by_role("link", name=closed.code).click()
    page.wait_for_url(f"**/outages/{closed.pk}/")
    assert page.locator("h1 .badge").inner_text() == "Closed"
    facts = page.locator(".facts").first.inner_text()
    assert "Duration\n2 h 15 min" in facts.replace("\t", "\n")
    assert "Customer-minutes" in page.locator(".facts").nth(1).inner_text()
    timeline = page.locator(".timeline").inner_text()
    assert (
        "Partial restoration" in timeline and "Restoration → Restored" in timeline and "Close-out → Closed" in timeline
    )
    page.screenshot(path=str(ARTIFACTS / "outage-detail-closed.png"), full_page=True)

    assert errors == []
    assert all(url.startswith(live_server.url) for url in requests), requests
    context.close()
