"""Reliability API: IEEE 1366 indices for any scope and period, feeder ranking, KPI snapshot.

No `from __future__ import annotations` here: ninja must resolve the `date` query parameters."""

from datetime import date, datetime, time

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from grid.models import Crew, Substation
from grid.schemas.common import ErrorOut
from grid.schemas.reliability import FeederRankOut, KpiOut, KpiSources, ReportOut
from grid.selectors.dashboard import active_outage_figures
from grid.selectors.network import feeder_or_404
from grid.selectors.reliability import (
    FeederFigures,
    Period,
    local_tz,
    period_for,
    reliability_overview,
    reliability_report,
)

router = Router(tags=["reliability"])


ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: dict}


def _period(period: str, year: int | None, start: date | None, end: date | None) -> Period:
    try:
        return period_for(period, today=timezone.localdate(), year=year, first=start, last=end)
    except ValueError as exc:
        raise HttpError(400, str(exc).capitalize() + ".") from None


@router.get("/indices", response={200: ReportOut, **ERRORS})
def reliability_indices(
    request: HttpRequest,
    period: str = "ytd",
    year: int | None = None,
    start: date | None = None,
    end: date | None = None,
    feeder: str | None = None,
    substation: str | None = None,
) -> ReportOut:
    """Indices with and without major event days for the system, a substation or a feeder.

    period: ytd, last12, year (with `year`) or custom (with `start` and `end`, ISO dates).
    """
    if feeder and substation:
        raise HttpError(400, "Give a feeder or a substation, not both.")
    feeder_obj = substation_obj = None
    if feeder:
        feeder_obj = feeder_or_404(feeder)
    if substation:
        substation_obj = Substation.objects.by_code(substation).first()
        if substation_obj is None:
            raise HttpError(404, f"Unknown substation {substation!r}.")
    report = reliability_report(_period(period, year, start, end), feeder=feeder_obj, substation=substation_obj)
    return ReportOut.model_validate(report)


@router.get("/feeders", response={200: list[FeederRankOut], **ERRORS})
@paginate(LimitOffsetPagination)
def feeder_ranking(
    request: HttpRequest,
    period: str = "ytd",
    year: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[FeederFigures]:
    """Feeders by SAIDI excluding major event days, worst first, with every index on all days and without MEDs."""
    figures = reliability_overview(_period(period, year, start, end)).feeders
    prefetch_related_objects([f.feeder for f in figures], "substation")
    return figures


@router.get("/kpis", response={200: KpiOut, **ERRORS})
def kpi_snapshot(request: HttpRequest) -> KpiOut:
    """The dashboard's figures in one object."""
    tz = local_tz()
    today = timezone.now().astimezone(tz).date()
    ytd = period_for("ytd", today=today)
    crews = Crew.objects
    sources = KpiSources(
        this_year=reliability_report(ytd),
        last_year=reliability_report(ytd.same_period_last_year()),
        outages=active_outage_figures(today_start=datetime.combine(today, time(0), tzinfo=tz)),
        crews_available=crews.filter(status=Crew.Status.AVAILABLE).count(),
        crews_assigned=crews.busy().count(),
    )
    return KpiOut.model_validate(sources)
