"""The operations map's geometry body, pure: encoded from selector rows, decoded in tests.

Geometry body (little-endian): ``b"FXMG"``, uint32 header length H, H bytes of UTF-8 JSON header
(padded with spaces to a multiple of 4), then the sections the header lists as
``name: [byte offset, dtype, item count]``, each 4-byte aligned:

* ``segment_positions`` float32 lon/lat pairs of every vertex, segments in id order;
* ``segment_starts`` uint32, S + 1 vertex offsets (segment i spans starts[i]..starts[i+1]);
* ``segment_id_deltas`` uint32 (first id, then differences: ids are sorted);
* ``segment_feeder`` uint16 index into ``header.feeders``;
* ``segment_kind`` uint8 (uint16 past 64 conductors) ``conductor * 4 + phases`` (indexes into
  ``header.conductors`` / ``phases``);
* ``device_positions`` float32, ``device_kind`` uint8, ``device_feeder`` uint16,
  ``device_flags`` uint8 (bit 0 tie switch, bit 1 normally open);
* ``transformer_positions`` float32, ``transformer_feeder`` uint16;
* ``area_positions`` / ``area_starts``: substation service-area outlines (convex hulls, one per
  entry of ``header.substations``); ``outline_positions`` / ``outline_starts``: feeder outlines."""

from __future__ import annotations

import gzip
import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from grid.constants import CONDUCTORS as CONDUCTOR_CATALOGUE
from grid.constants import DEVICE_KINDS as DEVICE_KIND_LABELS
from grid.constants import PHASES as PHASE_LABELS
from grid.engine.arrays import FloatArray, IntArray
from grid.engine.map_spec import feeder_colours
from grid.engine.rows import DeviceRow

GEOMETRY_MAGIC = b"FXMG"


GEOMETRY_FORMAT = 1


PHASES = tuple(PHASE_LABELS)
DEVICE_KINDS = tuple(DEVICE_KIND_LABELS)


# The columns of each network table that the map draws, named as the model columns (and as the fields
# of the table's row type in `grid.engine.rows`).


class MapSubstation(NamedTuple):
    """A substation: its marker and label."""

    id: int
    code: str
    name: str
    lon: float
    lat: float


class MapFeeder(NamedTuple):
    """A feeder: its colour and its substation."""

    id: int
    code: str
    substation_id: int


class MapNode(NamedTuple):
    """A node: where devices and transformers at it are drawn, and the outlines it shapes."""

    id: int
    lon: float
    lat: float
    feeder_id: int | None
    substation_id: int | None


class MapSegment(NamedTuple):
    """A segment: its line and style."""

    id: int
    feeder_id: int
    geometry: list[list[float]]
    conductor: str
    phases: str


class MapTransformer(NamedTuple):
    """A transformer: its symbol and label."""

    id: int
    code: str
    feeder_id: int
    node_id: int
    kva: float


@dataclass
class MapRows:
    """What the map draws, as rows from `grid.selectors.map.map_rows` (each list in id order)."""

    substations: list[MapSubstation]
    feeders: list[MapFeeder]
    nodes: list[MapNode]
    segments: list[MapSegment]
    devices: list[DeviceRow]  # every column: the map draws nearly all of them
    transformers: list[MapTransformer]


@dataclass
class EncodedGeometry:
    """The geometry body for one structure version, plain and gzipped, with what status needs."""

    structure: int
    body: bytes
    gzipped: bytes
    segment_ids: IntArray
    device_ids: IntArray
    transformer_node_ids: IntArray
    bounds: list[float]
    header: dict[str, object] = field(repr=False)

    @property
    def etag(self) -> str:
        return f'"map-geometry-{GEOMETRY_FORMAT}-{self.structure}"'


def _convex_hull(points: FloatArray) -> FloatArray:
    """Convex hull of (n, 2) points, counter-clockwise and closed (monotone chain)."""
    pts = np.unique(points, axis=0)
    if len(pts) < 3:
        return np.vstack([pts, pts[:1]]) if len(pts) else pts

    def half(sequence: FloatArray) -> list[FloatArray]:
        chain: list[FloatArray] = []
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


