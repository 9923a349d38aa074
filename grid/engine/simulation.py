"""Fault simulation, pure: the AMI messages a fault produces, and fault trials of the roll-up."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from grid.constants import ROLL_UP_KINDS
from grid.engine.prediction import Prediction
from grid.engine.topology import Energization


@dataclass(frozen=True)
class SimulatedMessage:
    """A meter message as the head-end system would deliver it."""

    meter: int
    kind: str
    occurred_at: datetime
    arrives_at: datetime


def simulate_messages(
    *,
    meters: Iterable[int],
    kind: str,
    at: datetime,
    loss: float,
    delay_max: float,
    rng: random.Random,
) -> list[SimulatedMessage]:
    """Messages the given meters would send for an event at `at`, in arrival order.

    A `loss` share is dropped; each message is stamped by the meter within two seconds of the event
    and arrives 30-45 s later (last-gasp detection) plus up to `delay_max` seconds of network delay.
    """
    messages = []
    for meter in sorted(meters):
        if rng.random() < loss:
            continue
        occurred = at + timedelta(seconds=rng.uniform(0.0, 2.0))
        arrives = occurred + timedelta(seconds=rng.uniform(30.0, 45.0) + rng.uniform(0.0, delay_max))
        messages.append(SimulatedMessage(meter, kind, occurred, arrives))
    return sorted(messages, key=lambda message: (message.arrives_at, message.meter))


def fault_trials(
    live: Energization,
    meters_by_node: Mapping[int, list[int]],
    *,
    faults: int,
    at: datetime,
    rng: random.Random,
    loss: float = 0.2,
    delay_max: float = 120.0,
) -> Iterator[tuple[int, dict[int, int]]]:
    """Single faults at random roll-up devices: (device index, meter -> node of the last gasps that arrive).

    `meters_by_node` maps node indices to their meters; `loss` and `delay_max` as in `simulate_messages`.
    """
    arrays = live.topology.arrays
    meter_node = {meter: node for node, meters in meters_by_node.items() for meter in meters}
    candidates = [i for i, kind in enumerate(arrays.device_kinds) if kind in ROLL_UP_KINDS]
    for _ in range(faults):
        device = rng.choice(candidates)
        below = live.downstream(int(arrays.device_segment[device]))
        meters = [m for node in below.nodes.tolist() for m in meters_by_node.get(node, [])]
        messages = simulate_messages(meters=meters, kind="power_off", at=at, loss=loss, delay_max=delay_max, rng=rng)
        yield device, {m.meter: meter_node[m.meter] for m in messages}


def locates(predictions: Iterable[Prediction], device: int) -> bool:
    """The largest predicted outage is on `device` (a fault trial located)."""
    best = max(predictions, key=lambda p: len(p.meters), default=None)
    return best is not None and best.level == "device" and best.device == device
