"""Analytics API: the figures of the analytics panels as JSON.

Result sizes are bounded by the period limit (at most 31 days) and the queries' own limits, so these
operations return whole results. A query still running after the wait answers 202 (retry later);
an unavailable warehouse answers 503; both with `{"detail": ...}`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Query, Router
from ninja.errors import HttpError

from analytics import panels, queries
from analytics.schemas import (
    ErrorOut,
    FeederLoadOut,
    StatusOut,
    SystemLoadOut,
    TransformerLoadingOut,
    VoltageComplianceOut,
    VoltageExcursionsOut,
)
from analytics.warehouse import WarehouseError
from grid.selectors.network import feeder_or_404

router = Router(tags=["analytics"])

Days = Annotated[int, Query(ge=1, le=panels.MAX_DAYS, description="number of days")]
COMMON = {202: ErrorOut, 401: ErrorOut, 422: dict, 503: ErrorOut}


def _outcome(call: Callable[..., panels.Outcome], **kwargs: Any) -> panels.Outcome:
    try:
        outcome = call(wait=settings.ANALYTICS_SYNC_WAIT, **kwargs)
    except WarehouseError as exc:
        raise HttpError(503, exc.message) from None
    if outcome.pending:
        raise HttpError(202, "The query is still running; retry shortly.")
    return outcome


@router.get("/status", response={200: StatusOut, 401: ErrorOut, 503: ErrorOut})
def status(request: HttpRequest) -> StatusOut:
    """What the warehouse holds: data version and the days covered."""
    try:
        found = queries.data_status()
    except WarehouseError as exc:
        raise HttpError(503, exc.message) from None
    return StatusOut.model_validate(found)


@router.get("/feeders/{code}/load-profile", response={200: FeederLoadOut, 404: ErrorOut, **COMMON})
def feeder_load_profile(request: HttpRequest, code: str, start: dt.date | None = None, days: Days = 7) -> FeederLoadOut:
    """Hourly load of a feeder by customer class (average and 15-minute peak kW), with its peak hour."""
    feeder = feeder_or_404(code.strip())
    outcome = _outcome(panels.feeder_load, feeder=feeder, start=start, days=days)
    return FeederLoadOut.model_validate(outcome)


@router.get("/transformers/loading", response={200: TransformerLoadingOut, 404: ErrorOut, **COMMON})
def transformer_loading(
    request: HttpRequest, feeder: str | None = None, start: dt.date | None = None, days: Days = 7
) -> TransformerLoadingOut:
    """Transformers ranked by peak loading (top 200), with hours above 100% and 120% of rating."""
    outcome = _outcome(
        panels.transformer_loading, feeder=feeder_or_404(feeder.strip()) if feeder else None, start=start, days=days
    )
    return TransformerLoadingOut.model_validate(outcome)


@router.get("/voltage-compliance", response={200: VoltageComplianceOut, **COMMON})
def voltage_compliance(request: HttpRequest, start: dt.date | None = None, days: Days = 7) -> VoltageComplianceOut:
    """Meters and transformers with ANSI C84.1 Range A/B excursions, per feeder."""
    outcome = _outcome(panels.voltage_compliance, feeder=None, start=start, days=days)
    return VoltageComplianceOut.model_validate(outcome)


@router.get("/feeders/{code}/voltage-excursions", response={200: VoltageExcursionsOut, 404: ErrorOut, **COMMON})
def voltage_excursions(
    request: HttpRequest, code: str, start: dt.date | None = None, days: Days = 7
) -> VoltageExcursionsOut:
    """The meters of a feeder with Range A/B excursions, worst first (top 200)."""
    feeder = feeder_or_404(code.strip())
    outcome = _outcome(panels.voltage_compliance, feeder=feeder, start=start, days=days)
    return VoltageExcursionsOut.model_validate(outcome)


@router.get("/system-load", response={200: SystemLoadOut, **COMMON})
def system_load(request: HttpRequest, day: dt.date | None = None) -> SystemLoadOut:
    """System MW by hour of a day (default: the last day held) against the same weekday a week before."""
    outcome = _outcome(panels.system_load, day=day)
    return SystemLoadOut.model_validate(outcome)