def _hulls(
    group: IntArray, lonlat: FloatArray, keys: list[int]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.uint32]]:
    """One closed hull per key over the points whose `group` equals it: (positions, starts)."""
    order = np.argsort(group, kind="stable")
    sorted_group = group[order]
    rings: list[FloatArray] = []
    for key in keys:
        lo, hi = np.searchsorted(sorted_group, key), np.searchsorted(sorted_group, key, side="right")
        rings.append(_convex_hull(lonlat[order[lo:hi]]) if hi > lo else np.empty((0, 2)))
    starts = np.concatenate(([0], np.cumsum([len(ring) for ring in rings]))).astype(np.uint32)
    positions = np.vstack(rings).astype(np.float32) if rings else np.empty((0, 2), np.float32)
    return positions.reshape(-1), starts


def _section_table(sections: list[tuple[str, npt.NDArray[np.generic]]], header: dict[str, object]) -> bytes:
    """Header + aligned sections as one body."""
    table: dict[str, tuple[int, str, int]] = {}
    offset = 0
    for name, array in sections:
        table[name] = (offset, array.dtype.name, int(array.size))
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


def map_conductors(names: Iterable[str]) -> list[str]:
    """The conductors the map names: the catalogue in its order, then any others (an imported model's) sorted."""
    return list(CONDUCTOR_CATALOGUE) + sorted(set(names) - set(CONDUCTOR_CATALOGUE))


