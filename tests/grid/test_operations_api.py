"""Operations API: traces, device operation, meter events, outages, crews, work orders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from grid.engine.synthetic import Network
from grid.models import Crew, Device, Outage, ServicePoint
from grid.selectors.map import asset_detail

pytestmark = pytest.mark.usefixtures("fresh_network_cache")


def post(client: Client, path: str, body: dict):
    return client.post(f"/api/v1/grid{path}", body, content_type="application/json")


def get(client: Client, path: str, **params):
    return client.get(f"/api/v1/grid{path}", params)


def test_traces(client: Client, viewer: User, small_network: Network) -> None:
    client.force_login(viewer)
    meter = ServicePoint.objects.order_by("pk")[20]
    up = get(client, "/trace/up", meter=meter.meter_id.lower()).json()
    assert up["energized"] and up["protective_devices"][-1].startswith("BK-")
    assert up["feeder"] == meter.transformer.feeder.code
    breaker = up["protective_devices"][-1]
    down = get(client, "/trace/down", device=breaker).json()
    assert down["customers_total"] == sum(down["customers"].values()) > 0
    assert get(client, "/trace/up").status_code == 400
    assert get(client, "/trace/up", segment=10**9).json() == {"detail": f"Unknown segment {10**9}."}
    assert get(client, "/trace/down", device="NOPE").status_code == 404
    assert get(client, "/trace/up", segment="abc").status_code == 422


def test_operate_roles_and_errors(client: Client, viewer: User, operator: User, small_network: Network) -> None:
    fuse = Device.objects.filter(kind="fuse").order_by("pk")[2]
    client.force_login(viewer)
    denied = post(client, f"/devices/{fuse.code}/operate", {"to_state": "open", "reason": "x"})
    assert denied.status_code == 403 and "operators" in denied.json()["detail"]
    client.force_login(operator)
    assert post(client, "/devices/NOPE/operate", {"to_state": "open", "reason": "x"}).status_code == 404
    assert post(client, f"/devices/{fuse.code}/operate", {"to_state": "ajar", "reason": "x"}).status_code == 422
    assert post(client, f"/devices/{fuse.code}/operate", {"to_state": "open"}).status_code == 422
    ok = post(client, f"/devices/{fuse.code}/operate", {"to_state": "open", "reason": "maintenance"})
    assert ok.status_code == 201 and ok.json()["customers_deenergized"] > 0
    again = post(client, f"/devices/{fuse.code}/operate", {"to_state": "open", "reason": "maintenance"})
    assert again.status_code == 400 and again.json() == {"detail": f"{fuse.code} is already open."}


def test_meter_event_ingest_reports_rows(client: Client, operator: User, viewer: User, small_network: Network) -> None:
    meter = ServicePoint.objects.order_by("pk").first().meter_id
    body = {
        "events": [
            {"meter_id": meter, "type": "power_off", "timestamp": "2026-11-01T12:00:00Z"},
            {"meter_id": meter, "type": "boom", "timestamp": "2026-11-01T12:00:00Z"},
            "not an object",
        ]
    }
    client.force_login(viewer)
    assert post(client, "/meter-events", body).status_code == 403
    client.force_login(operator)
    result = post(client, "/meter-events", body).json()
    assert (result["stored"], result["rejected"]) == (1, 2)
    assert [e["line"] for e in result["errors"]] == [1, 2]
    assert len(result["outages"]) == 1
    assert post(client, "/meter-events", body).json()["duplicates"] == 1
    assert post(client, "/meter-events", {"events": "nope"}).status_code == 422


def test_outages_list_detail_and_transition(client: Client, operator: User, small_network: Network) -> None:
    device = Device.objects.filter(kind="fuse").select_related("feeder").first()
    outage = Outage.objects.create(
        source="ami", feeder=device.feeder, device=device, started_at=timezone.now() - timedelta(minutes=20),
        customers_affected=12,
    )  # fmt: skip
    client.force_login(operator)
    listed = get(client, "/outages", feeder=device.feeder.code).json()
    assert listed["count"] == 1 and listed["items"][0]["location"] == device.code
    assert get(client, "/outages", feeder="NOPE").status_code == 404
    assert get(client, "/outages", state="bogus").status_code == 400
    assert get(client, "/outages", limit=1000).status_code == 422
    detail = get(client, f"/outages/{outage.pk}").json()
    assert detail["allowed_actions"] == ["verify", "cancel"]
    moved = post(client, f"/outages/{outage.pk}/transition", {"action": "verify", "version": 1})
    assert moved.status_code == 200 and moved.json()["state"] == "verified"
    stale = post(client, f"/outages/{outage.pk}/transition", {"action": "cancel", "version": 1})
    assert stale.status_code == 409
    invalid = post(client, f"/outages/{outage.pk}/transition", {"action": "close", "version": 2})
    assert invalid.status_code == 400 and "Cannot close" in invalid.json()["detail"]
    assert get(client, "/outages/999999").status_code == 404


def test_crews_and_work_orders(client: Client, operator: User, small_network: Network) -> None:
    crew = Crew.objects.create(name="Storm 01", members=4, depot="Katy depot", depot_lon=-95.7, depot_lat=29.8)
    client.force_login(operator)
    assert get(client, "/crews").json()[0]["name"] == "Storm 01"
    device = Device.objects.order_by("pk").first()
    created = post(client, "/work-orders", {"summary": "Inspect", "device": device.code.lower(), "priority": 2})
    assert created.status_code == 201 and created.json()["device"] == device.code
    order = created.json()["id"]
    assert post(client, "/work-orders", {"summary": "x", "device": "NOPE"}).status_code == 404
    assert post(client, "/work-orders", {"summary": "x", "priority": 9}).status_code == 422
    assert post(client, "/work-orders", {"summary": "x"}).status_code == 400
    moved = post(client, f"/work-orders/{order}/status", {"status": "assigned", "crew": crew.pk})
    assert moved.json()["crew"] == "Storm 01"
    assert post(client, f"/work-orders/{order}/status", {"status": "done"}).status_code == 400
    assert get(client, "/work-orders").json()["count"] == 1


def test_asset_panel_and_trace_up_list_the_same_protection_never_a_sectionalizer(
    client: Client, viewer: User, small_network: Network
) -> None:
    """Upstream protection is breakers, reclosers and fuses only, the same on the asset panel and trace/up."""
    client.force_login(viewer)
    kinds = dict(Device.objects.values_list("code", "kind"))
    checked = 0
    for meter in ServicePoint.objects.select_related("transformer").order_by("pk")[::400]:
        up = get(client, "/trace/up", meter=meter.meter_id).json()
        passed = [code for code in up["devices"] if kinds[code] in {"breaker", "recloser", "fuse"}]
        assert up["protective_devices"] == passed
        panel = asset_detail("transformer", meter.transformer.code)
        assert [device.code for device in panel.upstream] == passed
        checked += any(kinds[code] == "sectionalizer" for code in up["devices"])
    assert checked, "no sampled meter has a sectionalizer upstream: the check would prove nothing"
