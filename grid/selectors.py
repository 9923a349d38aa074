"""Named reads of the network model, used by views, the API and commands."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone as django_timezone

from grid.models import (
    Crew,
    Device,
    Feeder,
    Node,
    Outage,
    OutageEvent,
    RestorationStep,
    Segment,
    ServicePoint,
    Substation,
    SwitchingOperation,
    Transformer,
    WorkOrder,
)
from grid.synthetic import TABLES, network_checksum

_CHECKSUM_COLUMNS: dict[str, tuple[type, tuple[str, ...]]] = {
    "substations": (Substation, ("id", "code", "name", "lon", "lat", "capacity_mva")),
    "feeders": (Feeder, ("id", "code", "substation_id", "nominal_kv", "source_node_id", "head_breaker_id")),
    "nodes": (Node, ("id", "kind", "substation_id", "feeder_id", "lon", "lat")),
    "segments": (
        Segment,
        (
            "id",
            "feeder_id",
            "from_node_id",
            "to_node_id",
            "geometry",
            "length_m",
            "conductor",
            "ampacity_a",
            "phases",
            "min_lon",
            "min_lat",
            "max_lon",
            "max_lat",
        ),
    ),
    "devices": (
        Device,
        (
            "id",
            "code",
            "kind",
            "feeder_id",
            "segment_id",
            "node_id",
            "normal_state",
            "current_state",
            "tie_feeder_id",
        ),
    ),
    "transformers": (Transformer, ("id", "code", "node_id", "feeder_id", "kva", "phase", "install_year")),
    "service_points": (ServicePoint, ("id", "meter_id", "transformer_id", "customer_class", "customers", "lon", "lat")),
}


def _normalise(value: object) -> object:
    """Database values in the generator's types (Decimal -> float) so both checksums agree."""
    if value is not None and type(value).__name__ == "Decimal":
        return float(value)
    return value


def _table_rows(name: str) -> Iterator[tuple]:
    model, columns = _CHECKSUM_COLUMNS[name]
    for row in model.objects.order_by("id").values_list(*columns).iterator(chunk_size=10_000):
        yield tuple(_normalise(value) for value in row)


def network_checksum_from_db() -> str:
    """Checksum of the stored network, comparable with `Network.checksum()` of the generator."""
    return network_checksum({name: _table_rows(name) for name in TABLES})


def network_is_seeded() -> bool:
    """True when any part of a network is stored."""
    return Substation.objects.exists() or Segment.objects.exists()


def network_counts() -> dict[str, int | float]:
    """Row counts of every network table, customers served, tie switches and km of primary."""
    counts = {name: model.objects.count() for name, (model, _) in _CHECKSUM_COLUMNS.items()}
    counts["customers"] = ServicePoint.objects.aggregate(total=Sum("customers"))["total"] or 0
    counts["ties"] = Device.objects.filter(tie_feeder__isnull=False).count()
    counts["length_km"] = round((Segment.objects.aggregate(total=Sum("length_m"))["total"] or 0) / 1000, 1)
    return counts