def encode_geometry(rows: MapRows, *, structure: int) -> EncodedGeometry:
    """Encode every drawn asset as the binary geometry body (see the module docstring)."""
    feeder_ids = [feeder.id for feeder in rows.feeders]
    feeder_index = {feeder_id: i for i, feeder_id in enumerate(feeder_ids)}
    station_index = {station.id: i for i, station in enumerate(rows.substations)}

    counts = np.fromiter((len(segment.geometry) for segment in rows.segments), dtype=np.int64, count=len(rows.segments))
    starts = np.concatenate(([0], np.cumsum(counts))).astype(np.uint32)
    flat = [coordinate for segment in rows.segments for vertex in segment.geometry for coordinate in vertex]
    positions = np.array(flat, dtype=np.float64).reshape(-1, 2)
    segment_ids = np.array([segment.id for segment in rows.segments], dtype=np.int64)
    id_deltas = np.diff(segment_ids, prepend=0).astype(np.uint32)
    segment_feeder = np.array([feeder_index[segment.feeder_id] for segment in rows.segments], dtype=np.uint16)
    conductors = map_conductors(segment.conductor for segment in rows.segments)
    conductor_index = {name: i for i, name in enumerate(conductors)}
    segment_kind = np.array(
        [conductor_index[segment.conductor] * 4 + PHASES.index(segment.phases) for segment in rows.segments],
        dtype=np.uint8 if len(conductors) <= 64 else np.uint16,
    )

    node_ids = np.array([node.id for node in rows.nodes], dtype=np.int64)
    node_lonlat = np.array([(node.lon, node.lat) for node in rows.nodes], dtype=np.float64).reshape(-1, 2)
    segment_position = {int(segment_id): i for i, segment_id in enumerate(segment_ids)}

    def device_point(device: DeviceRow) -> tuple[float, float]:
        if device.segment_id is not None:  # on a segment: the middle of its line
            i = segment_position[device.segment_id]
            vertices = positions[starts[i] : starts[i + 1]]
            mid = len(vertices) // 2
            return tuple(vertices[mid] if len(vertices) % 2 else (vertices[mid - 1] + vertices[mid]) / 2)
        assert device.node_id is not None  # the model's check: on a segment or at a node
        return tuple(node_lonlat[np.searchsorted(node_ids, device.node_id)])

    device_positions = np.array([device_point(device) for device in rows.devices], dtype=np.float64).reshape(-1, 2)
    device_kind = np.array([DEVICE_KINDS.index(device.kind) for device in rows.devices], dtype=np.uint8)
    device_feeder = np.array([feeder_index[device.feeder_id] for device in rows.devices], dtype=np.uint16)
    device_flags = np.array(
        [
            (1 if device.tie_feeder_id is not None else 0) | (2 if device.normal_state == "open" else 0)
            for device in rows.devices
        ],
        dtype=np.uint8,
    )
    transformer_node_ids = np.array([transformer.node_id for transformer in rows.transformers], dtype=np.int64)
    transformer_positions = node_lonlat[np.searchsorted(node_ids, transformer_node_ids)].reshape(-1, 2)
    transformer_feeder = np.array(
        [feeder_index[transformer.feeder_id] for transformer in rows.transformers], dtype=np.uint16
    )

    # Context: one hull per substation over its feeders' nodes and bus, one per feeder.
    feeder_station = np.array([station_index[feeder.substation_id] for feeder in rows.feeders], dtype=np.int64)
    node_feeder = np.array(
        [-1 if node.feeder_id is None else feeder_index[node.feeder_id] for node in rows.nodes], dtype=np.int64
    )
    node_station = np.array(
        [station_index[node.substation_id] if node.substation_id is not None else -1 for node in rows.nodes],
        dtype=np.int64,
    )
    has_feeder = node_feeder >= 0
    node_station[has_feeder] = feeder_station[node_feeder[has_feeder]]
    area_positions, area_starts = _hulls(node_station, node_lonlat, list(range(len(rows.substations))))
    outline_positions, outline_starts = _hulls(node_feeder, node_lonlat, list(range(len(rows.feeders))))

    bboxes = np.zeros((len(feeder_ids), 4))
    for i in range(len(feeder_ids)):
        ring = outline_positions.reshape(-1, 2)[outline_starts[i] : outline_starts[i + 1]]
        bboxes[i] = [*ring.min(axis=0), *ring.max(axis=0)] if len(ring) else [0, 0, 0, 0]
    ties = [(device.feeder_id, device.tie_feeder_id) for device in rows.devices if device.tie_feeder_id is not None]
    colours = (
        feeder_colours(feeder_ids, [feeder.substation_id for feeder in rows.feeders], bboxes, ties)
        if feeder_ids
        else []
    )

    all_points = positions if len(positions) else np.array([[station.lon, station.lat] for station in rows.substations])
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
        "substations": [[station.code, station.name, station.lon, station.lat] for station in rows.substations],
        "feeders": [
            [feeder.code, station_index[feeder.substation_id], colours[i]] for i, feeder in enumerate(rows.feeders)
        ],
        "conductors": conductors,
        "phases": list(PHASES),
        "deviceKinds": list(DEVICE_KINDS),
        "deviceCodes": [device.code for device in rows.devices],
        "transformerCodes": [transformer.code for transformer in rows.transformers],
        "transformerKva": [float(transformer.kva) for transformer in rows.transformers],
    }
    sections: list[tuple[str, npt.NDArray[np.generic]]] = [
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
        device_ids=np.array([device.id for device in rows.devices], dtype=np.int64),
        transformer_node_ids=transformer_node_ids,
        bounds=bounds,
        header=header,
    )


def decode_geometry(body: bytes) -> tuple[dict[str, object], dict[str, npt.NDArray[np.generic]]]:
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


def segment_paths(sections: dict[str, npt.NDArray[np.generic]]) -> dict[int, list[list[float]]]:
    """Segment id -> list of [lon, lat] vertices from decoded sections."""
    ids = np.cumsum(sections["segment_id_deltas"].astype(np.int64))
    positions = sections["segment_positions"].reshape(-1, 2)
    starts = sections["segment_starts"]
    return {int(ids[i]): positions[starts[i] : starts[i + 1]].tolist() for i in range(len(ids))}
