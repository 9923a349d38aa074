"""Reads of the field force: crews with their current assignments."""

from __future__ import annotations

from grid.models import (
    Crew,
    Outage,
    WorkOrder,
)


def crews_with_assignments() -> list[Crew]:
    """Crews with their active outage and open work orders attached (`current_outage`, `open_orders`)."""
    crews = list(Crew.objects.order_by("name"))
    outages = {
        outage.crew_id: outage
        for outage in Outage.objects.active()
        .filter(crew__isnull=False)
        .select_related("device", "transformer", "service_point", "feeder")
    }
    orders: dict[int, list[WorkOrder]] = {}
    for order in WorkOrder.objects.open().filter(crew__isnull=False):
        if order.crew_id is not None:
            orders.setdefault(order.crew_id, []).append(order)
    for crew in crews:
        crew.current_outage = outages.get(crew.pk)
        crew.open_orders = orders.get(crew.pk, [])
    return crews
