"""Reliability API: IEEE 1366 indices for any scope and period, feeder ranking, KPI snapshot.

No `from __future__ import annotations` here: ninja must resolve the `date` query parameters."""

from dataclasses import asdict
from datetime import date, datetime, time

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from grid.models import Crew, Feeder, Substation
from grid.schemas.common import ErrorOut
from grid.schemas.reliability import FeederRankOut, KpiOut, ReportOut
from grid.selectors.dashboard import active_outage_figures
from grid.selectors.network import feeder_or_404
from grid.selectors.reliability import Period, Report, local_tz, period_for, reliability_overview, reliability_report

router = Router(tags=["reliability"])


ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: dict}


def _period(period: str, year: int | None, start: date | None, end: date | None) -> Period:
    try:
        return period_for(period, today=timezone.localdate(), year=year, first=start, last=end)
    except ValueError as exc:
        raise HttpError(400, str(exc).capitalize() + ".") from None


def _report_out(report: Report) -> dict:
    return {
        "scope": report.scope,
        "period": {"first": report.period.first, "last": report.period.last, "label": report.period.label},
        "customers_served": report.customers_served,
        "all_days": asdict(report.all_days),
        "excluding_med": asdict(report.excluding_med),
        "med_days": report.med_days,
        "med_thresholds": report.thresholds,
    }


@router.get("/indices", response={200: ReportOut, **ERRORS})
def reliability_indices(
    request: HttpRequest,
    period: str = "ytd",
    year: int | None = None,
    start: date | None = None,
    end: date | None = None,
    feeder: str | None = None,
    substation: str | None = None,
) -> dict:
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
    return _report_out(report)


@router.get("/feeders", response={200: list[FeederRankOut], **ERRORS})
@paginate(LimitOffsetPagination)
def feeder_ranking(
    request: HttpRequest,
    period: str = "ytd",
    year: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[dict]:
    """Feeders by SAIDI excluding major event days, worst first, with every index on all days and without MEDs."""
    overview = reliability_overview(_period(period, year, start, end))
    substations = dict(Feeder.objects.values_list("pk", "substation__code"))
    return [
        {
            "feeder": figures.feeder.code,
            "substation": substations[figures.feeder.pk],
            "customers_served": figures.customers_served,
            "saidi": figures.saidi,
            "saifi": figures.saifi,
            "caidi": figures.caidi,
            "saidi_all_days": figures.saidi_all_days,
            "all_days": figures.all_days,
            "excluding_med": figures.excluding_med,
        }
        for figures in overview.feeders
    ]


@router.get("/kpis", response={200: KpiOut, **ERRORS})
def kpi_snapshot(request: HttpRequest) -> dict:
    """The dashboard's figures in one object."""
    tz = local_tz()
    today = timezone.now().astimezone(tz).date()
    ytd = period_for("ytd", today=today)
    this_year = reliability_report(ytd)
    last_year = reliability_report(ytd.same_period_last_year())
    outages = active_outage_figures(today_start=datetime.combine(today, time(0), tzinfo=tz))
    crews = Crew.objects
    return {
        "active_outages": outages.active_outages,
        "customers_out": outages.customers_out,
        "customers_restored_today": outages.customers_restored_today,
        "crews_available": crews.filter(status=Crew.Status.AVAILABLE).count(),
        "crews_assigned": crews.busy().count(),
        "saidi_ytd": this_year.all_days.saidi,
        "saifi_ytd": this_year.all_days.saifi,
        "caidi_ytd": this_year.all_days.caidi,
        "saidi_ytd_excluding_med": this_year.excluding_med.saidi,
        "saifi_ytd_excluding_med": this_year.excluding_med.saifi,
        "caidi_ytd_excluding_med": this_year.excluding_med.caidi,
        "saidi_same_period_last_year": last_year.all_days.saidi,
        "med_days_this_year": len(this_year.med_days),
    }
