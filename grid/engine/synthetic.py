"""Deterministic generator of a synthetic distribution network around Houston.

Pure: it returns rows, it never touches the database (`services.network_seed` writes them).

Layout, chosen to look like a real overhead network rather than a picture:
- The area (29.5-30.1 N, -95.8 to -95.0 E) is cut into a grid of cells, one substation per cell,
  placed near the cell centre with some jitter.
- Each substation has four feeders: the cell is split into a left and a right strip, and each strip
  into the half above and the half below the substation. A feeder leaves the substation bus through
  its head breaker, runs along a street to the middle of its strip (an express run), then runs as a
  three-phase trunk along the strip away from the substation.
- Laterals branch off the trunk at every street crossing (left and right, single-phase or, near the
  head, three-phase), each protected by a fuse; short fused sub-laterals branch off some laterals.
- Reclosers sit mid-trunk, sectionalizing switches along the trunk.
- Distribution transformers hang on lateral poles every two to four spans (residential, 3-10
  meters each) and on some trunk poles (commercial, occasionally industrial).
- Normally-open tie switches join neighbouring feeders: facing lateral ends across strip and cell
  borders, and trunk ends across cell rows. With the ties open the network is radial.

Same seed and scale -> the same rows, ids and checksum.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from grid.constants import CONDUCTORS, CUSTOMER_CLASSES
from grid.engine.rows import (
    TABLES,
    DeviceRow,
    FeederRow,
    NodeRow,
    SegmentRow,
    ServicePointRow,
    SubstationRow,
    TransformerRow,
)
from grid.engine.topology import NetworkArrays

# Area served, with a margin inside the bounding box.
LON_MIN, LON_MAX = -95.79, -95.01
LAT_MIN, LAT_MAX = 29.51, 30.09
LAT0 = (LAT_MIN + LAT_MAX) / 2
M_PER_DEG_LAT = 110_540.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))

MIN_SPAN_M = 30.0
MAX_SPAN_M = 400.0
LATERAL_END_GAP_M = 30.0  # lateral ends stop this far from a strip border
HEAD_OFFSET_M = 40.0  # head spans leave the bus diagonally, this far in x and y
TRUNK_END_GAP_M = 60.0  # trunk ends stop this far from the cell's far border
MAX_TIE_M = 400.0

SUBSTATION_NAMES = (
    "Addicks", "Aldine", "Alief", "Bammel", "Bellaire", "Braeswood", "Brookhollow", "Cloverleaf",
    "Cypress", "Denver Harbor", "Eastwood", "Fondren", "Galena Park", "Garden Oaks", "Greenspoint",
    "Gulfton", "Harrisburg", "Heights", "Hiram Clarke", "Humble", "Hunters Creek", "Jacinto City",
    "Jersey Village", "Katy", "Kashmere", "Kingwood", "Lakewood", "Langham Creek", "Magnolia Park",
    "Manchester", "Meyerland", "Midtown", "Mission Bend", "Montrose", "Northline", "Oak Forest",
    "Pasadena", "Pecan Park", "Pinemont", "Piney Point", "Rice Village", "River Oaks", "Sagemont",
    "Settegast", "Sharpstown", "Sherwood", "South Acres", "South Park", "Spring Branch", "Spring Shadows",
    "Sunnyside", "Third Ward", "Timbergrove", "Tomball", "Westbury", "Westchase", "Westheimer",
    "Willowbrook", "Woodland Acres", "Acres Homes", "Almeda", "Bordersville", "Channelview", "Clear Lake",
    "Crosby", "Dairy Ashford", "Eldridge", "Fairbanks", "Foster Place", "Golfcrest", "Highland Heights",
    "Inwood", "Lazybrook", "Memorial", "Park Place", "Richmond", "Satsuma", "Scarsdale", "Sheldon",
    "Stafford", "Sugar Land", "Traders Village", "Uptown", "Wallisville", "Westwood",
)  # fmt: skip


@dataclass(frozen=True)
class Scale:
    """How big a network to generate: cells of the substation grid and street/span spacing."""

    name: str
    cols: int
    rows: int
    street_spacing_m: float  # distance between lateral streets along a trunk
    lateral_span_m: float  # target span length on laterals
    trunk_span_m: float  # target span length on trunks and express runs
    full_lateral_share: float  # share of laterals reaching the strip border
    lateral_share: float  # share of street crossings with a lateral on a given side
    # Sub-area of the full grid of the default layout (small networks sit downtown).
    area: tuple[float, float, float, float] = (LON_MIN, LAT_MIN, LON_MAX, LAT_MAX)


SCALES: dict[str, Scale] = {
    "small": Scale("small", 2, 2, 420.0, 150.0, 200.0, 0.55, 0.75, area=(-95.49, 29.72, -95.29, 29.87)),
    "default": Scale("default", 10, 8, 420.0, 150.0, 200.0, 0.55, 0.75),
    "large": Scale("large", 20, 16, 190.0, 64.0, 100.0, 0.55, 0.75),
}


@dataclass
class Network:
    """Rows of a generated network, ready to be written; ids are 1-based and dense per table."""

    scale: str
    seed: int
    substations: list[SubstationRow] = field(default_factory=list)
    feeders: list[FeederRow] = field(default_factory=list)
    nodes: list[NodeRow] = field(default_factory=list)
    segments: list[SegmentRow] = field(default_factory=list)
    devices: list[DeviceRow] = field(default_factory=list)
    transformers: list[TransformerRow] = field(default_factory=list)
    service_points: list[ServicePointRow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in TABLES}

    def checksum(self) -> str:
        return network_checksum({name: getattr(self, name) for name in TABLES})


def canonical(value: object) -> str:
    """Text form of a row value that is the same whether it came from the generator or a database."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical(item) for item in value) + "]"
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def network_checksum(tables: Mapping[str, Iterable[tuple[object, ...]]]) -> str:
    """SHA-256 over every row of every table, in table order and id order (first 16 hex digits)."""
    digest = hashlib.sha256()
    for name in TABLES:
        digest.update(name.encode())
        for row in tables[name]:
            digest.update("|".join(canonical(value) for value in row).encode())
            digest.update(b"\n")
    return digest.hexdigest()[:16]


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Local metres east/north of (LON_MIN, LAT_MIN) -> rounded lon/lat."""
    return round(LON_MIN + x / M_PER_DEG_LON, 6), round(LAT_MIN + y / M_PER_DEG_LAT, 6)


def split_run(length: float, target: float) -> int:
    """Number of equal spans for a straight run so each span stays within MIN_SPAN_M..MAX_SPAN_M."""
    return max(1, min(int(length // MIN_SPAN_M), math.ceil(length / target)))


@dataclass
class _Point:
    node: int
    x: float
    y: float


class _Builder:
    """Accumulates rows and hands out ids and device/asset codes."""

    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.net = Network(scale=scale.name, seed=seed)
        self.device_numbers: dict[str, int] = {}
        self.lateral_ends: dict[int, list[_Point]] = {}
        self.trunk_ends: dict[int, _Point] = {}

    # -- rows -------------------------------------------------------------------------------
    def node(self, *, x: float, y: float, feeder: int | None, substation: int | None = None) -> _Point:
        node_id = len(self.net.nodes) + 1
        lon, lat = to_lonlat(x, y)
        kind = "bus" if substation is not None else "pole"
        self.net.nodes.append(
            NodeRow(id=node_id, kind=kind, substation_id=substation, feeder_id=feeder, lon=lon, lat=lat)
        )
        return _Point(node_id, x, y)

    def segment(
        self, *, feeder: int, a: _Point, b: _Point, conductor: str, phases: str, via: Iterable[tuple[float, float]] = ()
    ) -> int:
        points = [(a.x, a.y), *via, (b.x, b.y)]
        length = sum(math.dist(p, q) for p, q in pairwise(points))
        geometry = [list(to_lonlat(x, y)) for x, y in points]
        lons = [lon for lon, _ in geometry]
        lats = [lat for _, lat in geometry]
        segment_id = len(self.net.segments) + 1
        self.net.segments.append(
            SegmentRow(
                id=segment_id,
                feeder_id=feeder,
                from_node_id=a.node,
                to_node_id=b.node,
                geometry=geometry,
                length_m=round(length, 1),
                conductor=conductor,
                ampacity_a=CONDUCTORS[conductor].ampacity_a,
                phases=phases,
                min_lon=min(lons),
                min_lat=min(lats),
                max_lon=max(lons),
                max_lat=max(lats),
            )
        )
        return segment_id

    def device(
        self, *, kind: str, feeder: int, segment: int, normal: str = "closed", tie_feeder: int | None = None
    ) -> int:
        prefix = {"breaker": "BK", "recloser": "RC", "fuse": "FU", "sectionalizer": "SC", "switch": "SW"}[kind]
        if tie_feeder is not None:
            prefix = "TIE"
        number = self.device_numbers[prefix] = self.device_numbers.get(prefix, 0) + 1
        device_id = len(self.net.devices) + 1
        code = f"{prefix}-{number:05d}"
        self.net.devices.append(
            DeviceRow(
                id=device_id,
                code=code,
                kind=kind,
                feeder_id=feeder,
                segment_id=segment,
                node_id=None,
                normal_state=normal,
                current_state=normal,
                tie_feeder_id=tie_feeder,
            )
        )
        return device_id

    def transformer(self, *, at: _Point, feeder: int, customer_class: str, phase: str) -> None:
        rng = self.rng
        transformer_id = len(self.net.transformers) + 1
        if customer_class == "residential":
            meters = rng.randint(3, 10)
            kva = 25.0 if meters <= 4 else 37.5 if meters <= 6 else 50.0 if meters <= 8 else 75.0
            points = [(1, (i - (meters - 1) / 2) * 18.0, 25.0 if i % 2 else -25.0) for i in range(meters)]
        elif customer_class == "commercial":
            meters = rng.randint(1, 4)
            kva = rng.choice((150.0, 300.0, 500.0, 750.0))
            points = [(rng.randint(1, 8), (i - (meters - 1) / 2) * 30.0, 40.0) for i in range(meters)]
        else:
            meters = 1
            kva = rng.choice((1000.0, 1500.0, 2500.0))
            points = [(1, 0.0, 60.0)]
        # Undersized units exist on real networks; the analytics issue looks for them.
        if customer_class == "residential" and rng.random() < 0.03:
            kva = 25.0
        self.net.transformers.append(
            TransformerRow(
                id=transformer_id,
                code=f"TX-{transformer_id:06d}",
                node_id=at.node,
                feeder_id=feeder,
                kva=kva,
                phase=phase,
                install_year=rng.randint(1968, 2025),
            )
        )
        for customers, dx, dy in points:
            sp_id = len(self.net.service_points) + 1
            lon, lat = to_lonlat(at.x + dx, at.y + dy)
            self.net.service_points.append(
                ServicePointRow(
                    id=sp_id,
                    meter_id=f"M{sp_id:08d}",
                    transformer_id=transformer_id,
                    customer_class=customer_class,
                    customers=customers,
                    lon=lon,
                    lat=lat,
                )
            )

    # -- structure --------------------------------------------------------------------------
    def run(
        self, *, feeder: int, start: _Point, to: tuple[float, float], target: float, conductor: str, phases: str
    ) -> list[_Point]:
        """A straight run of equal spans from `start` to `to`; returns every node including `start`."""
        length = math.dist((start.x, start.y), to)
        spans = split_run(length, target)
        points = [start]
        for i in range(1, spans + 1):
            t = i / spans
            nxt = self.node(x=start.x + (to[0] - start.x) * t, y=start.y + (to[1] - start.y) * t, feeder=feeder)
            self.segment(feeder=feeder, a=points[-1], b=nxt, conductor=conductor, phases=phases)
            points.append(nxt)
        return points

    def lateral(
        self,
        *,
        feeder: int,
        tap: _Point,
        direction: int,
        reach: float,
        phases: str,
        y_room: float,
        directions: tuple[int, ...],
    ) -> None:
        """A fused lateral from a trunk tap towards a strip border, with transformers and sub-laterals."""
        rng, scale = self.rng, self.scale
        full = rng.random() < scale.full_lateral_share
        length = reach if full else reach * rng.uniform(0.3, 0.95)
        if length < MIN_SPAN_M:
            return
        conductor = "1/0 ACSR" if phases == "ABC" else "#2 ACSR"
        points = self.run(
            feeder=feeder,
            start=tap,
            to=(tap.x + direction * length, tap.y),
            target=scale.lateral_span_m,
            conductor=conductor,
            phases=phases,
        )
        first_segment = len(self.net.segments) - (len(points) - 2)
        self.device(kind="fuse", feeder=feeder, segment=first_segment)
        phase = phases if phases != "ABC" else rng.choice("ABC")
        next_transformer = rng.randint(1, 4)
        for index, point in enumerate(points[1:], start=1):
            if index == next_transformer or index == len(points) - 1:
                self.transformer(at=point, feeder=feeder, customer_class="residential", phase=phase)
                next_transformer = index + rng.randint(2, 4)
            if index < len(points) - 1 and rng.random() < 0.15 and y_room >= 2 * MIN_SPAN_M:
                self.sub_lateral(feeder=feeder, tap=point, phase=phase, y_room=y_room, directions=directions)
        if full:
            self.lateral_ends.setdefault(feeder, []).append(points[-1])

    def sub_lateral(self, *, feeder: int, tap: _Point, phase: str, y_room: float, directions: tuple[int, ...]) -> None:
        """A short fused tap across the street grid, in one of the allowed y `directions`."""
        rng = self.rng
        length = rng.uniform(MIN_SPAN_M * 2, y_room)
        direction = rng.choice(directions)
        points = self.run(
            feeder=feeder,
            start=tap,
            to=(tap.x, tap.y + direction * length),
            target=self.scale.lateral_span_m,
            conductor="#2 ACSR",
            phases=phase,
        )
        self.device(kind="fuse", feeder=feeder, segment=len(self.net.segments) - (len(points) - 2))
        self.transformer(at=points[-1], feeder=feeder, customer_class="residential", phase=phase)

    def feeder(self, *, feeder: int, bus: _Point, strip: tuple[float, float], side: int, far_y: float) -> int:
        """One feeder: head breaker, express run to the strip centre, trunk towards `far_y`, laterals."""
        rng, scale = self.rng, self.scale
        strip_x = (strip[0] + strip[1]) / 2
        toward = 1 if strip_x > bus.x else -1
        head = self.node(x=bus.x + toward * HEAD_OFFSET_M, y=bus.y + side * HEAD_OFFSET_M, feeder=feeder)
        head_segment = self.segment(feeder=feeder, a=bus, b=head, conductor="795 AAC", phases="ABC")
        breaker = self.device(kind="breaker", feeder=feeder, segment=head_segment)
        express = self.run(
            feeder=feeder,
            start=head,
            to=(strip_x, head.y),
            target=scale.trunk_span_m,
            conductor="795 AAC",
            phases="ABC",
        )
        corner = express[-1]
        # Trunk: nodes at every street crossing, with intermediate poles to keep spans short.
        streets = []
        y = corner.y + side * scale.street_spacing_m / 2
        while (far_y - y) * side > scale.street_spacing_m / 4:
            streets.append(y)
            y += side * scale.street_spacing_m
        trunk = [corner]
        trunk_segments: list[int] = []
        for street_y in [*streets, far_y]:
            run = self.run(
                feeder=feeder,
                start=trunk[-1],
                to=(strip_x, street_y),
                target=scale.trunk_span_m,
                conductor="477 ACSR" if len(trunk) > 6 else "795 AAC",
                phases="ABC",
            )
            trunk_segments.extend(range(len(self.net.segments) - len(run) + 2, len(self.net.segments) + 1))
            trunk.extend(run[1:])
        self.trunk_ends[feeder] = trunk[-1]
        # Protective and sectionalizing devices along the trunk.
        count = len(trunk_segments)
        placements = [(0.3, "switch"), (0.45, "recloser"), (0.85, "switch")]
        if rng.random() < 0.5:
            placements.append((0.6, "sectionalizer"))
        if rng.random() < 0.5 and count > 12:
            placements.append((0.72, "recloser"))
        for share, kind in placements:
            self.device(kind=kind, feeder=feeder, segment=trunk_segments[min(count - 1, int(count * share))])
        # Trunk customers: commercial and, rarely, industrial service.
        for point in trunk[1:]:
            draw = rng.random()
            if draw < 0.01:
                self.transformer(at=point, feeder=feeder, customer_class="industrial", phase="ABC")
            elif draw < 0.12:
                self.transformer(at=point, feeder=feeder, customer_class="commercial", phase="ABC")
        # Laterals at each street crossing, both sides.
        street_nodes = {round(p.y, 3): p for p in trunk}
        y_room = scale.street_spacing_m / 2 - MIN_SPAN_M
        phase_cycle = "ABC"
        for index, street_y in enumerate(streets):
            tap = street_nodes[round(street_y, 3)]
            for direction in (-1, 1):
                if rng.random() >= scale.lateral_share:
                    continue
                border = strip[0] if direction < 0 else strip[1]
                reach = abs(border - tap.x) - LATERAL_END_GAP_M
                phases = "ABC" if index < 2 and rng.random() < 0.5 else phase_cycle[(index * 2 + direction) % 3]
                self.lateral(
                    feeder=feeder,
                    tap=tap,
                    direction=direction,
                    reach=reach,
                    phases=phases,
                    y_room=y_room,
                    # On the last street a tap away from the source would leave the cell.
                    directions=(-side,) if index == len(streets) - 1 else (-1, 1),
                )
        return breaker

    def tie(self, a_feeder: int, b_feeder: int, a: _Point, b: _Point, via: list[tuple[float, float]]) -> bool:
        points = [(a.x, a.y), *via, (b.x, b.y)]
        length = sum(math.dist(p, q) for p, q in pairwise(points))
        if not MIN_SPAN_M <= length <= MAX_TIE_M:
            return False
        segment = self.segment(feeder=a_feeder, a=a, b=b, conductor="1/0 ACSR", phases="ABC", via=via)
        self.device(kind="switch", feeder=a_feeder, segment=segment, normal="open", tie_feeder=b_feeder)
        return True

    def lateral_tie(self, a_feeder: int, b_feeder: int, border_x: float) -> None:
        """Tie the closest pair of full-length lateral ends of two feeders meeting at `border_x`."""
        a_ends = [p for p in self.lateral_ends.get(a_feeder, []) if abs(p.x - border_x) < 2 * LATERAL_END_GAP_M]
        b_ends = [p for p in self.lateral_ends.get(b_feeder, []) if abs(p.x - border_x) < 2 * LATERAL_END_GAP_M]
        pairs = sorted(
            ((math.dist((a.x, a.y), (b.x, b.y)), a.node, b.node, a, b) for a in a_ends for b in b_ends),
            key=lambda item: item[:3],
        )
        for _, _, _, a, b in pairs:
            via = [] if abs(a.y - b.y) < 1e-6 else [(border_x, a.y), (border_x, b.y)]
            if self.tie(a_feeder, b_feeder, a, b, via):
                return


def generate(scale: str = "default", seed: int = 1) -> Network:
    """Build the network for `scale` and `seed`; see the module docstring for the layout."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    spec = SCALES[scale]
    b = _Builder(spec, seed)
    rng = b.rng
    x0 = (spec.area[0] - LON_MIN) * M_PER_DEG_LON
    y0 = (spec.area[1] - LAT_MIN) * M_PER_DEG_LAT
    cell_w = (spec.area[2] - spec.area[0]) * M_PER_DEG_LON / spec.cols
    cell_h = (spec.area[3] - spec.area[1]) * M_PER_DEG_LAT / spec.rows
    # feeders[(col, row)] = {("left"|"right", +1|-1): feeder id}
    grid: dict[tuple[int, int], dict[tuple[str, int], int]] = {}
    names = list(SUBSTATION_NAMES)
    for row in range(spec.rows):
        for col in range(spec.cols):
            sub_id = len(b.net.substations) + 1
            left, bottom = x0 + col * cell_w, y0 + row * cell_h
            sx = left + cell_w * (0.5 + rng.uniform(-0.12, 0.12))
            sy = bottom + cell_h * (0.5 + rng.uniform(-0.12, 0.12))
            name = names[(sub_id - 1) % len(names)]
            if sub_id > len(names):
                name = f"{name} {(sub_id - 1) // len(names) + 1}"
            lon, lat = to_lonlat(sx, sy)
            kv = 34.5 if rng.random() < 0.15 else 12.47
            station = SubstationRow(
                id=sub_id,
                code=f"SUB-{sub_id:03d}",
                name=name,
                lon=lon,
                lat=lat,
                capacity_mva=rng.choice((40.0, 60.0, 80.0)),
            )
            b.net.substations.append(station)
            bus = b.node(x=sx, y=sy, feeder=None, substation=sub_id)
            cell: dict[tuple[str, int], int] = {}
            for strip_name, strip in (
                ("left", (left, left + cell_w / 2)),
                ("right", (left + cell_w / 2, left + cell_w)),
            ):
                for side in (1, -1):
                    feeder_id = len(b.net.feeders) + 1
                    code = f"{station.code.removeprefix('SUB-')}-{len(cell) + 1:02d}"
                    b.net.feeders.append(
                        FeederRow(
                            id=feeder_id,
                            code=f"FDR-{code}",
                            substation_id=sub_id,
                            nominal_kv=kv,
                            source_node_id=bus.node,
                            head_breaker_id=None,
                        )
                    )
                    far_y = (bottom + cell_h - TRUNK_END_GAP_M) if side > 0 else (bottom + TRUNK_END_GAP_M)
                    breaker = b.feeder(feeder=feeder_id, bus=bus, strip=strip, side=side, far_y=far_y)
                    b.net.feeders[-1] = b.net.feeders[-1]._replace(head_breaker_id=breaker)
                    cell[(strip_name, side)] = feeder_id
            grid[(col, row)] = cell
    # Ties: within a cell across the strip border, across cell columns, and trunk to trunk across rows.
    for (col, row), cell in grid.items():
        left = x0 + col * cell_w
        for side in (1, -1):
            b.lateral_tie(cell[("left", side)], cell[("right", side)], left + cell_w / 2)
            if (col + 1, row) in grid:
                b.lateral_tie(cell[("right", side)], grid[(col + 1, row)][("left", side)], left + cell_w)
        if (col, row + 1) in grid:
            for strip_name in ("left", "right"):
                a_feeder, b_feeder = cell[(strip_name, 1)], grid[(col, row + 1)][(strip_name, -1)]
                b.tie(a_feeder, b_feeder, b.trunk_ends[a_feeder], b.trunk_ends[b_feeder], [])
    return b.net


