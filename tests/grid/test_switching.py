"""Switching: the service, its log, refusals, switching outages and tie transfers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from grid import network_cache
from grid.engine.synthetic import Network
from grid.models import Device, Outage, SwitchingOperation
from grid.services.errors import ServiceError
from grid.services.switching import device_operate, switching_preview

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
