"""Meter events API: ingest a batch of AMI messages, then roll them up."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from grid.engine.meter_events import split, validate_row
from grid.schemas.common import ERRORS
from grid.schemas.meter_events import IngestOut, MeterEventsIn
from grid.services import meter_events as meter_event_services

router = Router(tags=["operations"])


@router.post("/meter-events", response={200: IngestOut, **ERRORS})
def meter_events_ingest(request: HttpRequest, payload: MeterEventsIn) -> IngestOut:
    """Ingest a batch of power_off / power_on messages; bad rows are reported by index, good rows kept."""
    from fluxops.roles import OPERATOR, has_role

    if not has_role(request.user, OPERATOR):
        raise HttpError(403, "Only operators, admins and integrations with that role may send meter events.")
    events, errors = split(validate_row(index, row) for index, row in enumerate(payload.events))
    result = meter_event_services.meter_events_ingest(events=events, errors=errors)
    return IngestOut.model_validate(result)
