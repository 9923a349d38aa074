"""Writing what the reliability sums read besides the outage row: the areas of sustained interruptions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from grid.constants import SERVICE_AREA, TRANSFORMER_AREA, area_key, parse_area_key
from grid.engine.reliability import SUSTAINED_MINUTES
from grid.models import Outage, OutageArea, ServicePoint


def _start_day(outage: Outage) -> date:
    """The outage's local start day (every write of an outage sets it)."""
    assert outage.start_day is not None
    return outage.start_day


def outage_areas_record(*, outages: Iterable[Outage]) -> int:
    """One `OutageArea` per area of each restored, sustained outage (saved, with start day); returns the rows.

    A service point's area records the transformer area it lies in (`within`).
    """
    sustained = [
        outage
        for outage in outages
        # The same test as the sums' `duration_minutes > SUSTAINED_MINUTES` filter.
        if outage.duration_minutes is not None and outage.duration_minutes > SUSTAINED_MINUTES
    ]
    points = {pk for outage in sustained for kind, pk in map(parse_area_key, outage.areas) if kind == SERVICE_AREA}
    transformer_of = dict(ServicePoint.objects.filter(pk__in=points).values_list("pk", "transformer_id"))
    rows = []
    for outage in sustained:
        for area, n in outage.areas.items():
            kind, pk = parse_area_key(area)
            within = area_key(TRANSFORMER_AREA, transformer_of[pk]) if kind == SERVICE_AREA else ""
            rows.append(
                OutageArea(
                    outage=outage,
                    feeder_id=outage.feeder_id,
                    start_day=_start_day(outage),
                    area=area,
                    within=within,
                    customers=n,
                )
            )
    OutageArea.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
