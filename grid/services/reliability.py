"""Writing what the reliability sums read besides the outage row: the areas of sustained interruptions."""

from __future__ import annotations

from collections.abc import Iterable

from grid.engine.reliability import SUSTAINED_MINUTES
from grid.models import Outage, OutageArea


def outage_areas_record(*, outages: Iterable[Outage]) -> int:
    """One `OutageArea` per area of each restored, sustained outage (saved, with start day); returns the rows."""
    rows = [
        OutageArea(outage=outage, feeder_id=outage.feeder_id, start_day=outage.start_day, area=area, customers=n)
        for outage in outages
        # The same test as the sums' `duration_minutes > SUSTAINED_MINUTES` filter.
        if outage.duration_minutes is not None and outage.duration_minutes > SUSTAINED_MINUTES
        for area, n in outage.areas.items()
    ]
    OutageArea.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
