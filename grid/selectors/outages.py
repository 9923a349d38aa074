"""Reads of outages: the board, one outage, the node an outage sits at, the areas of active outages, AMI gap windows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import numpy as np
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone as django_timezone

from grid import network_cache
from grid.engine.topology import Topology
from grid.models import (
    Feeder,
    Outage,
    OutageEvent,
    RestorationStep,
    WorkOrder,
)

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


@dataclass(frozen=True)
class OutageBoardRow:
    """One outage on the board, with the figures it shows beyond the model's own fields."""

    outage: Outage
    customers_out: int
    elapsed_minutes: int  # whole minutes since it started


def outage_board_rows(outages: Iterable[Outage], *, now: datetime) -> list[OutageBoardRow]:
    """Board rows for outages from `outage_list` (which annotates `restored`), timed up to `now`."""
    return [
        OutageBoardRow(
            outage=outage,
            customers_out=outage.customers_affected - outage.restored,
            elapsed_minutes=int((now - outage.started_at).total_seconds() // 60),
        )
        for outage in outages
    ]


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


def _active_outage_areas() -> list[tuple[Outage, np.ndarray, np.ndarray]]:
    """Active outages with the node and segment indexes they cover (below a device, or a transformer's node)."""
    from grid.selectors.outages import outage_location_node

    outages = list(
        Outage.objects.filter(state__in=Outage.ACTIVE_STATES).select_related(
            "device", "transformer", "service_point__transformer", "feeder"
        )
    )
    if not outages:
        return []
    live = network_cache.current_energization()
    topology = live.topology
    areas = []
    for outage in outages:
        node = outage_location_node(outage, topology)
        if node is None:
            continue
        if outage.device_id:
            segment = int(topology.arrays.device_segment[topology.device_index[outage.device_id]])
            below = live.downstream(segment) if segment >= 0 else None
            nodes = below.nodes if below else np.array([node])
            segments = below.segments if below else np.array([], dtype=np.int64)
        else:
            nodes, segments = np.array([node]), np.array([], dtype=np.int64)
        areas.append((outage, nodes, segments))
    return areas


def active_outage_segment_mask() -> np.ndarray | None:
    """Bool per segment (segment id order) inside an active outage, for the map; None when there is none."""
    areas = _active_outage_areas()
    if not areas:
        return None
    mask = np.zeros(network_cache.current_topology().arrays.segment_count, dtype=bool)
    for _, _, segments in areas:
        mask[segments] = True
    return mask


def outage_location_node(outage: Outage, topology: Topology) -> int | None:
    """Node index where the outage sits: below its device, or its transformer's node."""
    if outage.device_id:
        index = topology.device_index.get(outage.device_id)
        if index is None:
            return None
        segment = int(topology.arrays.device_segment[index])
        if segment < 0:
            return int(topology.arrays.device_node[index])
        return network_cache.current_energization().downstream_node(segment)
    if outage.transformer_id:
        return topology.arrays.node_index(outage.transformer.node_id)
    return topology.arrays.node_index(outage.service_point.transformer.node_id)
