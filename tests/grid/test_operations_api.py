"""Operations API: traces, device operation, meter events, outages, crews, work orders."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from grid.api.outages import router as outages_router
from grid.engine.synthetic import Network
from grid.models import Crew, Device, Outage, OutageEvent, RestorationStep, ServicePoint, Transformer
from grid.selectors.map import asset_detail
from grid.services.outages import outage_record_step, outage_transition
from tests.ninja_client import UserClient

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


def _outage_rows_as_json() -> list[dict]:
    """Every outage as the list should show it, read from the rows (newest first) without the API's schemas."""
    restored = Counter()
    for outage_id, customers in RestorationStep.objects.values_list("outage_id", "customers_restored"):
        restored[outage_id] += customers
    rows = Outage.objects.order_by("-started_at", "-id").values(
        "id", "state", "source", "cause", "feeder__code", "device__code", "transformer__code",
        "service_point__meter_id", "started_at", "etr", "restored_at", "closed_at", "customers_affected",
        "crew__name", "version",
    )  # fmt: skip
    return [
        {
            "id": row["id"],
            "code": f"OUT-{row['id']:06d}",
            "state": row["state"],
            "source": row["source"],
            "cause": row["cause"],
            "feeder": row["feeder__code"],
            "location": row["device__code"] or row["transformer__code"] or row["service_point__meter_id"],
            "started_at": row["started_at"],
            "etr": row["etr"],
            "restored_at": row["restored_at"],
            "closed_at": row["closed_at"],
            "customers_affected": row["customers_affected"],
            "customers_restored": restored[row["id"]],
            "crew": row["crew__name"],
            "version": row["version"],
        }
        for row in rows
    ]


def _instants(item: dict) -> dict:
    """An API item with its times parsed (whole seconds here, so exact)."""
    times = ("started_at", "etr", "restored_at", "closed_at", "at")
    return {key: parse_datetime(value) if key in times and value else value for key, value in item.items()}


def test_outage_list_and_detail_are_the_rows(operator: User, small_network: Network, django_assert_num_queries) -> None:
    """Every field of the outage list (and a detail's steps and timeline) as the database holds it."""
    now = timezone.now().replace(microsecond=0)
    crew = Crew.objects.create(name="Storm 07", members=3, depot="Katy depot", depot_lon=-95.7, depot_lat=29.8)
    fuse = Device.objects.filter(kind="fuse").select_related("feeder").order_by("pk")[3]
    transformer = Transformer.objects.select_related("feeder").order_by("pk")[8]
    point = ServicePoint.objects.select_related("transformer__feeder").order_by("pk")[40]
    at_device = Outage.objects.create(
        source="ami", feeder=fuse.feeder, device=fuse, started_at=now - timedelta(minutes=50), customers_affected=30,
        etr=now + timedelta(hours=2),
    )  # fmt: skip
    at_transformer = Outage.objects.create(
        source="manual", state="verified", feeder=transformer.feeder, transformer=transformer, cause="animal",
        started_at=now - timedelta(minutes=90), customers_affected=6,
    )  # fmt: skip
    Outage.objects.create(
        source="manual", feeder=point.transformer.feeder, service_point=point, started_at=now - timedelta(minutes=5),
        customers_affected=1,
    )  # fmt: skip
    outage_transition(outage_id=at_device.pk, version=1, action="verify", by=operator, at=now - timedelta(minutes=40))
    outage_transition(
        outage_id=at_device.pk, version=2, action="assign_crew", by=operator, crew_id=crew.pk,
        at=now - timedelta(minutes=30),
    )  # fmt: skip
    outage_record_step(outage_id=at_device.pk, version=3, customers=12, by=operator, at=now - timedelta(minutes=10))
    outage_transition(
        outage_id=at_transformer.pk, version=1, action="restore", by=operator, at=now - timedelta(minutes=20)
    )
    outage_transition(
        outage_id=at_transformer.pk, version=2, action="close", by=operator, cause="vegetation",
        at=now - timedelta(minutes=15),
    )  # fmt: skip
    expected = _outage_rows_as_json()
    assert [row["customers_restored"] for row in expected] == [0, 12, 6]  # the case covers steps and a full restore
    api = UserClient(outages_router, operator)

    with django_assert_num_queries(2):  # the count and one page
        page = api.get("/outages?active=false&limit=2&offset=1").json()
    assert page["count"] == 3
    assert [_instants(item) for item in page["items"]] == expected[1:3]
    listed = api.get("/outages?active=false").json()["items"]
    assert [_instants(item) for item in listed] == expected
    active = api.get("/outages").json()["items"]
    assert [item["id"] for item in active] == [row["id"] for row in expected if row["state"] != "closed"]

    detail = _instants(api.get(f"/outages/{at_device.pk}").json())
    assert {key: detail[key] for key in expected[1]} == next(row for row in expected if row["id"] == at_device.pk)
    assert detail["customers_by_class"] == at_device.customers_by_class
    assert detail["allowed_actions"] == ["dispatch", "restore"]
    assert [_instants(step) for step in detail["steps"]] == [
        {"at": at, "customers_restored": customers, "note": note}
        for at, customers, note in RestorationStep.objects.filter(outage=at_device).values_list(
            "at", "customers_restored", "note"
        )
    ]
    assert [_instants(event) for event in detail["timeline"]] == [
        {"at": at, "by": by, "action": action, "from_state": source, "to_state": target, "note": note}
        for at, by, action, source, target, note in OutageEvent.objects.filter(outage=at_device).values_list(
            "at", "by__username", "action", "from_state", "to_state", "note"
        )
    ]
    assert [event["action"] for event in detail["timeline"]] == ["verify", "assign_crew", "step"]


def test_a_state_filter_lists_exactly_the_outages_in_that_state(
    client: Client, viewer: User, small_network: Network
) -> None:
    """Every state, active or not, finds its outages; active=true with an ended state is a clear 400."""
    device = Device.objects.filter(kind="fuse").select_related("feeder").first()
    started = timezone.now() - timedelta(hours=2)
    made = {}
    for state in Outage.State.values:
        ended = state not in Outage.ACTIVE_STATES
        made[state] = Outage.objects.create(
            state=state, source="manual", feeder=device.feeder, device=device, started_at=started,
            restored_at=started + timedelta(hours=1) if ended and state != "cancelled" else None,
            customers_affected=5,
        ).pk  # fmt: skip
    client.force_login(viewer)
    for state, pk in made.items():
        listed = get(client, "/outages", state=state, limit=100).json()
        assert [item["id"] for item in listed["items"]] == [pk], state
    active = {item["id"] for item in get(client, "/outages", limit=100).json()["items"]}
    assert active == {pk for state, pk in made.items() if state in Outage.ACTIVE_STATES}
    everything = {item["id"] for item in get(client, "/outages", active="false", limit=100).json()["items"]}
    assert everything == set(made.values())
    refused = get(client, "/outages", state="closed", active="true")
    assert refused.status_code == 400 and "not an active state" in refused.json()["detail"]
