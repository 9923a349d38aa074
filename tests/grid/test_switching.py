"""Switching: the service, its log, refusals, switching outages, tie transfers, and the switching page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client

from grid import network_cache
from grid.engine.synthetic import Network
from grid.models import Device, Outage, SwitchingOperation
from grid.services.errors import ServiceError
from grid.services.switching import StalePreview, device_operate, switching_preview
from tests.grid.conftest import RowGraph

pytestmark = pytest.mark.usefixtures("fresh_network_cache")


def _lateral_fuse() -> Device:
    return Device.objects.filter(kind="fuse").order_by("pk")[5]


def test_opening_logs_the_operation_and_starts_a_switching_outage(small_network: Network, operator: User) -> None:
    fuse = _lateral_fuse()
    expected = switching_preview(device=fuse, to_state="open").lost
    operation = device_operate(device_id=fuse.pk, to_state="open", reason="replace cutout", by=operator)
    assert (operation.from_state, operation.to_state, operation.by) == ("closed", "open", operator)
    assert operation.customers_deenergized == expected.customer_total > 0
    fuse.refresh_from_db()
    assert fuse.current_state == "open"
    live = network_cache.current_energization()
    assert not live.energized[expected.nodes].any()
    outage = operation.outage
    assert (outage.source, outage.cause, outage.state) == ("switching", "planned", "verified")
    assert outage.customers_affected == expected.customer_total
    closing = device_operate(device_id=fuse.pk, to_state="closed", reason="work done", by=operator)
    assert closing.customers_reenergized == expected.customer_total
    outage.refresh_from_db()
    assert outage.state == "restored"
    assert [s.customers_restored for s in outage.steps.all()] == [expected.customer_total]
    assert sum(outage.areas.values()) == expected.customer_total
    assert outage.duration_minutes >= 0 and outage.customer_minutes >= 0
    assert SwitchingOperation.objects.filter(device=fuse).count() == 2


def test_a_second_opening_extends_the_feeders_switching_outage(small_network: Network, operator: User) -> None:
    first, second = Device.objects.filter(kind="fuse", feeder_id=1).order_by("pk")[:2]
    one = device_operate(device_id=first.pk, to_state="open", reason="a", by=operator)
    two = device_operate(device_id=second.pk, to_state="open", reason="b", by=operator)
    assert one.outage_id == two.outage_id
    two.outage.refresh_from_db()
    assert two.outage.customers_affected == one.customers_deenergized + two.customers_deenergized
    assert list(two.outage.events.values_list("action", flat=True)) == ["created", "extended"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"to_state": "closed", "reason": "x"}, "already closed"),
        ({"to_state": "ajar", "reason": "x"}, "Unknown state"),
        ({"to_state": "open", "reason": "  "}, "reason is required"),
    ],
)
def test_senseless_operations_are_refused(small_network: Network, operator: User, kwargs: dict, message: str) -> None:
    fuse = _lateral_fuse()
    with pytest.raises(ServiceError, match=message):
        device_operate(device_id=fuse.pk, by=operator, **kwargs)
    assert not SwitchingOperation.objects.exists()
    fuse.refresh_from_db()
    assert fuse.current_state == "closed"


def test_unknown_device_and_viewer_are_refused(small_network: Network, operator: User, viewer: User) -> None:
    with pytest.raises(ServiceError, match="Unknown device"):
        device_operate(device_id=999_999, to_state="open", reason="x", by=operator)
    with pytest.raises(PermissionDenied):
        device_operate(device_id=_lateral_fuse().pk, to_state="open", reason="x", by=viewer)


def test_closing_a_tie_that_parallels_two_feeders_needs_explicit_permission(
    small_network: Network, operator: User
) -> None:
    tie = Device.objects.filter(tie_feeder__isnull=False).order_by("pk").first()
    with pytest.raises(ServiceError, match="would parallel"):
        device_operate(device_id=tie.pk, to_state="closed", reason="transfer", by=operator)
    operation = device_operate(
        device_id=tie.pk, to_state="closed", reason="make before break", by=operator, allow_parallel=True
    )
    assert operation.customers_reenergized == 0 and operation.customers_deenergized == 0


def test_tie_transfer_moves_load_to_the_neighbouring_feeder(small_network: Network, operator: User) -> None:
    tie = Device.objects.filter(tie_feeder__isnull=False).order_by("pk").first()
    topology = network_cache.current_topology()
    live = network_cache.current_energization()
    tie_segment = int(topology.arrays.device_segment[topology.device_index[tie.pk]])
    a, b = int(topology.arrays.segment_from[tie_segment]), int(topology.arrays.segment_to[tie_segment])
    side = a if live.node_feeder(a) == tie.feeder_id else b
    # Open the nearest device upstream of the tie on its own feeder, then close the tie.
    path = live.upstream_segments(side)
    upstream = next(d for d in topology.devices_on(path) if topology.arrays.device_kinds[d] in ("fuse", "switch"))
    opened = device_operate(
        device_id=int(topology.arrays.device_ids[upstream]), to_state="open", reason="isolate", by=operator
    )
    assert opened.customers_deenergized > 0
    closed = device_operate(device_id=tie.pk, to_state="closed", reason="pick up load", by=operator)
    assert closed.customers_reenergized > 0
    after = network_cache.current_energization()
    assert after.energized[side] and after.node_feeder(side) == tie.tie_feeder_id
    assert Outage.objects.get(pk=opened.outage_id).steps.count() == 1


def test_switching_log_is_append_only(small_network: Network, operator: User) -> None:
    operation = device_operate(device_id=_lateral_fuse().pk, to_state="open", reason="x", by=operator)
    operation.reason = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        operation.save()
    with pytest.raises(ValueError, match="append-only"):
        operation.delete()


def test_a_confirm_refuses_when_the_network_changed_since_the_preview(small_network: Network, operator: User) -> None:
    fuse = _lateral_fuse()
    previewed = switching_preview(device=fuse, to_state="open").lost.customer_total
    with pytest.raises(StalePreview, match="changed since the preview") as refused:
        device_operate(device_id=fuse.pk, to_state="open", reason="x", by=operator, previewed=(previewed + 1, 0))
    assert refused.value.preview.lost.customer_total == previewed
    assert not SwitchingOperation.objects.exists()
    operation = device_operate(device_id=fuse.pk, to_state="open", reason="x", by=operator, previewed=(previewed, 0))
    assert operation.customers_deenergized == previewed


HX = {"HX-Request": "true"}


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} in the page"
    return found.group(1)


def _outage_link(html: str) -> str:
    found = re.search(r'<p>Outage <a href="(/outages/\d+/)">(OUT-\d+)</a>', html)
    assert found, "no link to the outage in the result"
    return found.group(1)


def _expected_loss(network: Network, device_id: int) -> int:
    """Customers that opening `device_id` de-energizes, by a BFS of the test's own over the rows."""
    graph = RowGraph(network)
    normally_open = {device.id for device in network.devices if device.normal_state == "open"}
    before, after = graph.energize(normally_open), graph.energize(normally_open | {device_id})
    return sum(graph.customers_in(set(before) - set(after)).values())


