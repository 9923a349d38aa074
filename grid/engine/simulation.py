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


@dataclass(frozen=True)
class FaultTrial:
    """One simulated fault: at a roll-up device (index) or a transformer (node), the meters it darkened
    and the last gasps that arrive (meter -> node)."""

    device: int | None
    node: int | None
    dark: frozenset[int]
    reports: dict[int, int]


def fault_trials(
    live: Energization,
    meters_by_node: Mapping[int, list[int]],
    *,
    faults: int,
    at: datetime,
    rng: random.Random,
    loss: float = 0.2,
    delay_max: float = 120.0,
    transformers: float = 0.0,
) -> Iterator[FaultTrial]:
    """Single faults at random roll-up devices, or (a `transformers` share of them) at transformers.

    `meters_by_node` maps node indices to their meters; `loss` and `delay_max` as in `simulate_messages`.
    """
    arrays = live.topology.arrays
    meter_node = {meter: node for node, meters in meters_by_node.items() for meter in meters}
    candidates = [i for i, kind in enumerate(arrays.device_kinds) if kind in ROLL_UP_KINDS]
    transformer_nodes = sorted(node for node, meters in meters_by_node.items() if meters)
    for _ in range(faults):
        device: int | None = None
        node: int | None = None
        if transformers and rng.random() < transformers:
            node = rng.choice(transformer_nodes)
            meters = list(meters_by_node[node])
        else:
            device = rng.choice(candidates)
            below = live.downstream(int(arrays.device_segment[device]))
            meters = [m for n in below.nodes.tolist() for m in meters_by_node.get(n, [])]
        messages = simulate_messages(meters=meters, kind="power_off", at=at, loss=loss, delay_max=delay_max, rng=rng)
        yield FaultTrial(device, node, frozenset(meters), {m.meter: meter_node[m.meter] for m in messages})


def locates(predictions: Iterable[Prediction], trial: FaultTrial) -> bool:
    """The largest predicted outage is at the faulted device, or at the faulted transformer."""
    best = max(predictions, key=lambda p: len(p.meters), default=None)
    if best is None:
        return False
    if trial.device is not None:
        return best.level == "device" and best.device == trial.device
    return best.level == "transformer" and best.node == trial.node


@dataclass(frozen=True)
class TrialScore:
    """How a trial's predictions compare with the fault: located exactly, the same customers, extra outages."""

    strict: bool
    same_customers: bool
    false_outages: int


def score(
    live: Energization, meters_by_node: Mapping[int, list[int]], predictions: list[Prediction], trial: FaultTrial
) -> TrialScore:
    """Strict: the largest prediction is at the fault. Same customers: the predictions together cover
    exactly the meters the fault darkened. False outages: predictions beyond one."""
    arrays = live.topology.arrays
    covered: set[int] = set()
    for prediction in predictions:
        if prediction.level == "device" and prediction.device is not None:
            below = live.downstream(int(arrays.device_segment[prediction.device]))
            covered.update(m for n in below.nodes.tolist() for m in meters_by_node.get(n, []))
        elif prediction.level == "transformer" and prediction.node is not None:
            covered.update(meters_by_node.get(prediction.node, []))
        else:
            covered.update(prediction.meters)
    return TrialScore(
        strict=locates(predictions, trial),
        same_customers=covered == set(trial.dark),
        false_outages=max(0, len(predictions) - 1),
    )
