"""Outage prediction benchmark on the default network: accuracy over 200 simulated single faults
(20% of last gasps lost, up to 120 s delay) and the time to roll up 1,000 events."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from grid.engine.prediction import roll_up
from grid.engine.simulation import fault_trials, locates
from grid.engine.synthetic import generate, meters_by_node, topology_arrays
from grid.engine.topology import Topology

T0 = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)


def run(scale: str = "default", faults: int = 200) -> dict[str, str]:
    net = generate(scale, 1)
    topology = Topology(topology_arrays(net))
    live = topology.energize(topology.arrays.device_normally_open.copy())
    rng = random.Random(2026)
    hits = 0
    reports: dict[int, int] = {}
    for device, found in fault_trials(live, meters_by_node(net), faults=faults, at=T0, rng=rng):
        hits += locates(roll_up(live, found), device)
        if len(reports) < 1000:
            reports.update(found)
    batch = dict(list(reports.items())[:1000])
    fresh = topology.energize(topology.arrays.device_normally_open.copy())
    started = time.perf_counter()
    predictions = roll_up(fresh, batch)
    elapsed = time.perf_counter() - started
    return {
        "accuracy (predicted device == faulted device)": f"{hits}/{faults} = {hits / faults:.1%}",
        "roll-up of 1,000 events (cold tree)": f"{elapsed * 1000:.0f} ms -> {len(predictions)} predicted outages",
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