def topology_arrays(net: Network) -> NetworkArrays:
    """Topology arrays straight from generated rows (tests and benchmarks without a database)."""
    node_ids = np.array([node.id for node in net.nodes], dtype=np.int64)
    segment_ids = np.array([segment.id for segment in net.segments], dtype=np.int64)
    customers = np.zeros((len(node_ids), 3), dtype=np.int64)
    meters = np.zeros(len(node_ids), dtype=np.int64)
    transformers = np.zeros(len(node_ids), dtype=np.int64)
    transformer_node = {transformer.id: transformer.node_id for transformer in net.transformers}
    for transformer in net.transformers:
        transformers[np.searchsorted(node_ids, transformer.node_id)] += 1
    transformer_customers: dict[int, int] = {}
    for point in net.service_points:
        index = np.searchsorted(node_ids, transformer_node[point.transformer_id])
        customers[index, CUSTOMER_CLASSES.index(point.customer_class)] += point.customers
        meters[index] += 1
        previous = transformer_customers.get(point.transformer_id, 0)
        transformer_customers[point.transformer_id] = previous + point.customers
    return NetworkArrays(
        node_ids=node_ids,
        is_source=np.array([node.kind == "bus" for node in net.nodes]),
        segment_ids=segment_ids,
        segment_from=np.searchsorted(node_ids, [segment.from_node_id for segment in net.segments]),
        segment_to=np.searchsorted(node_ids, [segment.to_node_id for segment in net.segments]),
        segment_feeder=np.array([segment.feeder_id for segment in net.segments], dtype=np.int64),
        device_ids=np.array([device.id for device in net.devices], dtype=np.int64),
        device_codes=[device.code for device in net.devices],
        device_kinds=[device.kind for device in net.devices],
        device_segment=np.searchsorted(
            segment_ids, np.array([device.segment_id for device in net.devices], dtype=np.int64)
        ),
        device_node=np.full(len(net.devices), -1),
        device_normally_open=np.array([device.normal_state == "open" for device in net.devices]),
        node_customers=customers,
        node_meters=meters,
        node_transformers=transformers,
        transformer_ids=np.array([transformer.id for transformer in net.transformers], dtype=np.int64),
        transformer_node=np.searchsorted(node_ids, [transformer.node_id for transformer in net.transformers]),
        transformer_customers=np.array(
            [transformer_customers.get(transformer.id, 0) for transformer in net.transformers]
        ),
    )


def meters_by_node(net: Network) -> dict[int, list[int]]:
    """Service point ids per node index (sorted node ids), for simulations without a database."""
    node_ids = sorted(node.id for node in net.nodes)
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    transformer_node = {transformer.id: transformer.node_id for transformer in net.transformers}
    result: dict[int, list[int]] = {}
    for point in net.service_points:
        result.setdefault(index[transformer_node[point.transformer_id]], []).append(point.id)
    return result
