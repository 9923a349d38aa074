"""The operations map: pure functions from selector rows to a pydeck spec and compact binary buffers.

Three things travel to the browser, each cached on its own terms:

* the spec (`build_deck`): a small pydeck `Deck` (layers, view, colour tables, tooltip fields)
  embedded in the page with `json_script` and rendered by the vendored deck.gl JSON converter;
* the geometry (`encode_geometry`): one binary body, keyed by the network's structure version,
  sent once and cached by the browser (ETag, long max-age);
* the status (`encode_status`): one byte per segment, device and transformer, refreshed while
  the page is visible; a status change never re-sends geometry.

Geometry body (little-endian): ``b"FXMG"``, uint32 header length H, H bytes of UTF-8 JSON header
(padded with spaces to a multiple of 4), then the sections the header lists as
``name: [byte offset, dtype, item count]``, each 4-byte aligned:

* ``segment_positions`` float32 lon/lat pairs of every vertex, segments in id order;
* ``segment_starts`` uint32, S + 1 vertex offsets (segment i spans starts[i]..starts[i+1]);
* ``segment_id_deltas`` uint32 (first id, then differences: ids are sorted);
* ``segment_feeder`` uint16 index into ``header.feeders``;
* ``segment_kind`` uint8 ``conductor * 4 + phases`` (indexes into ``header.conductors`` / ``phases``);
* ``device_positions`` float32, ``device_kind`` uint8, ``device_feeder`` uint16,
  ``device_flags`` uint8 (bit 0 tie switch, bit 1 normally open);
* ``transformer_positions`` float32, ``transformer_feeder`` uint16;
* ``area_positions`` / ``area_starts``: substation service-area outlines (convex hulls, one per
  entry of ``header.substations``); ``outline_positions`` / ``outline_starts``: feeder outlines.

Status body: ``b"FXST"``, uint32 structure, uint32 state, uint32 flags (bit 0: loading classes
present, bit 1: outage mask applied), uint32 S, uint32 D, uint32 T, 4 bytes padding, then S + D + T
bytes in geometry order (segments, devices, transformers). Value codes per byte:

* bits 0-1, every asset: 0 energized, 1 de-energized, 2 in an active outage (``STATUS_*``);
* bits 2-4, segments: loading class 0 unknown, 1 below 50 %, 2 50-80 %, 3 80-100 %, 4 overloaded;
* bits 2-3, devices: 0 closed as normal, 1 open as normal (normally-open tie or switch),
  2 open abnormally, 3 closed abnormally (a normally-open device closed).
"""

from __future__ import annotations

import gzip
import json
import math
import struct
from dataclasses import dataclass, field

import numpy as np
import pydeck

from grid.topology import Energization

GEOMETRY_MAGIC = b"FXMG"
STATUS_MAGIC = b"FXST"
GEOMETRY_FORMAT = 1
STATUS_HEADER = struct.Struct("<4sIIIIII4x")

STATUS_ENERGIZED = 0
STATUS_DEENERGIZED = 1
STATUS_OUTAGE = 2
SWITCH_CLOSED = 0
SWITCH_OPEN_NORMAL = 1
SWITCH_OPEN_ABNORMAL = 2
SWITCH_CLOSED_ABNORMAL = 3
LOADING_CLASSES = ("unknown", "below 50 %", "50-80 %", "80-100 %", "overloaded")
STATUS_FLAG_LOADING = 1
STATUS_FLAG_OUTAGE = 2

CONDUCTORS = ("795 AAC", "477 ACSR", "4/0 ACSR", "1/0 ACSR", "#2 ACSR")
PHASES = ("ABC", "A", "B", "C")
DEVICE_KINDS = ("breaker", "recloser", "fuse", "sectionalizer", "switch")

Colour = list[int]