def device_counts_by_kind() -> dict[str, int]:
    """Devices per kind, every kind listed (zero when absent)."""
    found = dict(Device.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {kind: found.get(kind, 0) for kind in Device.Kind.values}


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
    return [
        FeederSummary(
            code=feeder.code,
            substation=feeder.substation.code,
            nominal_kv=float(feeder.nominal_kv),
            segments=segments.get(feeder.id, {}).get("n", 0),
            length_km=round((segments.get(feeder.id, {}).get("metres") or 0) / 1000, 1),
            transformers=transformers.get(feeder.id, 0),
            service_points=meters.get(feeder.id, {}).get("n", 0),
            customers=meters.get(feeder.id, {}).get("customers") or 0,
            devices=devices.get(feeder.id, {}).get("n", 0),
            ties=devices.get(feeder.id, {}).get("ties", 0),
        )
        for feeder in feeders
    ]


def substations_with_counts() -> QuerySet[Substation]:
    """Substations annotated with their feeder count, for lists."""
    return Substation.objects.annotate(feeder_count=Count("feeders")).order_by("code")


OUTAGE_SORTS = {
    "started": ("-started_at", "-id"),
    "customers": ("-customers_affected", "-started_at"),
    "etr": ("etr", "-started_at"),
    "feeder": ("feeder__code", "-started_at"),
}


def outage_list(
    *,
    active: bool = True,
    feeder: Feeder | None = None,
    state: str | None = None,
    cause: str | None = None,
    sort: str = "started",
) -> QuerySet[Outage]:
    """Outages for the board and the API, with everything a row shows selected up front."""
    outages = Outage.objects.select_related(
        "feeder__substation", "device", "transformer", "service_point", "crew"
    ).annotate(restored=Coalesce(Sum("steps__customers_restored"), 0))
    if active:
        outages = outages.filter(state__in=Outage.ACTIVE_STATES)
    if feeder is not None:
        outages = outages.filter(feeder=feeder)
    if state:
        outages = outages.filter(state=state)
    if cause:
        outages = outages.filter(cause=cause)
    return outages.order_by(*OUTAGE_SORTS.get(sort, OUTAGE_SORTS["started"]))


def outage_detail(outage_id: int) -> Outage | None:
    """One outage with its timeline, steps and crew."""
    return (
        Outage.objects.select_related("feeder__substation", "device", "transformer", "service_point", "crew")
        .prefetch_related(
            Prefetch("events", queryset=OutageEvent.objects.select_related("by")),
            Prefetch("steps", queryset=RestorationStep.objects.select_related("by")),
            Prefetch("work_orders", queryset=WorkOrder.objects.select_related("crew")),
        )
        .filter(pk=outage_id)
        .first()
    )


def crews_with_assignments() -> list[Crew]:
    """Crews with their active outage and open work orders attached (`current_outage`, `open_orders`)."""
    crews = list(Crew.objects.order_by("name"))
    outages = {
        outage.crew_id: outage
        for outage in Outage.objects.filter(state__in=Outage.ACTIVE_STATES, crew__isnull=False).select_related(
            "device", "transformer", "service_point", "feeder"
        )
    }
    orders: dict[int, list[WorkOrder]] = {}
    for order in WorkOrder.objects.filter(status__in=WorkOrder.OPEN_STATUSES, crew__isnull=False):
        orders.setdefault(order.crew_id, []).append(order)
    for crew in crews:
        crew.current_outage = outages.get(crew.pk)
        crew.open_orders = orders.get(crew.pk, [])
    return crews


def open_work_orders() -> QuerySet[WorkOrder]:
    """Work orders not done or cancelled, most urgent first."""
    return WorkOrder.objects.filter(status__in=WorkOrder.OPEN_STATUSES).select_related(
        "crew", "outage", "device", "transformer"
    )


def switching_log(*, device: Device | None = None) -> QuerySet[SwitchingOperation]:
    """Switching operations, newest first."""
    operations = SwitchingOperation.objects.select_related("device", "by", "outage")
    if device is not None:
        operations = operations.filter(device=device)
    return operations


@dataclass(frozen=True)
class OutageWindow:
    """When the meters behind some transformers had no supply (naive local standard time, UTC-6)."""

    start: datetime
    end: datetime
    transformer_ids: tuple[int, ...]


AMI_STANDARD_TIME = dt_timezone(timedelta(hours=-6))


def outage_windows(start: datetime, end: datetime) -> list[OutageWindow]:
    """Interruptions overlapping [start, end) (naive UTC-6, as the AMI generator keeps time) by transformer.

    An outage's window runs from its start to its last restoration step (or now while it lasts);
    service-level outages are left out (one meter, not the transformer's).
    """
    aware_start, aware_end = start.replace(tzinfo=AMI_STANDARD_TIME), end.replace(tzinfo=AMI_STANDARD_TIME)
    now = django_timezone.now()
    outages = Outage.objects.filter(started_at__lt=aware_end).exclude(state=Outage.State.CANCELLED)
    outages = outages.filter(
        Q(restored_at__gt=aware_start) | Q(restored_at__isnull=True, state__in=Outage.ACTIVE_STATES)
    )
    windows = []
    for started, restored, areas in outages.values_list("started_at", "restored_at", "areas"):
        transformers = tuple(sorted(int(key[1:]) for key in areas if key.startswith("t")))
        if transformers:
            windows.append(
                OutageWindow(
                    start=started.astimezone(AMI_STANDARD_TIME).replace(tzinfo=None),
                    end=(restored or now).astimezone(AMI_STANDARD_TIME).replace(tzinfo=None),
                    transformer_ids=transformers,
                )
            )
    return windows