@pytest.mark.parametrize("headers", [{}, HX], ids=["full-page", "htmx"])
def test_switching_page_confirm_shows_the_new_state_the_result_and_the_outage(
    client: Client, operator: User, small_network: Network, headers: dict
) -> None:
    fuse = _lateral_fuse()
    lost = _expected_loss(small_network, fuse.pk)
    url = f"/devices/{fuse.code}/switch/"
    client.force_login(operator)
    preview = client.post(url, {"to_state": "open", "reason": "replace cutout"}, headers=headers)
    html = preview.content.decode()
    assert preview.status_code == 200 and f"<strong>{lost:,}</strong> customers will lose supply" in html
    assert f"Confirm: Open {fuse.code}" in html and _hidden(html, "previewed_lost") == str(lost)
    confirm = {
        "to_state": _hidden(html, "to_state"),
        "reason": "replace cutout",
        "confirm": "true",
        "previewed_lost": _hidden(html, "previewed_lost"),
        "previewed_gained": _hidden(html, "previewed_gained"),
    }
    done = client.post(url, confirm, headers=headers)
    operation = SwitchingOperation.objects.get(device=fuse)
    result_url = f"{url}?operation={operation.pk}"
    if headers:
        assert done.status_code == 200 and done["X-Switch-Result"] == "200"
        assert done["HX-Replace-Url"] == result_url and "HX-Request" in done["Vary"]
        assert done.content.decode().strip().startswith('<div id="switch-panel">')
    else:
        assert done.status_code == 302 and done["Location"] == result_url
        done = client.get(done["Location"])
        assert "<html" in done.content.decode()
    html = done.content.decode()
    assert 'id="device-state">Open</span>' in html
    assert '<dt>State</dt><dd>Open <strong class="warn">(abnormal)</strong></dd>' in html
    assert "<dt>Normal state</dt><dd>Closed</dd>" in html
    assert f'{lost:,} customers, <strong class="warn">without supply</strong>' in html
    assert f"{fuse.code} opened: {lost:,} customers de-energized" in html
    assert "Confirm:" not in html and '<option value="closed" selected>' in html  # ready for the next operation
    outage = Outage.objects.get(source="switching", device=fuse)
    assert operation.outage == outage and outage.customers_affected == lost
    link = _outage_link(html)
    assert link == f"/outages/{outage.pk}/" and f"{outage.code}</a> created" in html
    page = client.get(link)
    assert page.status_code == 200 and outage.code in page.content.decode()
    assert "Closed → Open" in html and ">closed<" not in html and "to_state:" not in html

    # Closing it again restores the same customers and restores that outage.
    preview = client.post(url, {"to_state": "closed", "reason": "work done"}, headers=headers).content.decode()
    closing = {
        "to_state": "closed",
        "reason": "work done",
        "confirm": "true",
        "previewed_lost": _hidden(preview, "previewed_lost"),
        "previewed_gained": _hidden(preview, "previewed_gained"),
    }
    done = client.post(url, closing, headers=headers, follow=not headers)
    html = done.content.decode()
    assert f"{fuse.code} closed: {lost:,} customers restored" in html and 'id="device-state">Closed</span>' in html
    assert _outage_link(html) == f"/outages/{outage.pk}/" and f"{outage.code}</a> restored" in html
    outage.refresh_from_db()
    assert outage.state == "restored"


