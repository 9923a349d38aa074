"""One typed row per network table, shared by the generator, seeding, the stored network's checksum,
the topology array loaders and the map encoder.

Pure: no Django. Field names are the model column names and field order is the order the checksum
hashes the values in (`grid.engine.synthetic.network_checksum`); reordering a field changes every
checksum.
"""

from __future__ import annotations

from typing import NamedTuple


class SubstationRow(NamedTuple):
    """One substation."""

    id: int
    code: str
    name: str
    lon: float
    lat: float
    capacity_mva: float


class FeederRow(NamedTuple):
    """One feeder, leaving `source_node_id` (a bus) through its head breaker."""

    id: int
    code: str
    substation_id: int
    nominal_kv: float
    source_node_id: int
    head_breaker_id: int | None


class NodeRow(NamedTuple):
    """One node: a substation bus (`substation_id` set) or a pole on a feeder."""

    id: int
    kind: str
    substation_id: int | None
    feeder_id: int | None
    lon: float
    lat: float


class SegmentRow(NamedTuple):
    """One span of primary conductor between two nodes, with its [lon, lat] vertices and bounds."""

    id: int
    feeder_id: int
    from_node_id: int
    to_node_id: int
    geometry: list[list[float]]
    length_m: float
    conductor: str
    ampacity_a: int
    phases: str
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


class DeviceRow(NamedTuple):
    """One switching or protective device, on a segment or at a node; ties name the other feeder."""

    id: int
    code: str
    kind: str
    feeder_id: int
    segment_id: int | None
    node_id: int | None
    normal_state: str
    current_state: str
    tie_feeder_id: int | None


class TransformerRow(NamedTuple):
    """One distribution transformer hanging on a node."""

    id: int
    code: str
    node_id: int
    feeder_id: int
    kva: float
    phase: str
    install_year: int


class ServicePointRow(NamedTuple):
    """One meter behind a transformer, serving `customers` customers of one class."""

    id: int
    meter_id: str
    transformer_id: int
    customer_class: str
    customers: int
    lon: float
    lat: float


# Every network table and its row type, in the order the checksum hashes the tables.
TABLE_ROWS: dict[str, type[NamedTuple]] = {
    "substations": SubstationRow,
    "feeders": FeederRow,
    "nodes": NodeRow,
    "segments": SegmentRow,
    "devices": DeviceRow,
    "transformers": TransformerRow,
    "service_points": ServicePointRow,
}

TABLES: tuple[str, ...] = tuple(TABLE_ROWS)
