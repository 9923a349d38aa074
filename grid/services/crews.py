"""Crews: the field force, seeded at depots beside the substations."""

from __future__ import annotations

import random

from django.contrib.auth.models import User
from django.db import transaction

from grid.models import Crew, Substation
from grid.services.errors import ServiceError
from grid.services.outages import _require_operator

CREW_NAMES = ("Line", "Trouble", "Storm", "Underground", "Substation", "Tree")


@transaction.atomic
def crews_seed(*, count: int = 12, seed: int = 1) -> int:
    """Create `count` crews at depots spread over the substations; does nothing if crews exist."""
    if Crew.objects.exists():
        return 0
    stations = list(Substation.objects.order_by("code")[: max(1, count // 2)])
    if not stations:
        return 0
    rng = random.Random(seed)
    crews = []
    for number in range(count):
        depot = stations[number % len(stations)]
        crews.append(
            Crew(
                name=f"{CREW_NAMES[number % len(CREW_NAMES)]} {number + 1:02d}",
                members=rng.choice((2, 2, 3, 4)),
                depot=f"{depot.name} depot",
                depot_lon=depot.lon,
                depot_lat=depot.lat,
                status=Crew.Status.OFF_SHIFT if number % 6 == 5 else Crew.Status.AVAILABLE,
            )
        )
    Crew.objects.bulk_create(crews)
    return len(crews)


@transaction.atomic
def crew_set_status(*, crew_id: int, status: str, by: User) -> Crew:
    """Put a crew on or off shift (assignment states follow their outage)."""
    _require_operator(by)
    crew = Crew.objects.select_for_update().filter(pk=crew_id).first()
    if crew is None:
        raise ServiceError(f"Unknown crew {crew_id}.")
    if status not in (Crew.Status.AVAILABLE, Crew.Status.OFF_SHIFT):
        raise ServiceError("A crew can only be put on shift (available) or off shift here.")
    if crew.status not in (Crew.Status.AVAILABLE, Crew.Status.OFF_SHIFT):
        raise ServiceError(f"{crew} is {crew.get_status_display().lower()}; finish its outage first.")
    crew.status = status
    crew.save(update_fields=["status"])
    return crew