# Colour tables (RGBA). The dark control-room background is #0b111b.
BACKGROUND = "#0b111b"
FEEDER_PALETTE: list[Colour] = [
    [78, 179, 255, 255],
    [255, 167, 38, 255],
    [102, 214, 140, 255],
    [236, 112, 200, 255],
    [255, 230, 90, 255],
    [150, 130, 255, 255],
    [64, 224, 208, 255],
    [255, 120, 100, 255],
    [190, 230, 80, 255],
    [120, 170, 255, 255],
    [255, 190, 150, 255],
    [200, 160, 255, 255],
]
ENERGIZATION_COLOURS: dict[str, Colour] = {
    "energized": [53, 197, 138, 255],
    "deenergized": [146, 156, 178, 255],
    "outage": [255, 64, 64, 255],
}
LOADING_COLOURS: list[Colour] = [
    [96, 110, 130, 255],
    [53, 197, 138, 255],
    [255, 214, 70, 255],
    [255, 140, 40, 255],
    [255, 50, 50, 255],
]
DEVICE_COLOURS: dict[str, Colour] = {
    "closed": [220, 228, 240, 255],
    "open_normal": [0, 200, 255, 255],
    "open_abnormal": [255, 40, 200, 255],
    "closed_abnormal": [255, 230, 0, 255],
}
TRANSFORMER_COLOURS: dict[str, Colour] = {
    "energized": [140, 160, 200, 150],
    "deenergized": [146, 156, 178, 90],
    "outage": [255, 64, 64, 220],
}
SUBSTATION_COLOUR: Colour = [255, 255, 255, 255]
AREA_FILL: list[Colour] = [[78, 179, 255, 14], [160, 130, 255, 14], [64, 224, 208, 12], [255, 190, 120, 10]]
AREA_LINE: Colour = [120, 150, 200, 90]
OUTLINE_LINE: Colour = [120, 150, 200, 45]

# pydeck reads bare strings in layer arguments as accessor expressions; String keeps them literal.
PIXELS = pydeck.types.String("pixels")
LAYER_IDS = (
    "service-areas",
    "feeder-outlines",
    "segments",
    "transformers",
    "devices",
    "open-devices",
    "substations",
    "substation-labels",
    "selection",
    "selection-point",
)
# Layers drawn only from this zoom on: at network scale they would be 38K specks costing most of a
# software-rendered frame; open and abnormal devices have their own always-visible layer.
DETAIL_LAYER_MIN_ZOOM: dict[str, float] = {"devices": 12.0, "transformers": 12.5}
TOOLTIP_FIELDS: dict[str, list[str]] = {
    "segments": ["id", "feeder", "substation", "conductor", "phases", "length", "status"],
    "devices": ["code", "kind", "feeder", "substation", "state", "status"],
    "open-devices": ["code", "kind", "feeder", "substation", "state", "status"],
    "transformers": ["code", "kva", "feeder", "substation", "status"],
    "substations": ["code", "name", "feeders"],
}


# -- rows ------------------------------------------------------------------------------------


@dataclass
class MapRows:
    """What the map draws, as plain rows from `grid.selectors.map_rows` (each list in id order)."""

    substations: list[tuple[int, str, str, float, float]]  # id, code, name, lon, lat
    feeders: list[tuple[int, str, int]]  # id, code, substation id
    nodes: list[tuple[int, float, float, int | None, int | None]]  # id, lon, lat, feeder id, substation id
    segments: list[tuple[int, int, list[list[float]], str, str]]  # id, feeder id, geometry, conductor, phases
    # id, code, kind, feeder id, segment id, node id, normal state, tie feeder id
    devices: list[tuple[int, str, str, int, int | None, int | None, str, int | None]]
    transformers: list[tuple[int, str, int, int, float]]  # id, code, feeder id, node id, kVA


@dataclass
class EncodedGeometry:
    """The geometry body for one structure version, plain and gzipped, with what status needs."""

    structure: int
    body: bytes
    gzipped: bytes
    segment_ids: np.ndarray
    device_ids: np.ndarray
    transformer_node_ids: np.ndarray
    bounds: list[float]
    header: dict = field(repr=False)

    @property
    def etag(self) -> str:
        return f'"map-geometry-{GEOMETRY_FORMAT}-{self.structure}"'


