"""Crews API: the field force and its assignments."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from grid.models import Crew
from grid.schemas.common import ERRORS
from grid.schemas.crews import CrewOut
from grid.selectors.crews import crews_with_assignments

router = Router(tags=["operations"])


@router.get("/crews", response={200: list[CrewOut], **ERRORS})
def crew_list(request: HttpRequest) -> list[Crew]:
    """Crews with their status and current outage."""
    return crews_with_assignments()
