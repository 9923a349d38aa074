"""Outages API: list, detail with timeline, lifecycle transitions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from grid.api.common import request_user
from grid.models import Outage
from grid.schemas.common import ERRORS
from grid.schemas.outages import OutageDetailOut, OutageOut, TransitionIn
from grid.selectors import outages as outage_selectors
from grid.selectors.network import feeder_or_404
from grid.selectors.outages import OUTAGE_SORTS
from grid.services import outages as outage_services

router = Router(tags=["operations"])


@router.get("/outages", response={200: list[OutageOut], **ERRORS})
@paginate(LimitOffsetPagination)
def outage_list(
    request: HttpRequest,
    active: bool | None = None,
    feeder: str | None = None,
    state: str | None = None,
    cause: str | None = None,
    sort: str = "started",
) -> QuerySet[Outage]:
    """Outages: active ones unless a state is named (active=false: every state); filter by feeder code, state,
    cause; sort by started/customers/etr/feeder."""
    feeder_obj = None
    if feeder:
        feeder_obj = feeder_or_404(feeder)
    if state and state not in Outage.State.values:
        raise HttpError(400, f"Unknown state {state!r}.")
    if active and state and state not in Outage.ACTIVE_STATES:
        raise HttpError(400, f"State {state!r} is not an active state; leave out active=true to list it.")
    if active is None:
        active = not state
    if cause and cause not in Outage.Cause.values:
        raise HttpError(400, f"Unknown cause {cause!r}.")
    if sort not in OUTAGE_SORTS:
        raise HttpError(400, f"sort must be one of {', '.join(OUTAGE_SORTS)}.")
    return outage_selectors.outage_list(active=active, feeder=feeder_obj, state=state, cause=cause, sort=sort)


def _detail(outage_id: int) -> OutageDetailOut:
    outage = outage_selectors.outage_detail(outage_id)
    if outage is None:
        raise HttpError(404, f"Unknown outage {outage_id}.")
    return OutageDetailOut.model_validate(outage)


@router.get("/outages/{outage_id}", response={200: OutageDetailOut, **ERRORS})
def outage_detail(request: HttpRequest, outage_id: int) -> OutageDetailOut:
    """One outage with its steps, timeline and the actions its state allows."""
    return _detail(outage_id)


@router.post("/outages/{outage_id}/transition", response={200: OutageDetailOut, **ERRORS})
def outage_transition(request: HttpRequest, outage_id: int, payload: TransitionIn) -> OutageDetailOut:
    """Apply a state-machine action; send the `version` you read (409 if someone changed it since)."""
    outage_services.outage_transition(
        outage_id=outage_id,
        version=payload.version,
        action=payload.action,
        by=request_user(request),
        crew_id=payload.crew,
        cause=payload.cause,
        note=payload.note,
    )
    return _detail(outage_id)
