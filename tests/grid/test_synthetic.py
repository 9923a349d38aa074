"""Properties of the generated network: determinism, geography, electrical validity."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest

from grid.engine.synthetic import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, SCALES, Network, generate


def _find(parent: dict[int, int], node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def test_same_seed_same_network_and_checksum() -> None:
    first, second = generate("small", 3), generate("small", 3)
    assert first.checksum() == second.checksum()
    assert first.segments == second.segments
    assert generate("small", 4).checksum() != first.checksum()


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale 'huge'"):
        generate("huge", 1)


def test_default_scale_has_at_least_66000_segments() -> None:
    network = generate("default", 1)
    counts = network.counts()
    assert counts["segments"] >= 66_000
    assert 40 <= counts["substations"] <= 150
    assert counts["feeders"] == 4 * counts["substations"]


def test_everything_inside_the_houston_box(small_network_rows: Network) -> None:
    points = [(row[4], row[5]) for row in small_network_rows.nodes]
    points += [(row[5], row[6]) for row in small_network_rows.service_points]
    points += [tuple(vertex) for row in small_network_rows.segments for vertex in row[4]]
    for lon, lat in points:
        assert -95.8 <= lon <= -95.0 and 29.5 <= lat <= 30.1
    assert -95.8 <= LON_MIN < LON_MAX <= -95.0 and 29.5 <= LAT_MIN < LAT_MAX <= 30.1


def test_segment_lengths_and_no_duplicates(small_network_rows: Network) -> None:
    pairs = set()
    for row in small_network_rows.segments:
        _, _, a, b, geometry, length = row[:6]
        assert a != b
        assert 30.0 <= length <= 400.0, row
        assert len(geometry) >= 2
        assert frozenset((a, b)) not in pairs
        pairs.add(frozenset((a, b)))


def test_segment_geometry_ends_at_its_nodes(small_network_rows: Network) -> None:
    nodes = {row[0]: (row[4], row[5]) for row in small_network_rows.nodes}
    for row in small_network_rows.segments:
        assert tuple(row[4][0]) == nodes[row[2]]
        assert tuple(row[4][-1]) == nodes[row[3]]


def test_radial_with_ties_open_and_every_meter_reaches_one_substation(small_network_rows: Network) -> None:
    net = small_network_rows
    open_segments = {row[4] for row in net.devices if row[6] == "open"}
    parent = {row[0]: row[0] for row in net.nodes}
    for row in net.segments:
        if row[0] in open_segments:
            continue
        root_a, root_b = _find(parent, row[2]), _find(parent, row[3])
        assert root_a != root_b, f"segment {row[0]} closes a loop with ties open"
        parent[root_a] = root_b
    buses_per_component: dict[int, set[int]] = defaultdict(set)
    for row in net.nodes:
        if row[1] == "bus":
            buses_per_component[_find(parent, row[0])].add(row[2])
    transformer_node = {row[0]: row[2] for row in net.transformers}
    for meter in net.service_points:
        component = _find(parent, transformer_node[meter[2]])
        assert len(buses_per_component[component]) == 1, f"meter {meter[1]} is not fed by exactly one substation"


def test_every_feeder_is_one_tree_from_its_head_breaker(small_network_rows: Network) -> None:
    net = small_network_rows
    open_segments = {row[4] for row in net.devices if row[6] == "open"}
    by_feeder: dict[int, list[tuple]] = defaultdict(list)
    for row in net.segments:
        if row[0] not in open_segments:
            by_feeder[row[1]].append(row)
    devices = {row[0]: row for row in net.devices}
    for feeder in net.feeders:
        segments = by_feeder[feeder[0]]
        head = devices[feeder[5]]
        assert head[2] == "breaker" and head[3] == feeder[0]
        children = defaultdict(list)
        for row in segments:
            children[row[2]].append(row[3])
        seen, stack = set(), [feeder[4]]
        while stack:
            node = stack.pop()
            assert node not in seen
            seen.add(node)
            stack.extend(children[node])
        assert len(seen) == len(segments) + 1


def test_ties_join_two_feeders_and_are_normally_open(small_network_rows: Network) -> None:
    net = small_network_rows
    ties = [row for row in net.devices if row[8] is not None]
    assert ties, "the small network has tie switches"
    node_feeder = {row[0]: row[3] for row in net.nodes}
    segments = {row[0]: row for row in net.segments}
    for tie in ties:
        assert tie[2] == "switch" and tie[6] == "open" and tie[7] == "open"
        assert tie[3] != tie[8]
        segment = segments[tie[4]]
        assert {node_feeder[segment[2]], node_feeder[segment[3]]} == {tie[3], tie[8]}


def test_protection_and_customers_are_realistic(small_network_rows: Network) -> None:
    net = small_network_rows
    kinds = defaultdict(int)
    for row in net.devices:
        kinds[row[2]] += 1
    assert kinds["breaker"] == len(net.feeders)
    assert kinds["recloser"] >= len(net.feeders)
    assert kinds["fuse"] > 10 * len(net.feeders)
    meters = defaultdict(int)
    classes = {}
    for row in net.service_points:
        meters[row[2]] += 1
        classes[row[2]] = row[3]
    residential = [meters[t] for t, c in classes.items() if c == "residential"]
    assert min(residential) >= 3 and max(residential) <= 10
    assert {"residential", "commercial", "industrial"} <= set(classes.values())


def test_feeders_stay_in_their_own_area(small_network_rows: Network) -> None:
    """No spaghetti: a feeder's nodes lie within a few km of its substation."""
    net = small_network_rows
    subs = {row[0]: (row[3], row[4]) for row in net.substations}
    feeder_sub = {row[0]: row[2] for row in net.feeders}
    spec = SCALES["small"]
    cell_km = max(spec.area[2] - spec.area[0], spec.area[3] - spec.area[1]) * 111 / min(spec.cols, spec.rows)
    for row in net.nodes:
        if row[3] is None:
            continue
        lon, lat = subs[feeder_sub[row[3]]]
        km = math.hypot((row[4] - lon) * 96.6, (row[5] - lat) * 110.5)
        assert km <= cell_km, row
