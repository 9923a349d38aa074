"""Reads of the network model: counts, checksum, feeder summaries, substations, feeders by code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Model, Q, QuerySet, Sum
from ninja.errors import HttpError

from grid.constants import DEVICE_KINDS
from grid.engine.rows import TABLE_ROWS, TABLES
from grid.engine.synthetic import network_checksum
from grid.models import (
    Device,
    Feeder,
    Node,
    Segment,
    ServicePoint,
    Substation,
    Transformer,
)

# Every network table's model; its columns are the fields of its row type (`grid.engine.rows.TABLE_ROWS`).
NETWORK_TABLE_MODELS: dict[str, type[Model]] = {
    "substations": Substation,
    "feeders": Feeder,
    "nodes": Node,
    "segments": Segment,
    "devices": Device,
    "transformers": Transformer,
    "service_points": ServicePoint,
}


def _normalise(value: object) -> object:
    """Database values in the generator's types (Decimal -> float) so both checksums agree."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _table_rows(name: str) -> Iterator[NamedTuple]:
    """The stored rows of one network table in id order, as the generator's row type."""
    row_type = TABLE_ROWS[name]
    rows = NETWORK_TABLE_MODELS[name]._default_manager.order_by("id").values_list(*row_type._fields)
    for row in rows.iterator(chunk_size=10_000):
        yield row_type._make(_normalise(value) for value in row)


def network_checksum_from_db() -> str:
    """Checksum of the stored network, comparable with `Network.checksum()` of the generator."""
    return network_checksum({name: _table_rows(name) for name in TABLES})


def network_is_seeded() -> bool:
    """True when any part of a network is stored."""
    return Substation.objects.exists() or Segment.objects.exists()


def network_counts() -> dict[str, int | float]:
    """Row counts of every network table, customers served, tie switches and km of primary."""
    counts: dict[str, int | float] = {
        name: model._default_manager.count() for name, model in NETWORK_TABLE_MODELS.items()
    }
    counts["customers"] = ServicePoint.objects.aggregate(total=Sum("customers"))["total"] or 0
    counts["ties"] = Device.objects.filter(tie_feeder__isnull=False).count()
    counts["length_km"] = round((Segment.objects.aggregate(total=Sum("length_m"))["total"] or 0) / 1000, 1)
    return counts


def device_counts_by_kind() -> dict[str, int]:
    """Devices per kind, every kind listed (zero when absent)."""
    found = dict(Device.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {kind: found.get(kind, 0) for kind in DEVICE_KINDS}


@dataclass(frozen=True)
class FeederSummary:
    """One feeder's size: what `grid_stats` and the overview page print."""

    code: str
    substation: str
    nominal_kv: float
    segments: int
    length_km: float
    transformers: int
    service_points: int
    customers: int
    devices: int
    ties: int


def feeder_summaries(*, substation: Substation | None = None) -> list[FeederSummary]:
    """Per-feeder sizes in four grouped queries, whatever the number of feeders."""
    feeders = Feeder.objects.select_related("substation").order_by("code")
    if substation is not None:
        feeders = feeders.filter(substation=substation)
    segments = {
        row["feeder"]: row for row in Segment.objects.values("feeder").annotate(n=Count("id"), metres=Sum("length_m"))
    }
    transformers = dict(Transformer.objects.values_list("feeder").annotate(n=Count("id")))
    meters = {
        row["transformer__feeder"]: row
        for row in ServicePoint.objects.values("transformer__feeder").annotate(
            n=Count("id"), customers=Sum("customers")
        )
    }
    devices = {
        row["feeder"]: row
        for row in Device.objects.values("feeder").annotate(
            n=Count("id"), ties=Count("id", filter=Q(tie_feeder__isnull=False))
        )
    }
    empty: dict[str, int] = {}  # a feeder without segments, meters or devices
    return [
        FeederSummary(
            code=feeder.code,
            substation=feeder.substation.code,
            nominal_kv=float(feeder.nominal_kv),
            segments=segments.get(feeder.id, empty).get("n", 0),
            length_km=round((segments.get(feeder.id, empty).get("metres") or 0) / 1000, 1),
            transformers=transformers.get(feeder.id, 0),
            service_points=meters.get(feeder.id, empty).get("n", 0),
            customers=meters.get(feeder.id, empty).get("customers") or 0,
            devices=devices.get(feeder.id, empty).get("n", 0),
            ties=devices.get(feeder.id, empty).get("ties", 0),
        )
        for feeder in feeders
    ]


def substations_with_counts() -> QuerySet[Substation]:
    """Substations annotated with their feeder count, for lists."""
    return Substation.objects.annotate(feeder_count=Count("feeders")).order_by("code")


def feeder_or_404(code: str) -> Feeder:
    """The feeder with this code (any case)."""
    feeder = Feeder.objects.by_code(code).first()
    if feeder is None:
        raise HttpError(404, f"Unknown feeder {code!r}.")
    return feeder
