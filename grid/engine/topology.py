"""Network tracing and energization: pure, array-based, fast on the 66K-segment network.

The network is an undirected graph: nodes are poles and buses, edges are primary segments. A
segment conducts unless a device on it is open; a node with an open device on it conducts
nothing. Energization is a breadth-first search from every substation bus over conducting
segments, one numpy step per level (a feeder is ~50 levels deep), which yields for each node
the segment it is fed through and the feeder head it hangs off. Upstream traces follow those
parents; downstream traces walk the resulting tree (or, for a dead area, the island of
conducting segments behind the device; an open tie between two live feeders has nothing below it).

Nothing here touches the database: `grid/network_cache.py` loads the arrays and caches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grid.constants import CUSTOMER_CLASSES, PROTECTIVE_KINDS, TRANSFORMER_AREA, area_key
from grid.engine.arrays import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class NetworkArrays:
    """The static network as index arrays (positions, not database ids)."""

    node_ids: IntArray  # int64, sorted
    is_source: BoolArray  # bool per node: substation bus
    segment_ids: IntArray  # int64, sorted
    segment_from: IntArray  # node index per segment
    segment_to: IntArray  # node index per segment
    segment_feeder: IntArray  # feeder id per segment (owner)
    device_ids: IntArray  # int64
    device_codes: list[str]
    device_kinds: list[str]
    device_segment: IntArray  # segment index or -1
    device_node: IntArray  # node index or -1
    device_normally_open: BoolArray  # bool
    node_customers: IntArray  # (nodes, 3) customers by class hanging on each node
    node_meters: IntArray  # meters per node
    node_transformers: IntArray  # transformers per node
    transformer_ids: IntArray  # int64
    transformer_node: IntArray  # node index per transformer
    transformer_customers: IntArray  # customers per transformer

    @property
    def node_count(self) -> int:
        return len(self.node_ids)

    @property
    def segment_count(self) -> int:
        return len(self.segment_ids)

    def node_index(self, node_id: int) -> int:
        index = int(np.searchsorted(self.node_ids, node_id))
        if index >= len(self.node_ids) or self.node_ids[index] != node_id:
            raise KeyError(f"unknown node {node_id}")
        return index

    def segment_index(self, segment_id: int) -> int:
        index = int(np.searchsorted(self.segment_ids, segment_id))
        if index >= len(self.segment_ids) or self.segment_ids[index] != segment_id:
            raise KeyError(f"unknown segment {segment_id}")
        return index


def _expand(indptr: IntArray, frontier: IntArray) -> IntArray:
    """Positions in a CSR array of every entry of the rows in `frontier`."""
    starts = indptr[frontier]
    counts = indptr[frontier + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return np.arange(total, dtype=np.int64) + offsets


@dataclass
class Downstream:
    """What a device or segment feeds: segments, nodes, and customers by class."""

    segments: IntArray
    nodes: IntArray
    customers: dict[str, int]
    meters: int
    transformers: int

    @property
    def customer_total(self) -> int:
        return sum(self.customers.values())


@dataclass
class Energization:
    """The result of one energization pass for a given set of open devices."""

    topology: Topology
    segment_open: BoolArray  # bool per segment: an open device on it
    node_blocked: BoolArray  # bool per node: an open device on it
    energized: BoolArray  # bool per node
    parent_segment: IntArray  # segment index each node is fed through, -1 for buses and dead nodes
    head_segment: IntArray  # feeder head segment each node hangs off, -1 for buses and dead nodes
    levels: list[IntArray] = field(default_factory=list, repr=False)  # nodes reached at each BFS step
    _children: tuple[IntArray, IntArray] | None = field(default=None, repr=False)

    @property
    def segment_energized(self) -> BoolArray:
        """A segment is live when it conducts and both its ends are energized."""
        arrays = self.topology.arrays
        return ~self.segment_open & self.energized[arrays.segment_from] & self.energized[arrays.segment_to]

    def upstream_segments(self, node: int) -> list[int]:
        """Segments from `node` up to its substation bus, nearest first (empty when dead)."""
        arrays = self.topology.arrays
        path: list[int] = []
        while (segment := int(self.parent_segment[node])) >= 0:
            path.append(segment)
            a, b = int(arrays.segment_from[segment]), int(arrays.segment_to[segment])
            node = a if b == node else b
        return path

    def protective_upstream(self, node: int) -> list[int]:
        """Indexes of the protective devices from `node` up to its bus, nearest first (empty when dead)."""
        kinds = self.topology.arrays.device_kinds
        return [d for d in self.topology.devices_on(self.upstream_segments(node)) if kinds[d] in PROTECTIVE_KINDS]

    def downstream_node(self, segment: int) -> int:
        """The end of `segment` away from the source (by the live tree, else by its drawn direction)."""
        arrays = self.topology.arrays
        a, b = int(arrays.segment_from[segment]), int(arrays.segment_to[segment])
        if self.parent_segment[b] == segment:
            return b
        if self.parent_segment[a] == segment:
            return a
        if self.energized[a] and not self.energized[b]:
            return b
        if self.energized[b] and not self.energized[a]:
            return a
        return b

    def _children_csr(self) -> tuple[IntArray, IntArray]:
        if self._children is None:
            arrays = self.topology.arrays
            fed = np.flatnonzero(self.parent_segment >= 0)
            segments = self.parent_segment[fed]
            other = np.where(
                arrays.segment_to[segments] == fed, arrays.segment_from[segments], arrays.segment_to[segments]
            )
            order = np.argsort(other, kind="stable")
            indptr = np.zeros(arrays.node_count + 1, dtype=np.int64)
            np.add.at(indptr, other + 1, 1)
            self._children = (np.cumsum(indptr), fed[order])
        return self._children

    def subtree_nodes(self, node: int) -> IntArray:
        """`node` and every node fed through it in the live tree."""
        indptr, children = self._children_csr()
        found = [np.array([node], dtype=np.int64)]
        frontier = found[0]
        while frontier.size:
            frontier = children[_expand(indptr, frontier)]
            found.append(frontier)
        return np.concatenate(found)

    def island_nodes(self, node: int, *, behind: int) -> IntArray:
        """Dead nodes reachable from `node` over conducting segments other than `behind`.

        Empty when `node` itself is live: a live node is no part of a dead island.
        """
        topo = self.topology
        if self.energized[node]:
            return np.empty(0, dtype=np.int64)
        seen = np.zeros(topo.arrays.node_count, dtype=bool)
        seen[node] = True
        frontier = np.array([node], dtype=np.int64)
        while frontier.size:
            positions = _expand(topo.indptr, frontier)
            candidates = topo.neighbour[positions]
            ok = ~self.segment_open[topo.edge[positions]] & ~seen[candidates] & ~self.energized[candidates]
            ok &= ~self.node_blocked[candidates] & (topo.edge[positions] != behind)
            frontier = np.unique(candidates[ok])
            seen[frontier] = True
        return np.flatnonzero(seen)

    def downstream(self, segment: int) -> Downstream:
        """Everything `segment` (or a device on it) feeds: its live subtree, or the dead island behind it.

        Nothing when the segment feeds no tree and has no dead side: an open tie between two live
        feeders (each side is fed from its own source), or a closed segment that closes a loop.
        """
        node = self.downstream_node(segment)
        if self.parent_segment[node] == segment:
            return self.topology.summarise(self.subtree_nodes(node), exclude_segment=segment)
        island = self.island_nodes(node, behind=segment)
        if not island.size:
            return self.topology.summarise(island)
        return self.topology.summarise(island, exclude_segment=segment)

    def through_load(self, node_load: IntArray | FloatArray) -> FloatArray:
        """Per segment, the load of everything fed through it (sum over its live subtree; 0 when dead)."""
        arrays = self.topology.arrays
        subtree = node_load.astype(float).copy()
        through = np.zeros(arrays.segment_count, dtype=float)
        for level in reversed(self.levels):
            segments = self.parent_segment[level]
            parents = np.where(
                arrays.segment_to[segments] == level, arrays.segment_from[segments], arrays.segment_to[segments]
            )
            through[segments] = subtree[level]
            np.add.at(subtree, parents, subtree[level])
        return through

    def node_feeder(self, node: int) -> int | None:
        """Id of the feeder currently supplying `node` (its head segment's feeder), None when dead."""
        head = int(self.head_segment[node])
        return None if head < 0 else int(self.topology.arrays.segment_feeder[head])


class Topology:
    """Adjacency of a static network; energizes it for any set of open devices."""

    def __init__(self, arrays: NetworkArrays) -> None:
        self.arrays = arrays
        n = arrays.node_count
        ends = np.concatenate([arrays.segment_from, arrays.segment_to])
        others = np.concatenate([arrays.segment_to, arrays.segment_from])
        edges = np.concatenate([np.arange(arrays.segment_count)] * 2)
        order = np.argsort(ends, kind="stable")
        counts = np.bincount(ends, minlength=n)
        self.indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        self.neighbour = others[order].astype(np.int64)
        self.edge = edges[order].astype(np.int64)
        self.sources = np.flatnonzero(arrays.is_source)
        self.device_index = {int(device_id): i for i, device_id in enumerate(arrays.device_ids)}

    def masks(self, open_devices: BoolArray) -> tuple[BoolArray, BoolArray]:
        """Per-segment and per-node "open device here" masks from a bool-per-device array."""
        arrays = self.arrays
        segment_open = np.zeros(arrays.segment_count, dtype=bool)
        node_blocked = np.zeros(arrays.node_count, dtype=bool)
        on_segment = open_devices & (arrays.device_segment >= 0)
        on_node = open_devices & (arrays.device_node >= 0)
        segment_open[arrays.device_segment[on_segment]] = True
        node_blocked[arrays.device_node[on_node]] = True
        return segment_open, node_blocked

    def energize(self, open_devices: BoolArray) -> Energization:
        """Energize from every substation bus through conducting segments and unblocked nodes."""
        n = self.arrays.node_count
        segment_open, node_blocked = self.masks(open_devices)
        energized = np.zeros(n, dtype=bool)
        parent = np.full(n, -1, dtype=np.int64)
        head = np.full(n, -1, dtype=np.int64)
        frontier = self.sources[~node_blocked[self.sources]]
        energized[frontier] = True
        levels: list[IntArray] = []
        while frontier.size:
            positions = _expand(self.indptr, frontier)
            from_nodes = np.repeat(frontier, self.indptr[frontier + 1] - self.indptr[frontier])
            candidates = self.neighbour[positions]
            edges = self.edge[positions]
            ok = ~segment_open[edges] & ~energized[candidates] & ~node_blocked[candidates]
            candidates, edges, from_nodes = candidates[ok], edges[ok], from_nodes[ok]
            # A node reached twice in one level sits on a loop; it is fed through the first path.
            frontier, first = np.unique(candidates, return_index=True)
            energized[frontier] = True
            parent[frontier] = edges[first]
            from_first = from_nodes[first]
            head[frontier] = np.where(self.arrays.is_source[from_first], edges[first], head[from_first])
            if frontier.size:
                levels.append(frontier)
        return Energization(self, segment_open, node_blocked, energized, parent, head, levels)

    def summarise(self, nodes: IntArray, *, exclude_segment: int | None = None) -> Downstream:
        """Customers, meters, transformers and segments of a set of nodes."""
        arrays = self.arrays
        inside = np.zeros(arrays.node_count, dtype=bool)
        inside[nodes] = True
        segments = np.flatnonzero(inside[arrays.segment_from] & inside[arrays.segment_to])
        if exclude_segment is not None:
            segments = np.union1d(segments, [exclude_segment])
        totals = arrays.node_customers[nodes].sum(axis=0)
        return Downstream(
            segments=segments,
            nodes=nodes,
            customers={name: int(total) for name, total in zip(CUSTOMER_CLASSES, totals, strict=True)},
            meters=int(arrays.node_meters[nodes].sum()),
            transformers=int(arrays.node_transformers[nodes].sum()),
        )

    def areas(self, nodes: IntArray) -> dict[str, int]:
        """Customers per transformer area key hanging on the given nodes."""
        arrays = self.arrays
        inside = np.zeros(arrays.node_count, dtype=bool)
        inside[nodes] = True
        hit = inside[arrays.transformer_node] & (arrays.transformer_customers > 0)
        return {
            area_key(TRANSFORMER_AREA, tid): int(customers)
            for tid, customers in zip(arrays.transformer_ids[hit], arrays.transformer_customers[hit], strict=True)
        }

    def devices_on(self, segments: list[int]) -> list[int]:
        """Device indexes on the given segments, in the order of `segments`."""
        by_segment: dict[int, list[int]] = {}
        for index in np.flatnonzero(np.isin(self.arrays.device_segment, segments)):
            by_segment.setdefault(int(self.arrays.device_segment[index]), []).append(int(index))
        return [device for segment in segments for device in by_segment.get(segment, [])]