# -- geometry ----------------------------------------------------------------------------------


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull of (n, 2) points, counter-clockwise and closed (monotone chain)."""
    pts = np.unique(points, axis=0)
    if len(pts) < 3:
        return np.vstack([pts, pts[:1]]) if len(pts) else pts

    def half(sequence: np.ndarray) -> list[np.ndarray]:
        chain: list[np.ndarray] = []
        for p in sequence:
            while len(chain) >= 2:
                (ax, ay), (bx, by) = chain[-2], chain[-1]
                if (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) > 0:
                    break
                chain.pop()
            chain.append(p)
        return chain

    lower, upper = half(pts), half(pts[::-1])
    hull = np.array(lower[:-1] + upper[:-1])
    return np.vstack([hull, hull[:1]])


def _hulls(group: np.ndarray, lonlat: np.ndarray, keys: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """One closed hull per key over the points whose `group` equals it: (positions, starts)."""
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    rings: list[np.ndarray] = []
    for key in keys:
        lo, hi = np.searchsorted(sorted_group, key), np.searchsorted(sorted_group, key, side="right")
        rings.append(_convex_hull(lonlat[order[lo:hi]]) if hi > lo else np.empty((0, 2)))
    starts = np.concatenate(([0], np.cumsum([len(ring) for ring in rings]))).astype(np.uint32)
    positions = np.vstack(rings).astype(np.float32) if rings else np.empty((0, 2), np.float32)
    return positions.reshape(-1), starts


def feeder_colours(
    feeder_ids: list[int], feeder_substation: list[int], bboxes: np.ndarray, ties: list[tuple[int, int]]
) -> list[int]:
    """Palette index per feeder so that neighbouring feeders differ (greedy graph colouring).

    Feeders are neighbours when they share a substation, are joined by a tie, or their
    bounding boxes (grown by a margin) overlap.
    """
    n = len(feeder_ids)
    position = {feeder_id: i for i, feeder_id in enumerate(feeder_ids)}
    margin = 0.004
    lo, hi = bboxes[:, :2] - margin, bboxes[:, 2:] + margin
    overlap = (lo[:, None, 0] <= hi[None, :, 0]) & (lo[None, :, 0] <= hi[:, None, 0])
    overlap &= (lo[:, None, 1] <= hi[None, :, 1]) & (lo[None, :, 1] <= hi[:, None, 1])
    station = np.array(feeder_substation)
    adjacent = overlap | (station[:, None] == station[None, :])
    for a, b in ties:
        if a in position and b in position:
            adjacent[position[a], position[b]] = adjacent[position[b], position[a]] = True
    np.fill_diagonal(adjacent, False)
    colours = [-1] * n
    counts = [0] * len(FEEDER_PALETTE)
    for i in sorted(range(n), key=lambda i: -int(adjacent[i].sum())):
        taken = {colours[j] for j in np.flatnonzero(adjacent[i]) if colours[j] >= 0}
        free = [c for c in range(len(FEEDER_PALETTE)) if c not in taken] or list(range(len(FEEDER_PALETTE)))
        colours[i] = min(free, key=lambda c: counts[c])
        counts[colours[i]] += 1
    return colours


def _section_table(sections: list[tuple[str, np.ndarray]], header: dict) -> bytes:
    """Header + aligned sections as one body."""
    table: dict[str, list] = {}
    offset = 0
    for name, array in sections:
        table[name] = [offset, array.dtype.name, int(array.size)]
        offset += (array.nbytes + 3) // 4 * 4
    header = {**header, "sections": table}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-(8 + len(raw)) % 4)
    base = 8 + len(raw)
    header["sections"] = {name: [start + base, dtype, count] for name, (start, dtype, count) in table.items()}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-(8 + len(raw)) % 4)
    if 8 + len(raw) != base:  # offsets grew by a digit: shift once more
        base = 8 + len(raw)
        header["sections"] = {name: [start + base, dtype, count] for name, (start, dtype, count) in table.items()}
        raw = json.dumps(header, separators=(",", ":")).encode()
        raw += b" " * (base - 8 - len(raw))
    parts = [GEOMETRY_MAGIC, struct.pack("<I", len(raw)), raw]
    for _, array in sections:
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        parts.append(data + b"\0" * (-len(data) % 4))
    return b"".join(parts)


def encode_geometry(rows: MapRows, *, structure: int) -> EncodedGeometry:
    """Encode every drawn asset as the binary geometry body (see the module docstring)."""
    feeder_ids = [row[0] for row in rows.feeders]
    feeder_index = {feeder_id: i for i, feeder_id in enumerate(feeder_ids)}
    station_index = {row[0]: i for i, row in enumerate(rows.substations)}

    counts = np.fromiter((len(row[2]) for row in rows.segments), dtype=np.int64, count=len(rows.segments))
    starts = np.concatenate(([0], np.cumsum(counts))).astype(np.uint32)
    flat = [coordinate for row in rows.segments for vertex in row[2] for coordinate in vertex]
    positions = np.array(flat, dtype=np.float64).reshape(-1, 2)
    segment_ids = np.array([row[0] for row in rows.segments], dtype=np.int64)
    id_deltas = np.diff(segment_ids, prepend=0).astype(np.uint32)
    segment_feeder = np.array([feeder_index[row[1]] for row in rows.segments], dtype=np.uint16)
    segment_kind = np.array(
        [CONDUCTORS.index(row[3]) * 4 + PHASES.index(row[4]) for row in rows.segments], dtype=np.uint8
    )

    node_ids = np.array([row[0] for row in rows.nodes], dtype=np.int64)
    node_lonlat = np.array([(row[1], row[2]) for row in rows.nodes], dtype=np.float64).reshape(-1, 2)
    segment_position = {int(segment_id): i for i, segment_id in enumerate(segment_ids)}

    def device_point(row: tuple) -> tuple[float, float]:
        if row[4] is not None:  # on a segment: the middle of its line
            i = segment_position[row[4]]
            vertices = positions[starts[i] : starts[i + 1]]
            mid = len(vertices) // 2
            return tuple(vertices[mid] if len(vertices) % 2 else (vertices[mid - 1] + vertices[mid]) / 2)
        return tuple(node_lonlat[np.searchsorted(node_ids, row[5])])

    device_positions = np.array([device_point(row) for row in rows.devices], dtype=np.float64).reshape(-1, 2)
    device_kind = np.array([DEVICE_KINDS.index(row[2]) for row in rows.devices], dtype=np.uint8)
    device_feeder = np.array([feeder_index[row[3]] for row in rows.devices], dtype=np.uint16)
    device_flags = np.array(
        [(1 if row[7] is not None else 0) | (2 if row[6] == "open" else 0) for row in rows.devices], dtype=np.uint8
    )
    transformer_node_ids = np.array([row[3] for row in rows.transformers], dtype=np.int64)
    transformer_positions = node_lonlat[np.searchsorted(node_ids, transformer_node_ids)].reshape(-1, 2)
    transformer_feeder = np.array([feeder_index[row[2]] for row in rows.transformers], dtype=np.uint16)

    # Context: one hull per substation over its feeders' nodes and bus, one per feeder.
    feeder_station = np.array([station_index[row[2]] for row in rows.feeders], dtype=np.int64)
    node_feeder = np.array([-1 if row[3] is None else feeder_index[row[3]] for row in rows.nodes], dtype=np.int64)
    node_station = np.array([station_index[row[4]] if row[4] is not None else -1 for row in rows.nodes], dtype=np.int64)
    has_feeder = node_feeder >= 0
    node_station[has_feeder] = feeder_station[node_feeder[has_feeder]]
    area_positions, area_starts = _hulls(node_station, node_lonlat, list(range(len(rows.substations))))
    outline_positions, outline_starts = _hulls(node_feeder, node_lonlat, list(range(len(rows.feeders))))

    bboxes = np.zeros((len(feeder_ids), 4))
    for i in range(len(feeder_ids)):
        ring = outline_positions.reshape(-1, 2)[outline_starts[i] : outline_starts[i + 1]]
        bboxes[i] = [*ring.min(axis=0), *ring.max(axis=0)] if len(ring) else [0, 0, 0, 0]
    ties = [(row[3], row[7]) for row in rows.devices if row[7] is not None]
    colours = feeder_colours(feeder_ids, [row[2] for row in rows.feeders], bboxes, ties) if feeder_ids else []

    all_points = positions if len(positions) else np.array([[row[3], row[4]] for row in rows.substations])
    bounds = [round(float(v), 6) for v in (*all_points.min(axis=0), *all_points.max(axis=0))] if len(all_points) else []
    header = {
        "format": GEOMETRY_FORMAT,
        "structure": structure,
        "bounds": bounds,
        "counts": {
            "segments": len(rows.segments),
            "vertices": len(positions),
            "devices": len(rows.devices),
            "transformers": len(rows.transformers),
            "substations": len(rows.substations),
            "feeders": len(rows.feeders),
        },
        "substations": [[row[1], row[2], row[3], row[4]] for row in rows.substations],
        "feeders": [[row[1], station_index[row[2]], colours[i]] for i, row in enumerate(rows.feeders)],
        "conductors": list(CONDUCTORS),
        "phases": list(PHASES),
        "deviceKinds": list(DEVICE_KINDS),
        "deviceCodes": [row[1] for row in rows.devices],
        "transformerCodes": [row[1] for row in rows.transformers],
        "transformerKva": [float(row[4]) for row in rows.transformers],
    }
    sections = [
        ("segment_positions", positions.astype(np.float32).reshape(-1)),
        ("segment_starts", starts),
        ("segment_id_deltas", id_deltas),
        ("segment_feeder", segment_feeder),
        ("segment_kind", segment_kind),
        ("device_positions", device_positions.astype(np.float32).reshape(-1)),
        ("device_kind", device_kind),
        ("device_feeder", device_feeder),
        ("device_flags", device_flags),
        ("transformer_positions", transformer_positions.astype(np.float32).reshape(-1)),
        ("transformer_feeder", transformer_feeder),
        ("area_positions", area_positions),
        ("area_starts", area_starts),
        ("outline_positions", outline_positions),
        ("outline_starts", outline_starts),
    ]
    body = _section_table(sections, header)
    return EncodedGeometry(
        structure=structure,
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        segment_ids=segment_ids,
        device_ids=np.array([row[0] for row in rows.devices], dtype=np.int64),
        transformer_node_ids=transformer_node_ids,
        bounds=bounds,
        header=header,
    )


def decode_geometry(body: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """Header and sections of a geometry body (what the browser does, for tests and benchmarks)."""
    if body[:4] != GEOMETRY_MAGIC:
        raise ValueError("not a map geometry body")
    (length,) = struct.unpack_from("<I", body, 4)
    header = json.loads(body[8 : 8 + length])
    sections = {
        name: np.frombuffer(body, dtype=np.dtype(dtype).newbyteorder("<"), count=count, offset=offset)
        for name, (offset, dtype, count) in header["sections"].items()
    }
    return header, sections


def segment_paths(sections: dict[str, np.ndarray]) -> dict[int, list[list[float]]]:
    """Segment id -> list of [lon, lat] vertices from decoded sections."""
    ids = np.cumsum(sections["segment_id_deltas"].astype(np.int64))
    positions = sections["segment_positions"].reshape(-1, 2)
    starts = sections["segment_starts"]
    return {int(ids[i]): positions[starts[i] : starts[i + 1]].tolist() for i in range(len(ids))}


# -- status ------------------------------------------------------------------------------------


def encode_status(
    *,
    structure: int,
    state: int,
    energization: Energization,
    device_open: np.ndarray,
    transformer_node: np.ndarray,
    segment_in_outage: np.ndarray | None = None,
    segment_loading: np.ndarray | None = None,
) -> bytes:
    """One status byte per segment, device and transformer (codes in the module docstring).

    `energization` is the pass for the open devices `device_open`; `transformer_node` gives each
    drawn transformer's node index. `segment_in_outage` (bool per segment) marks segments inside
    an active outage; devices and transformers touching such a segment and not energized are
    marked too. `segment_loading` (uint8 per segment, 0-4) carries loading classes when analytics
    provide them.
    """
    arrays = energization.topology.arrays
    segment_from, segment_to = arrays.segment_from, arrays.segment_to
    device_segment, device_node = arrays.device_segment, arrays.device_node
    node_energized = energization.energized
    segments = np.where(energization.segment_energized, STATUS_ENERGIZED, STATUS_DEENERGIZED).astype(np.uint8)
    node_outage = np.zeros(len(node_energized), dtype=bool)
    flags = 0
    if segment_in_outage is not None:
        flags |= STATUS_FLAG_OUTAGE
        segments[segment_in_outage] = STATUS_OUTAGE
        node_outage[segment_from[segment_in_outage]] = True
        node_outage[segment_to[segment_in_outage]] = True
    if segment_loading is not None:
        flags |= STATUS_FLAG_LOADING
        segments |= (np.clip(segment_loading, 0, 4).astype(np.uint8) << 2).astype(np.uint8)

    on_segment = device_segment >= 0
    device_live = np.zeros(len(device_segment), dtype=bool)
    device_dead_outage = np.zeros(len(device_segment), dtype=bool)
    ends = device_segment[on_segment]
    device_live[on_segment] = node_energized[segment_from[ends]] | node_energized[segment_to[ends]]
    device_live[~on_segment] = node_energized[device_node[~on_segment]]
    if segment_in_outage is not None:
        device_dead_outage[on_segment] = segment_in_outage[ends]
        device_dead_outage[~on_segment] = node_outage[device_node[~on_segment]]
    device_energy = np.where(device_live, STATUS_ENERGIZED, STATUS_DEENERGIZED)
    device_energy = np.where(~device_live & device_dead_outage, STATUS_OUTAGE, device_energy)
    switch = np.select(
        [
            device_open & arrays.device_normally_open,
            device_open & ~arrays.device_normally_open,
            ~device_open & arrays.device_normally_open,
        ],
        [SWITCH_OPEN_NORMAL, SWITCH_OPEN_ABNORMAL, SWITCH_CLOSED_ABNORMAL],
        SWITCH_CLOSED,
    )
    devices = (device_energy | (switch << 2)).astype(np.uint8)

    live = node_energized[transformer_node]
    transformers = np.where(live, STATUS_ENERGIZED, STATUS_DEENERGIZED)
    transformers = np.where(~live & node_outage[transformer_node], STATUS_OUTAGE, transformers).astype(np.uint8)
    header = STATUS_HEADER.pack(STATUS_MAGIC, structure, state, flags, len(segments), len(devices), len(transformers))
    return header + segments.tobytes() + devices.tobytes() + transformers.tobytes()


def decode_status(body: bytes) -> dict[str, object]:
    """Versions, flags and the three byte arrays of a status body."""
    magic, structure, state, flags, s, d, t = STATUS_HEADER.unpack_from(body)
    if magic != STATUS_MAGIC:
        raise ValueError("not a map status body")
    values = np.frombuffer(body, dtype=np.uint8, offset=STATUS_HEADER.size)
    return {
        "structure": structure,
        "state": state,
        "flags": flags,
        "segments": values[:s],
        "devices": values[s : s + d],
        "transformers": values[s + d : s + d + t],
    }


# -- spec --------------------------------------------------------------------------------------


def view_for_bounds(bounds: list[float], *, width: int = 1200, height: int = 800) -> pydeck.ViewState:
    """A view state showing `bounds` (min lon, min lat, max lon, max lat) in a viewport of that size."""
    if not bounds:
        return pydeck.ViewState(longitude=-95.37, latitude=29.76, zoom=9)
    min_lon, min_lat, max_lon, max_lat = bounds

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max((max_lon - min_lon) / 360, 1e-6)
    span_y = max((mercator_y(max_lat) - mercator_y(min_lat)) / (2 * math.pi), 1e-6)
    zoom = min(math.log2(width / 512 / span_x), math.log2(height / 512 / span_y))
    return pydeck.ViewState(
        longitude=round((min_lon + max_lon) / 2, 6),
        latitude=round((min_lat + max_lat) / 2, 6),
        zoom=round(zoom - 0.1, 2),
        min_zoom=7,
        max_zoom=19,
    )


def colour_tables() -> dict[str, object]:
    """Every colour the map uses, by mode and asset (also what the legends show)."""
    return {
        "feeder": FEEDER_PALETTE,
        "energization": ENERGIZATION_COLOURS,
        "loading": LOADING_COLOURS,
        "devices": DEVICE_COLOURS,
        "transformers": TRANSFORMER_COLOURS,
    }


def _device_layer(layer_id: str, data: str, colour_key: str) -> pydeck.Layer:
    """Switching and protective devices: closed ones as dots, open ones as rings (two layers share this)."""
    return pydeck.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=data,
        get_fill_color={"@@function": "deviceFill", "colours": DEVICE_COLOURS},
        get_line_color={"@@function": "deviceLine", "colours": DEVICE_COLOURS},
        get_radius={"@@function": "deviceRadius", "closed": 2, "open": 4.5},
        radius_units=PIXELS,
        line_width_units=PIXELS,
        get_line_width=1.5,
        stroked=True,
        filled=True,
        pickable=True,
        update_triggers={"getFillColor": colour_key, "getLineColor": colour_key, "getRadius": colour_key},
    )


def build_deck(*, bounds: list[float], click_time_ms: int | None = None) -> pydeck.Deck:
    """The map's pydeck spec: context, segment, point and label layers with colour tables and tooltips.

    Data is bound in the browser (`"@@#name"` constants) once the geometry body is decoded;
    `{"@@function": ...}` entries are accessors registered by static/js/map.js.
    """
    colour_key = "@@#colourKey"
    layers = [
        pydeck.Layer(
            "PolygonLayer",
            id="service-areas",
            data="@@#serviceAreas",
            get_polygon="polygon",
            get_fill_color={"@@function": "areaFill", "palette": AREA_FILL},
            get_line_color=AREA_LINE,
            line_width_min_pixels=1,
            stroked=True,
            filled=True,
            pickable=False,
        ),
        pydeck.Layer(
            "PathLayer",
            id="feeder-outlines",
            data="@@#feederOutlines",
            get_path="path",
            get_color=OUTLINE_LINE,
            width_min_pixels=1,
            width_max_pixels=1,
            pickable=False,
        ),
        pydeck.Layer(
            "LineLayer",
            id="segments",
            data="@@#segments",
            get_color={"@@function": "segmentColour", "modes": colour_tables()},
            get_width={"@@function": "segmentWidth", "threePhase": 2, "singlePhase": 1},
            width_units=PIXELS,
            pickable=True,
            update_triggers={"getColor": colour_key, "getWidth": colour_key},
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            id="transformers",
            data="@@#transformers",
            get_fill_color={"@@function": "transformerColour", "colours": TRANSFORMER_COLOURS},
            get_radius=1.6,
            radius_units=PIXELS,
            pickable=True,
            update_triggers={"getFillColor": colour_key},
        ),
        _device_layer("devices", "@@#devices", colour_key),
        _device_layer("open-devices", "@@#openDevices", colour_key),
        pydeck.Layer(
            "ScatterplotLayer",
            id="substations",
            data="@@#substations",
            get_position="position",
            get_fill_color=[11, 17, 27, 255],
            get_line_color=SUBSTATION_COLOUR,
            get_radius=6,
            radius_units=PIXELS,
            get_line_width=2,
            line_width_units=PIXELS,
            stroked=True,
            filled=True,
            pickable=True,
        ),
        pydeck.Layer(
            "TextLayer",
            id="substation-labels",
            data="@@#substations",
            get_position="position",
            get_text="name",
            get_size=11,
            get_color=[220, 228, 240, 200],
            get_pixel_offset=[0, -14],
            font_family=pydeck.types.String("system-ui, sans-serif"),
            pickable=False,
        ),
        pydeck.Layer(
            "PathLayer",
            id="selection",
            data="@@#selection",
            get_path="path",
            get_color=[255, 255, 255, 255],
            width_min_pixels=5,
            pickable=False,
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            id="selection-point",
            data="@@#selectionPoint",
            get_position="position",
            get_line_color=[255, 255, 255, 255],
            get_radius=11,
            radius_units=PIXELS,
            get_line_width=3,
            line_width_units=PIXELS,
            stroked=True,
            filled=False,
            pickable=False,
        ),
    ]
    deck = pydeck.Deck(
        layers=layers,
        initial_view_state=view_for_bounds(bounds),
        views=[pydeck.View(type="MapView", controller=True)],
        map_provider=None,
        map_style=None,
        tooltip=False,
    )
    # Deck props pydeck has no keyword for; serialised with the rest of the spec.
    deck.get_tooltip = {"@@function": "assetTooltip", "fields": TOOLTIP_FIELDS}
    deck.picking_radius = 4
    if click_time_ms is not None:
        deck.event_recognizer_options = {"click": {"time": click_time_ms}}
    return deck


def deck_spec(deck: pydeck.Deck) -> dict:
    """The spec as a JSON-ready dict (what json_script embeds)."""
    return json.loads(deck.to_json())
