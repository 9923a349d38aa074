"""Reads of outages: the board, one outage, the node an outage sits at, the areas of active outages, AMI gap windows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import TYPE_CHECKING, TypedDict

import numpy as np
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.utils import timezone as django_timezone

from grid import network_cache
from grid.constants import TRANSFORMER_AREA, parse_area_key
from grid.engine.arrays import BoolArray, IntArray
from grid.engine.topology import Energization
from grid.models import (
    Feeder,
    Outage,
    OutageEvent,
    RestorationStep,
    WorkOrder,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from grid.models.operations import OutageQuerySet

OUTAGE_SORTS = {
    "started": ("-started_at", "-id"),
    "customers": ("-customers_affected", "-started_at"),
    "etr": ("etr", "-started_at"),
    "feeder": ("feeder__code", "-started_at"),
}

# When supply came back; a cancelled outage (never restored) counts from its start.
_ENDED = Coalesce("restored_at", "started_at")

# The board's two views and the states each lists: restored outages are in both, since they still need
# closing (active) and their supply is back (history).
ACTIVE_VIEW, HISTORY_VIEW = "active", "history"
BOARD_VIEWS: dict[str, tuple[str, ...]] = {ACTIVE_VIEW: Outage.OPEN_STATES, HISTORY_VIEW: Outage.HISTORY_STATES}
BOARD_SORTS: dict[str, tuple[str | OrderBy, ...]] = {**OUTAGE_SORTS, "restored": (_ENDED.desc(), "-id")}
BOARD_DEFAULT_SORTS = {ACTIVE_VIEW: "started", HISTORY_VIEW: "restored"}


class RestoredAnnotation(TypedDict):
    """What `outage_list` and `outage_board_list` annotate on each outage: customers restored so far."""

    restored: int


# An outage from `outage_list` or `outage_board_list`.
type ListedOutage = WithAnnotations[Outage, RestoredAnnotation]


def _outage_rows() -> OutageQuerySet[ListedOutage]:
    """Outages with everything a row shows selected up front, and `restored` (customers back) annotated."""
    return Outage.objects.select_related(
        "feeder__substation", "device", "transformer", "service_point", "crew"
    ).annotate(restored=Coalesce(Sum("steps__customers_restored"), 0))


def _filtered(
    outages: OutageQuerySet[ListedOutage], *, feeder: Feeder | None, state: str | None, cause: str | None
) -> OutageQuerySet[ListedOutage]:
    """The board's and the API's filters: feeder, state, cause (each optional)."""
    if feeder is not None:
        outages = outages.filter(feeder=feeder)
    if state:
        outages = outages.filter(state=state)
    if cause:
        outages = outages.filter(cause=cause)
    return outages


def outage_list(
    *,
    active: bool = True,
    feeder: Feeder | None = None,
    state: str | None = None,
    cause: str | None = None,
    sort: str = "started",
) -> QuerySet[Outage, ListedOutage]:
    """Outages for the API, with everything a row shows selected up front."""
    outages = _outage_rows()
    if active:
        outages = outages.active()
    outages = _filtered(outages, feeder=feeder, state=state, cause=cause)
    return outages.order_by(*OUTAGE_SORTS.get(sort, OUTAGE_SORTS["started"]))


def outage_board_list(
    *,
    view: str = ACTIVE_VIEW,
    feeder: Feeder | None = None,
    state: str | None = None,
    cause: str | None = None,
    sort: str | None = None,
    ended_since: datetime | None = None,
) -> OutageQuerySet[ListedOutage]:
    """Outages of one board view (`BOARD_VIEWS`), filtered; history back to `ended_since` (restored, or started)."""
    outages = _outage_rows().filter(state__in=BOARD_VIEWS[view])
    if view == HISTORY_VIEW and ended_since is not None:
        # Two index-friendly halves of `_ENDED >= ended_since`.
        outages = outages.filter(
            Q(restored_at__gte=ended_since) | Q(restored_at__isnull=True, started_at__gte=ended_since)
        )
    outages = _filtered(outages, feeder=feeder, state=state, cause=cause)
    return outages.order_by(*BOARD_SORTS[sort or BOARD_DEFAULT_SORTS[view]])


@dataclass(frozen=True)
class OutageBoardRow:
    """One outage on the board, with the figures it shows beyond the model's own fields."""

    outage: ListedOutage
    customers_out: int
    # Whole minutes without supply: so far while active, in all once restored; None for a cancelled outage.
    duration_minutes: int | None