@pytest.mark.parametrize("headers", [{}, HX], ids=["full-page", "htmx"])
def test_switching_page_refusals_show_why_and_change_nothing(
    client: Client, operator: User, viewer: User, small_network: Network, headers: dict
) -> None:
    def status(response) -> int:
        return int(response["X-Switch-Result"]) if headers else response.status_code

    fuse = _lateral_fuse()
    url = f"/devices/{fuse.code}/switch/"
    client.force_login(viewer)
    denied = client.post(url, {"to_state": "open", "reason": "x", "confirm": "true"}, headers=headers)
    assert status(denied) == 403 and "Only operators and admins may operate devices." in denied.content.decode()
    client.force_login(operator)
    missing = client.post(url, {"to_state": "open", "reason": "", "confirm": "true"}, headers=headers)
    assert status(missing) == 400 and "Reason: This field is required." in missing.content.decode()

    # Stale: between preview and confirm, someone opens the device feeding the fuse.
    previewed = _hidden(
        client.post(url, {"to_state": "open", "reason": "x"}, headers=headers).content.decode(), "previewed_lost"
    )
    assert int(previewed) > 0
    topology = network_cache.current_topology()
    live = network_cache.current_energization()
    fuse_segment = int(topology.arrays.device_segment[topology.device_index[fuse.pk]])
    upstream = topology.devices_on(live.upstream_segments(live.downstream_node(fuse_segment)))
    feeding = next(d for d in upstream if d != topology.device_index[fuse.pk])
    other = device_operate(device_id=int(topology.arrays.device_ids[feeding]), to_state="open", reason="y", by=operator)
    confirm = {
        "to_state": "open",
        "reason": "x",
        "confirm": "true",
        "previewed_lost": previewed,
        "previewed_gained": "0",
    }
    stale = client.post(url, confirm, headers=headers)
    html = stale.content.decode()
    assert status(stale) == 409 and "The network changed since the preview" in html
    assert "<strong>0</strong> customers will lose supply" in html  # the fresh preview, to confirm again
    fuse.refresh_from_db()
    assert fuse.current_state == "closed" and not SwitchingOperation.objects.filter(device=fuse).exists()
    device_operate(device_id=other.device_id, to_state="closed", reason="y", by=operator)

    # A parallel of two feeders needs the explicit permission; the preview stays to confirm with it.
    tie = Device.objects.filter(tie_feeder__isnull=False).order_by("pk").first()
    tie_url = f"/devices/{tie.code}/switch/"
    html = client.post(tie_url, {"to_state": "closed", "reason": "transfer"}, headers=headers).content.decode()
    assert "Closing parallels" in html and f"Confirm: Close {tie.code}" in html
    confirm = {
        "to_state": "closed",
        "reason": "transfer",
        "confirm": "true",
        "previewed_lost": "0",
        "previewed_gained": "0",
    }
    refused = client.post(tie_url, confirm, headers=headers)
    html = refused.content.decode()
    assert status(refused) == 400 and f"Closing {tie.code} would parallel" in html and "Confirm: Close" in html
    tie.refresh_from_db()
    assert tie.current_state == "open" and not SwitchingOperation.objects.filter(device=tie).exists()
    allowed = client.post(tie_url, {**confirm, "allow_parallel": "on"}, headers=headers, follow=not headers)
    assert f"{tie.code} closed: no customer lost or regained supply" in allowed.content.decode()

    # The state moved meanwhile: the fuse is already open.
    device_operate(device_id=fuse.pk, to_state="open", reason="z", by=operator)
    again = client.post(url, {**confirm, "to_state": "open", "previewed_lost": previewed}, headers=headers)
    assert status(again) == 400 and f"{fuse.code} is already open." in again.content.decode()
    assert SwitchingOperation.objects.filter(device=fuse).count() == 1


def test_switching_page_shows_an_operation_of_this_device_only(
    client: Client, operator: User, small_network: Network
) -> None:
    fuse, other = Device.objects.filter(kind="fuse").order_by("pk")[5:7]
    operation = device_operate(device_id=other.pk, to_state="open", reason="x", by=operator)
    client.force_login(operator)
    html = client.get(f"/devices/{fuse.code}/switch/?operation={operation.pk}").content.decode()
    assert 'id="switch-result"' not in html
    html = client.get(f"/devices/{other.code}/switch/?operation={operation.pk}").content.decode()
    assert (
        f"{other.code} opened: " in html and client.get(f"/devices/{fuse.code}/switch/?operation=x").status_code == 200
    )
