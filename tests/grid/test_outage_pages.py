"""Outage board, outage detail, field operations and switching pages: full page and htmx partial."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from grid.engine.synthetic import Network
from grid.models import Crew, Device, Outage, SwitchingOperation, WorkOrder

HX = {"HX-Request": "true"}


pytestmark = pytest.mark.usefixtures("fresh_network_cache")


@pytest.fixture
def outages(small_network: Network) -> list[Outage]:
    devices = Device.objects.filter(kind="fuse").select_related("feeder").order_by("pk")[:3]
    now = timezone.now()
    return [
        Outage.objects.create(
            state=state, source="ami", feeder=d.feeder, device=d, started_at=now - timedelta(minutes=30 * (i + 1)),
            customers_affected=10 * (i + 1), customers_by_class={"residential": 10 * (i + 1)},
        )
        for i, (d, state) in enumerate(zip(devices, ["predicted", "verified", "closed"], strict=True))
    ]  # fmt: skip


def test_board_lists_active_outages_full_and_partial(
    client: Client, viewer: User, outages: list[Outage], django_assert_num_queries
) -> None:
    client.force_login(viewer)
    page = client.get("/outages/")
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert outages[0].code in html and outages[1].code in html and outages[2].code not in html
    assert "every 15s [document.visibilityState === &#x27;visible&#x27;]" in html or "every 15s" in html
    with django_assert_num_queries(4):
        partial = client.get("/outages/", {"state": "verified", "sort": "customers"}, headers=HX)
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="outage-table"') and "<html" not in body
    assert outages[1].code in body and outages[0].code not in body


def test_board_empty_state_and_bad_filter(client: Client, viewer: User, small_network: Network) -> None:
    client.force_login(viewer)
    assert "No active outages" in client.get("/outages/").content.decode()
    bad = client.get("/outages/", {"state": "exploded"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_detail_full_and_partial(client: Client, viewer: User, outages: list[Outage]) -> None:
    client.force_login(viewer)
    full = client.get(f"/outages/{outages[1].pk}/")
    assert full.status_code == 200 and "Timeline" in full.content.decode()
    assert "Upstream protection" in full.content.decode() and "BK-" in full.content.decode()
    assert "Apply" not in full.content.decode()  # viewers see no actions
    partial = client.get(f"/outages/{outages[1].pk}/", headers=HX)
    assert partial.content.decode().lstrip().startswith('<div id="outage-panel">')
    assert client.get("/outages/999999/").status_code == 404


def test_operator_acts_through_htmx_and_sees_conflicts(client: Client, operator: User, outages: list[Outage]) -> None:
    client.force_login(operator)
    outage = outages[0]
    response = client.post(
        f"/outages/{outage.pk}/action/", {"action": "verify", "version": 1, "note": "ping ok"}, headers=HX
    )
    assert response.status_code == 200 and "Saved." in response.content.decode()
    outage.refresh_from_db()
    assert outage.state == "verified"
    stale = client.post(f"/outages/{outage.pk}/action/", {"action": "cancel", "version": 1}, headers=HX)
    assert "changed by someone else" in stale.content.decode() and stale["X-Outage-Result"] == "409"
    outage.refresh_from_db()
    assert outage.state == "verified"
    bad = client.post(f"/outages/{outage.pk}/step/", {"version": outage.version, "customers": 0}, headers=HX)
    assert "customers" in bad.content.decode() and bad["X-Outage-Result"] == "400"


def test_viewer_cannot_post_actions(client: Client, viewer: User, outages: list[Outage]) -> None:
    client.force_login(viewer)
    response = client.post(f"/outages/{outages[0].pk}/action/", {"action": "verify", "version": 1})
    assert response.status_code == 403
    outages[0].refresh_from_db()
    assert outages[0].state == "predicted"


def test_field_page_and_work_orders(client: Client, operator: User, outages: list[Outage]) -> None:
    crew = Crew.objects.create(name="Trouble 07", members=2, depot="Alief depot", depot_lon=-95.5, depot_lat=29.7)
    client.force_login(operator)
    page = client.get("/field/")
    assert page.status_code == 200 and "Trouble 07" in page.content.decode()
    assert client.get("/field/", headers=HX).content.decode().lstrip().startswith('<div id="field-board">')
    created = client.post("/field/work-orders/", {"summary": "Patrol lateral", "outage": outages[0].pk, "priority": 2})
    assert created.status_code == 302
    order = WorkOrder.objects.get()
    client.post(f"/field/work-orders/{order.pk}/", {"status": "assigned", "crew": crew.pk})
    order.refresh_from_db()
    assert order.status == "assigned" and order.crew == crew
    bad = client.post("/field/work-orders/", {"summary": "x", "device": "NOPE-1", "priority": 3}, follow=True)
    assert "Unknown device NOPE-1" in bad.content.decode() and WorkOrder.objects.count() == 1


def test_switching_page_previews_then_executes(client: Client, operator: User, viewer: User, small_network: Network):
    fuse = Device.objects.filter(kind="fuse").order_by("pk")[7]
    client.force_login(viewer)
    assert client.get(f"/devices/{fuse.code}/switch/").status_code == 200
    assert client.post(f"/devices/{fuse.code}/switch/", {"to_state": "open", "reason": "x"}).status_code == 403
    client.force_login(operator)
    preview = client.post(f"/devices/{fuse.code}/switch/", {"to_state": "open", "reason": "cutout"}, headers=HX)
    html = preview.content.decode()
    assert "customers will lose supply" in html and "Confirm" in html
    assert not SwitchingOperation.objects.exists()
    done = client.post(f"/devices/{fuse.code}/switch/", {"to_state": "open", "reason": "cutout", "confirm": "true"})
    assert done.status_code == 302 and SwitchingOperation.objects.get().device == fuse
    assert client.get("/devices/NOPE/switch/").status_code == 404
