"""Outage prediction benchmark on the default network: accuracy over 200 simulated single faults
(20% of last gasps lost, up to 120 s delay) and the time to roll up 1,000 events."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from grid.prediction import ROLL_UP_KINDS, roll_up, simulate_messages
from grid.synthetic import generate, meters_by_node, topology_arrays
from grid.topology import Topology

T0 = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)


def run(scale: str = "default", faults: int = 200) -> dict[str, str]:
    net = generate(scale, 1)
    topology = Topology(topology_arrays(net))
    live = topology.energize(topology.arrays.device_normally_open.copy())
    by_node = meters_by_node(net)
    meter_node = {meter: node for node, meters in by_node.items() for meter in meters}
    rng = random.Random(2026)
    candidates = [i for i, kind in enumerate(topology.arrays.device_kinds) if kind in ROLL_UP_KINDS]
    hits = 0
    reports: dict[int, int] = {}
    for _ in range(faults):
        device = rng.choice(candidates)
        below = live.downstream(int(topology.arrays.device_segment[device]))
        meters = [m for node in below.nodes.tolist() for m in by_node.get(node, [])]
        messages = simulate_messages(meters=meters, kind="power_off", at=T0, loss=0.2, delay_max=120, rng=rng)
        found = {m.meter: meter_node[m.meter] for m in messages}
        best = max(roll_up(live, found), key=lambda p: len(p.meters), default=None)
        hits += best is not None and best.level == "device" and best.device == device
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
