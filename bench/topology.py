"""Topology benchmark on the default network: downstream trace from a feeder head, full
re-energization after one switch operation, and an upstream trace (no database: the arrays are
built from the generator's rows exactly as `grid.network_state.load_arrays` builds them)."""

from __future__ import annotations

import statistics
import time

import numpy as np

from grid.synthetic import Network, generate
from grid.topology import CUSTOMER_CLASSES, NetworkArrays, Topology


def arrays_from_rows(net: Network) -> NetworkArrays:
    node_ids = np.array([row[0] for row in net.nodes], dtype=np.int64)
    segment_ids = np.array([row[0] for row in net.segments], dtype=np.int64)
    customers = np.zeros((len(node_ids), 3), dtype=np.int64)
    meters = np.zeros(len(node_ids), dtype=np.int64)
    transformers = np.zeros(len(node_ids), dtype=np.int64)
    transformer_node = {row[0]: row[2] for row in net.transformers}
    for row in net.transformers:
        transformers[np.searchsorted(node_ids, row[2])] += 1
    for row in net.service_points:
        index = np.searchsorted(node_ids, transformer_node[row[2]])
        customers[index, CUSTOMER_CLASSES.index(row[3])] += row[4]
        meters[index] += 1
    return NetworkArrays(
        node_ids=node_ids,
        is_source=np.array([row[1] == "bus" for row in net.nodes]),
        segment_ids=segment_ids,
        segment_from=np.searchsorted(node_ids, [row[2] for row in net.segments]),
        segment_to=np.searchsorted(node_ids, [row[3] for row in net.segments]),
        segment_feeder=np.array([row[1] for row in net.segments], dtype=np.int64),
        device_ids=np.array([row[0] for row in net.devices], dtype=np.int64),
        device_codes=[row[1] for row in net.devices],
        device_kinds=[row[2] for row in net.devices],
        device_segment=np.searchsorted(segment_ids, [row[4] for row in net.devices]),
        device_node=np.full(len(net.devices), -1),
        device_normally_open=np.array([row[6] == "open" for row in net.devices]),
        node_customers=customers,
        node_meters=meters,
        node_transformers=transformers,
    )


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"


def run(scale: str = "default", repeats: int = 20) -> dict[str, str]:
    net = generate(scale, 1)
    topology = Topology(arrays_from_rows(net))
    states = topology.arrays.device_normally_open.copy()
    live = topology.energize(states)
    heads = [row[5] for row in net.feeders]
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
