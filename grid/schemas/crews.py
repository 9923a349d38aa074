"""API schemas for crews."""

from __future__ import annotations

from ninja import Schema

from grid.models import Crew


# A crew from `crews_with_assignments`, which attaches the outage it works (`current_outage`).
class CrewOut(Schema):
    id: int
    name: str
    members: int
    status: str
    depot: str
    outage: int | None

    @staticmethod
    def resolve_outage(crew: Crew) -> int | None:
        outage = getattr(crew, "current_outage", None)
        return outage.pk if outage is not None else None
