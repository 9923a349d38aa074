"""Reads of the append-only switching log, and of what a device feeds now."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from grid import network_cache
from grid.engine.topology import Downstream
from grid.models import (
    Device,
    Outage,
    OutageEvent,
    SwitchingOperation,
)

# What operating a device to each state is called: the verb, and its past tense.
OPERATION_VERBS: dict[str, tuple[str, str]] = {
    Device.State.OPEN: ("Open", "opened"),
    Device.State.CLOSED: ("Close", "closed"),
}
# What an operation did to its outage, by the event it wrote on it (first match wins).
_OUTAGE_EFFECTS: tuple[tuple[str, str], ...] = (
    ("created", "created"),
    ("extended", "extended"),
    ("restore", "restored"),
    ("step", "partly restored"),
)


def switching_log(*, device: Device | None = None) -> QuerySet[SwitchingOperation]:
    """Switching operations, newest first."""
    operations = SwitchingOperation.objects.select_related("device", "by", "outage")
    if device is not None:
        operations = operations.filter(device=device)
    return operations


def _customers(count: int, what: str) -> str:
    return f"{count:,} customer{'' if count == 1 else 's'} {what}"


@dataclass(frozen=True)
class SwitchingResult:
    """A confirmed operation as the switching page reports it: what was done, and the outage it touched."""

    operation: SwitchingOperation
    outage: Outage | None
    outage_effect: str | None  # "created", "extended", "restored" or "partly restored"

    @property
    def message(self) -> str:
        """What was done, in one sentence: "FU-00012 opened: 212 customers de-energized"."""
        operation = self.operation
        moved = [
            _customers(count, what)
            for count, what in (
                (operation.customers_deenergized, "de-energized"),
                (operation.customers_reenergized, "restored"),
            )
            if count
        ]
        done = OPERATION_VERBS[operation.to_state][1]
        return f"{operation.device.code} {done}: {', '.join(moved) or 'no customer lost or regained supply'}"


def switching_result(operation: SwitchingOperation) -> SwitchingResult:
    """What `operation` did, with the outage it created, extended or restored (read from that outage's events)."""
    outage = operation.outage
    effect = None
    if outage is not None:
        actions = set(OutageEvent.objects.filter(outage=outage, at=operation.at).values_list("action", flat=True))
        effect = next((label for action, label in _OUTAGE_EFFECTS if action in actions), None)
    return SwitchingResult(operation=operation, outage=outage, outage_effect=effect)


def device_operation(*, device: Device, operation_id: int) -> SwitchingOperation | None:
    """One logged operation of `device`, or None (another device's, or none such)."""
    return switching_log(device=device).filter(pk=operation_id).first()


@dataclass(frozen=True)
class DeviceSupply:
    """What a device feeds in the current energization, and whether that has supply."""

    downstream: Downstream
    supplied: bool


def device_supply(device: Device) -> DeviceSupply:
    """The live tree a device feeds, or the dead island behind it (nothing for an open tie between live feeders)."""
    live = network_cache.current_energization()
    topology = live.topology
    arrays = topology.arrays
    index = topology.device_index[device.pk]
    segment = int(arrays.device_segment[index])
    if segment >= 0:
        below = live.downstream(segment)
    else:
        node = int(arrays.device_node[index])
        nodes = live.subtree_nodes(node) if live.energized[node] else live.island_nodes(node, behind=-1)
        below = topology.summarise(nodes)
    return DeviceSupply(downstream=below, supplied=bool(live.energized[below.nodes].any()))