def outage_minutes_out(outage: Outage, *, now: datetime) -> int | None:
    """Whole minutes without supply: up to `now` while active, in all once restored; None when cancelled."""
    if outage.is_active:
        return int((now - outage.started_at).total_seconds() // 60)
    if outage.duration_minutes is not None:  # from the restoration steps
        return round(outage.duration_minutes)
    if outage.restored_at is not None:
        return int((outage.restored_at - outage.started_at).total_seconds() // 60)
    return None  # cancelled: no interruption was confirmed


def outage_board_rows(outages: Iterable[ListedOutage], *, now: datetime) -> list[OutageBoardRow]:
    """Board rows for outages from `outage_board_list` (which annotates `restored`), timed up to `now`."""
    return [
        OutageBoardRow(
            outage=outage,
            customers_out=outage.customers_affected - outage.restored,
            duration_minutes=outage_minutes_out(outage, now=now),
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
        transformers = tuple(sorted(pk for kind, pk in map(parse_area_key, areas) if kind == TRANSFORMER_AREA))
        if transformers:
            windows.append(
                OutageWindow(
                    start=started.astimezone(AMI_STANDARD_TIME).replace(tzinfo=None),
                    end=(restored or now).astimezone(AMI_STANDARD_TIME).replace(tzinfo=None),
                    transformer_ids=transformers,
                )
            )
    return windows


@dataclass(frozen=True)
class CoveredArea:
    """Node and segment indexes an outage covers."""

    nodes: IntArray
    segments: IntArray


def outage_area(outage: Outage, live: Energization) -> CoveredArea | None:
    """What an outage covers: the live tree (or dead island) below its device, else its transformer's node."""
    topology = live.topology
    node = outage_location_node(outage, live)
    if node is None:
        return None
    if outage.device_id:
        segment = int(topology.arrays.device_segment[topology.device_index[outage.device_id]])
        if segment >= 0:
            below = live.downstream(segment)
            return CoveredArea(nodes=below.nodes, segments=below.segments)
    return CoveredArea(nodes=np.array([node]), segments=np.array([], dtype=np.int64))


def _active_outage_areas() -> list[tuple[Outage, IntArray, IntArray]]:
    """Active outages with the node and segment indexes they cover (below a device, or a transformer's node)."""

    outages = list(
        Outage.objects.active().select_related("device", "transformer", "service_point__transformer", "feeder")
    )
    if not outages:
        return []
    live = network_cache.current_energization()
    areas = []
    for outage in outages:
        area = outage_area(outage, live)
        if area is not None:
            areas.append((outage, area.nodes, area.segments))
    return areas


def active_outage_segment_mask() -> BoolArray | None:
    """Bool per segment (segment id order) inside an active outage, for the map; None when there is none."""
    areas = _active_outage_areas()
    if not areas:
        return None
    mask = np.zeros(network_cache.current_topology().arrays.segment_count, dtype=bool)
    for _, _, segments in areas:
        mask[segments] = True
    return mask


def outage_location_node(outage: Outage, live: Energization) -> int | None:
    """Node index where the outage sits: below its device (in `live`), or its transformer's node."""
    topology = live.topology
    if outage.device_id:
        index = topology.device_index.get(outage.device_id)
        if index is None:
            return None
        segment = int(topology.arrays.device_segment[index])
        if segment < 0:
            return int(topology.arrays.device_node[index])
        return live.downstream_node(segment)
    if outage.transformer is not None:
        return topology.arrays.node_index(outage.transformer.node_id)
    assert outage.service_point is not None  # the outage_has_a_location constraint
    return topology.arrays.node_index(outage.service_point.transformer.node_id)


def customers_restored_total(outage: Outage) -> int:
    """Customers already restored by the outage's steps."""
    return outage.steps.aggregate(total=Sum("customers_restored"))["total"] or 0
