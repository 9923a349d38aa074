"""Operating devices: preview, execute with a log entry, and keep switching outages in step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fluxops.roles import OPERATOR, has_role
from grid import network_cache
from grid.engine.topology import Downstream, Energization
from grid.models import Device, Feeder, Outage, OutageEvent, SwitchingOperation
from grid.selectors.outages import customers_restored_total, outage_location_node
from grid.services.errors import ServiceError
from grid.services.network import device_states_changed
from grid.services.outages import meter_events_resolve, outage_add_step, outage_bump


@dataclass
class SwitchingPreview:
    """What operating a device would do, computed before anything changes."""

    device: Device
    to_state: str
    lost: Downstream
    gained: Downstream
    parallels: list[str]

    @property
    def refused_without_parallel(self) -> bool:
        return bool(self.parallels)


class StalePreview(ServiceError):
    """The operation would no longer do what its confirmed preview showed; nothing was changed."""

    def __init__(self, message: str, *, preview: SwitchingPreview) -> None:
        super().__init__(message)
        self.preview = preview


def _validate(device: Device, to_state: str) -> None:
    if to_state not in Device.State.values:
        raise ServiceError(f"Unknown state {to_state!r}: choose open or closed.")
    if device.current_state == to_state:
        raise ServiceError(f"{device.code} is already {to_state}.")


def switching_preview(*, device: Device, to_state: str) -> SwitchingPreview:
    """Customers that would lose and regain supply, and feeders a close would parallel."""
    _validate(device, to_state)
    before = network_cache.current_energization()
    topology = before.topology
    index = topology.device_index[device.pk]
    states = network_cache.open_device_mask(topology)
    states[index] = to_state == Device.State.OPEN
    after = topology.energize(states)
    parallels: list[str] = []
    if to_state == Device.State.CLOSED:
        parallels = _parallel_feeders(before, device)
    return SwitchingPreview(
        device=device,
        to_state=to_state,
        lost=topology.summarise(np.flatnonzero(before.energized & ~after.energized)),
        gained=topology.summarise(np.flatnonzero(after.energized & ~before.energized)),
        parallels=parallels,
    )


def _parallel_feeders(before: Energization, device: Device) -> list[str]:
    """Feeder codes on both sides when closing `device` would join two live parts (a loop)."""
    arrays = before.topology.arrays
    index = before.topology.device_index[device.pk]
    segment = int(arrays.device_segment[index])
    if segment < 0:
        return []
    a, b = int(arrays.segment_from[segment]), int(arrays.segment_to[segment])
    if not (before.energized[a] and before.energized[b]):
        return []
    feeder_ids = [before.node_feeder(a), before.node_feeder(b)]
    codes = dict(Feeder.objects.filter(pk__in=[f for f in feeder_ids if f]).values_list("pk", "code"))
    return ["?" if f is None else codes.get(f, "?") for f in feeder_ids]


@transaction.atomic
def device_operate(
    *,
    device_id: int,
    to_state: str,
    reason: str,
    by: User,
    allow_parallel: bool = False,
    at: datetime | None = None,
    previewed: tuple[int, int] | None = None,
) -> SwitchingOperation:
    """Open or close a device: re-energize, log the operation, create/extend or restore switching outages.

    `previewed` is (customers lost, customers regained) as the confirmed preview showed them: when the
    network changed since and the operation would now do something else, it raises `StalePreview`.
    """
    if not has_role(by, OPERATOR):
        raise PermissionDenied("Only operators and admins may operate devices.")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("A reason is required to operate a device.")
    device = Device.objects.select_for_update().select_related("feeder").filter(pk=device_id).first()
    if device is None:
        raise ServiceError(f"Unknown device {device_id}.")
    at = at or timezone.now()
    preview = switching_preview(device=device, to_state=to_state)
    now = (preview.lost.customer_total, preview.gained.customer_total)
    if previewed is not None and tuple(previewed) != now:
        raise StalePreview(
            f"The network changed since the preview: this operation would now de-energize {now[0]:,} customers "
            f"and restore {now[1]:,} (the preview showed {previewed[0]:,} and {previewed[1]:,}). "
            "Nothing was done; check the new preview and confirm again.",
            preview=preview,
        )
    if preview.parallels and not allow_parallel:
        raise ServiceError(
            f"Closing {device.code} would parallel {' and '.join(preview.parallels)}; "
            "open a sectionalizing device first or explicitly allow a parallel."
        )
    from_state = device.current_state
    Device.objects.filter(pk=device.pk).update(current_state=to_state)
    device_states_changed()
    outage = None
    if preview.lost.customer_total:
        outage = _switching_outage_extend(device=device, lost=preview.lost, at=at, by=by, reason=reason)
    if preview.gained.customer_total:
        outage = _outages_restore_area(gained=preview.gained, at=at, by=by, note=f"{device.code} closed: {reason}")
    return SwitchingOperation.objects.create(
        device=device,
        at=at,
        by=by,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        customers_deenergized=preview.lost.customer_total,
        customers_reenergized=preview.gained.customer_total,
        outage=outage,
    )


def _switching_outage_extend(*, device: Device, lost: Downstream, at: datetime, by: User, reason: str) -> Outage:
    """Add de-energized customers to the feeder's active switching outage, or start one."""
    outage = (
        Outage.objects.select_for_update()
        .filter(feeder=device.feeder, source=Outage.Source.SWITCHING, state__in=Outage.ACTIVE_STATES)
        .first()
    )
    if outage is None:
        outage = Outage.objects.create(
            state=Outage.State.VERIFIED,
            source=Outage.Source.SWITCHING,
            cause=Outage.Cause.PLANNED,
            feeder=device.feeder,
            device=device,
            started_at=at,
            customers_affected=lost.customer_total,
            customers_by_class=lost.customers,
            meters_affected=lost.meters,
            areas=network_cache.current_topology().areas(lost.nodes),
        )
        OutageEvent.objects.create(
            outage=outage,
            at=at,
            by=by,
            action=OutageEvent.Action.CREATED,
            to_state=outage.state,
            note=f"{device.code} opened: {reason}",
        )
        return outage
    outage_bump(
        outage=outage,
        customers_affected=outage.customers_affected + lost.customer_total,
        meters_affected=outage.meters_affected + lost.meters,
        customers_by_class={
            name: outage.customers_by_class.get(name, 0) + count for name, count in lost.customers.items()
        },
        areas={**outage.areas, **network_cache.current_topology().areas(lost.nodes)},
    )
    OutageEvent.objects.create(
        outage=outage,
        at=at,
        by=by,
        action=OutageEvent.Action.EXTENDED,
        note=f"{device.code} opened: {reason} (+{lost.customer_total} customers)",
    )
    return outage


def _outages_restore_area(*, gained: Downstream, at: datetime, by: User, note: str) -> Outage | None:
    """Record a restoration step on active outages located inside the re-energized area."""
    live = network_cache.current_energization()
    inside = np.zeros(live.topology.arrays.node_count, dtype=bool)
    inside[gained.nodes] = True
    restored = None
    remaining_gain = gained.customer_total
    active = Outage.objects.active().select_for_update().order_by("started_at")
    for outage in active:
        node = outage_location_node(outage, live)
        if node is None or not inside[node] or remaining_gain <= 0:
            continue
        customers = min(outage.customers_affected - customers_restored_total(outage), remaining_gain)
        if customers <= 0:
            continue
        outage_add_step(outage=outage, customers=customers, at=at, by=by, note=note)
        remaining_gain -= customers
        restored = outage
    meter_events_resolve(nodes=gained.nodes)
    return restored
