"""Outage prediction benchmark: accuracy over simulated single faults and the time to roll up 1,000 events.

Faults fall on every roll-up device kind (breakers, reclosers, fuses) and, for a fifth of the trials, on
transformers; 20 % or 40 % of last gasps are lost and the rest arrive up to 120 s late. Each trial is
scored three ways (`grid.engine.simulation.score`): strict (the largest prediction is at the faulted
device or transformer), same customers (the predictions cover exactly the meters the fault darkened),
and false outages (predictions beyond one).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from grid.engine.prediction import roll_up
from grid.engine.simulation import fault_trials, score
from grid.engine.synthetic import generate, meters_by_node, topology_arrays
from grid.engine.topology import Topology

T0 = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)
LOSSES = (0.2, 0.4)
TRANSFORMER_SHARE = 0.2


def accuracy(scale: str, *, faults: int = 200, losses: tuple[float, ...] = LOSSES) -> dict[str, str]:
    """Strict and same-customers accuracy and false outages per trial, per share of lost last gasps."""
    net = generate(scale, 1)
    topology = Topology(topology_arrays(net))
    live = topology.energize(topology.arrays.device_normally_open.copy())
    meters = meters_by_node(net)
    figures = {}
    for loss in losses:
        rng = random.Random(2026)
        strict = same = false = 0
        for trial in fault_trials(
            live, meters, faults=faults, at=T0, rng=rng, loss=loss, transformers=TRANSFORMER_SHARE
        ):
            result = score(live, meters, roll_up(live, trial.reports), trial)
            strict += result.strict
            same += result.same_customers
            false += result.false_outages
        figures[f"{scale}, {loss:.0%} of last gasps lost"] = (
            f"strict {strict / faults:.1%}, same customers {same / faults:.1%}, "
            f"false outages {false / faults:.3f} per trial ({faults} faults)"
        )
    return figures


def run(scale: str = "default", faults: int = 200) -> dict[str, str]:
    figures = {**accuracy("small", faults=faults), **accuracy(scale, faults=faults)}
    net = generate(scale, 1)
    topology = Topology(topology_arrays(net))
    live = topology.energize(topology.arrays.device_normally_open.copy())
    reports: dict[int, int] = {}
    for trial in fault_trials(live, meters_by_node(net), faults=faults, at=T0, rng=random.Random(2026)):
        if len(reports) >= 1000:
            break
        reports.update(trial.reports)
    batch = dict(list(reports.items())[:1000])
    fresh = topology.energize(topology.arrays.device_normally_open.copy())
    started = time.perf_counter()
    predictions = roll_up(fresh, batch)
    elapsed = time.perf_counter() - started
    figures["roll-up of 1,000 events (cold tree)"] = f"{elapsed * 1000:.0f} ms -> {len(predictions)} predicted outages"
    return figures


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
