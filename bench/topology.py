"""Topology benchmark on the default network: downstream trace from a feeder head, full
re-energization after one switch operation, and an upstream trace (no database: the arrays come
from the generator's rows, as `grid.network_cache.load_arrays` builds them from the tables)."""

from __future__ import annotations

import statistics
import time

import numpy as np

from grid.engine.synthetic import generate, topology_arrays
from grid.engine.topology import Topology


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"


def run(scale: str = "default", repeats: int = 20) -> dict[str, str]:
    net = generate(scale, 1)
    topology = Topology(topology_arrays(net))
    states = topology.arrays.device_normally_open.copy()
    live = topology.energize(states)
    heads = [feeder.head_breaker_id for feeder in net.feeders]
    head_segments = [int(topology.arrays.device_segment[topology.device_index[h]]) for h in heads[:repeats]]
    down, energize, up = [], [], []
    for segment in head_segments:
        fresh = topology.energize(states)
        started = time.perf_counter()
        fresh.downstream(segment)
        down.append(time.perf_counter() - started)
    recloser = next(i for i, kind in enumerate(topology.arrays.device_kinds) if kind == "recloser")
    for _ in range(repeats):
        states[recloser] = not states[recloser]
        started = time.perf_counter()
        topology.energize(states)
        energize.append(time.perf_counter() - started)
    for node in np.random.default_rng(1).choice(topology.arrays.node_count, repeats, replace=False):
        started = time.perf_counter()
        path = live.upstream_segments(int(node))
        topology.devices_on(path)
        up.append(time.perf_counter() - started)
    return {
        "segments": f"{topology.arrays.segment_count:,}",
        "downstream trace from a feeder head (cold tree)": _ms(down),
        "full re-energization after one switch": _ms(energize),
        "upstream trace with devices": _ms(up),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
