"""Reads behind the dashboard cards: daily SAIDI with MED days, and figures of the active outages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Sum

from grid.models import Outage, RestorationStep
from grid.selectors.reliability import Period, customers_served, daily_customer_minutes, major_event_days


def daily_saidi_with_meds(period: Period) -> tuple[list[tuple[date, float, bool]], dict[int, float | None]]:
    """(day, SAIDI, is MED) for every day of `period` (zero days included) and the thresholds."""
    served = customers_served()
    if not served:
        return [], {}
    days, thresholds = major_event_days(period, served=served)
    daily = daily_customer_minutes(period.first, period.last)
    series = []
    day = period.first
    while day <= period.last:
        series.append((day, daily.get(day, 0.0) / served, day in days))
        day += timedelta(days=1)
    return series, thresholds


@dataclass(frozen=True)
class OutageFigures:
    """The live outage figures of the dashboard and the KPI snapshot."""

    active_outages: int
    customers_out: int
    customers_restored_today: int


def active_outage_figures(*, today_start: datetime) -> OutageFigures:
    """Active outages, customers out now, customers restored today."""
    active = Outage.objects.active()
    affected = active.aggregate(total=Sum("customers_affected"))["total"] or 0
    restored_of_active = (
        RestorationStep.objects.filter(outage__state__in=Outage.ACTIVE_STATES).aggregate(
            total=Sum("customers_restored")
        )["total"]
        or 0
    )
    restored_today = (
        RestorationStep.objects.filter(at__gte=today_start).aggregate(total=Sum("customers_restored"))["total"] or 0
    )
    return OutageFigures(
        active_outages=active.count(),
        customers_out=affected - restored_of_active,
        customers_restored_today=restored_today,
    )
