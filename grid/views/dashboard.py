"""The operations dashboard (landing page) with its live cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from fluxops.charts import ChartSpec
from fluxops.htmx import htmx_partial, render_page_or_partial
from grid.models import Crew
from grid.selectors.dashboard import OutageFigures, active_outage_figures, daily_saidi_with_meds
from grid.selectors.reliability import (
    FeederFigures,
    Period,
    Report,
    local_tz,
    period_for,
    reliability_overview,
    reliability_report,
)
from grid.views.charts import daily_saidi_chart

CARDS = ("outages", "crews", "reliability", "feeders", "chart")


WORST_FEEDERS = 10


def _change(now: float, before: float) -> float | None:
    """Relative change against last year, None when last year was zero."""
    return None if not before else (now - before) / before * 100


@dataclass(frozen=True)
class CrewCard:
    """Crews free, busy (assigned, en route or on site) and off shift."""

    available: int
    busy: int
    off_shift: int


@dataclass(frozen=True)
class IndexRow:
    """One index of the reliability card: this year, last year and the change, with and without MED days."""

    name: str
    all: float
    all_last: float
    all_change: float | None
    ex: float
    ex_last: float
    ex_change: float | None


@dataclass(frozen=True)
class ReliabilityCard:
    """Year-to-date SAIDI, SAIFI and CAIDI against the same period last year."""

    report: Report
    rows: list[IndexRow]
    med_count: int


@dataclass(frozen=True)
class FeedersCard:
    """The feeders with the worst year-to-date SAIDI."""

    worst: list[FeederFigures]
    period: Period


@dataclass(frozen=True)
class ChartCard:
    """The daily SAIDI chart of the last twelve months and its number of MED days."""

    spec: ChartSpec
    med_total: int


Card = OutageFigures | CrewCard | ReliabilityCard | FeedersCard | ChartCard


def _card_context(card: str) -> Card:
    tz = local_tz()
    now = timezone.now()
    today = now.astimezone(tz).date()
    if card == "outages":
        return active_outage_figures(today_start=datetime.combine(today, time(0), tzinfo=tz))
    if card == "crews":
        counts = dict(Crew.objects.values_list("status").annotate(n=Count("id")).order_by())
        busy = sum(counts.get(s, 0) for s in Crew.BUSY_STATUSES)
        return CrewCard(
            available=counts.get(Crew.Status.AVAILABLE, 0),
            busy=busy,
            off_shift=counts.get(Crew.Status.OFF_SHIFT, 0),
        )
    ytd = period_for("ytd", today=today)
    if card == "reliability":
        this_year = reliability_report(ytd)
        last_year = reliability_report(ytd.same_period_last_year())
        rows = []
        for name in ("saidi", "saifi", "caidi"):
            a, b = getattr(this_year.all_days, name), getattr(last_year.all_days, name)
            x, y = getattr(this_year.excluding_med, name), getattr(last_year.excluding_med, name)
            rows.append(
                IndexRow(
                    name=name.upper(),
                    all=a,
                    all_last=b,
                    all_change=_change(a, b),
                    ex=x,
                    ex_last=y,
                    ex_change=_change(x, y),
                )
            )
        return ReliabilityCard(report=this_year, rows=rows, med_count=len(this_year.med_days))
    if card == "feeders":
        overview = reliability_overview(ytd)
        return FeedersCard(worst=overview.feeders[:WORST_FEEDERS], period=ytd)
    if card == "chart":
        series, thresholds = daily_saidi_with_meds(period_for("last12", today=today))
        return ChartCard(spec=daily_saidi_chart(series, thresholds), med_total=sum(1 for *_, med in series if med))
    raise Http404("Unknown card.")


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """KPI cards computed from data; each card is also its own partial (`?card=name`) for live refresh."""
    card = request.GET.get("card")
    if htmx_partial(request) and card:
        if card not in CARDS:
            raise Http404("Unknown card.")
        return render_page_or_partial(request, "grid/dashboard.html", f"card-{card}", {card: _card_context(card)})
    return render_page_or_partial(
        request, "grid/dashboard.html", "card-outages", {name: _card_context(name) for name in CARDS}
    )
