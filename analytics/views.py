"""Analytics pages: a page that renders from the operational database alone, and panels loaded lazily.

Each panel URL serves a standalone page (full navigation) or the panel's figures (htmx request). A
panel answers within the panel wait: with its figures, a "still computing" fragment that polls, or
a clear message when the warehouse is unavailable.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from analytics import charts, panels
from analytics.forms import PanelForm
from analytics.warehouse import WarehouseError
from fluxops.charts import ChartSpec
from fluxops.htmx import htmx_partial
from grid.models import Feeder

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass(frozen=True)
class PanelInfo:
    """A panel: title, what it computes and how to chart it."""

    slug: str
    title: str
    run: Callable[[PanelForm, float | None], panels.Outcome]
    chart: Callable[[panels.Outcome], ChartSpec]
    template: str


def _default_feeder(form: PanelForm) -> Feeder | None:
    return form.cleaned_data.get("feeder") or Feeder.objects.order_by("code").first()


class _PeriodArgs(TypedDict):
    start: dt.date | None
    days: int


def _period_args(form: PanelForm) -> _PeriodArgs:
    return {"start": form.cleaned_data.get("start"), "days": form.cleaned_data.get("days") or panels.DEFAULT_DAYS}


def _system_load_chart(outcome: panels.Outcome) -> ChartSpec:
    day, before = outcome.extra.day, outcome.extra.week_before
    assert day is not None and before is not None, "the system load panel names its day and the week before"
    return charts.system_load(outcome.rows, day, before)


def _feeder_load(form: PanelForm, wait: float | None) -> panels.Outcome:
    feeder = _default_feeder(form)
    assert feeder is not None  # the default feeder comes from the seeded network
    return panels.feeder_load(feeder=feeder, wait=wait, **_period_args(form))


PANELS: dict[str, PanelInfo] = {
    info.slug: info
    for info in (
        PanelInfo(
            "feeder-load",
            "Feeder load profile",
            _feeder_load,
            lambda o: charts.feeder_load(o.rows, o.extra.peak_hour, o.extra.peak_kw),
            "analytics/partials/feeder_load.html",
        ),
        PanelInfo(
            "transformer-loading",
            "Transformer loading",
            lambda form, wait: panels.transformer_loading(
                feeder=form.cleaned_data.get("feeder"), wait=wait, **_period_args(form)
            ),
            lambda o: charts.transformer_loading(o.rows),
            "analytics/partials/transformer_loading.html",
        ),
        PanelInfo(
            "voltage-compliance",
            "Voltage compliance (ANSI C84.1)",
            lambda form, wait: panels.voltage_compliance(
                feeder=form.cleaned_data.get("feeder"), wait=wait, **_period_args(form)
            ),
            lambda o: charts.voltage_compliance(o.rows),
            "analytics/partials/voltage_compliance.html",
        ),
        PanelInfo(
            "system-load",
            "System load",
            lambda form, wait: panels.system_load(day=form.cleaned_data.get("day"), wait=wait),
            _system_load_chart,
            "analytics/partials/system_load.html",
        ),
    )
}


def _bad_request(request: HttpRequest, form: PanelForm) -> HttpResponse:
    response = render(request, "analytics/partials/bad_request.html", {"form": form}, status=400)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The analytics page: filters and lazy panels; renders without touching the warehouse."""
    form = PanelForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "analytics/index.html", {"form": form, "panels": []}, status=400)
    query = request.GET.urlencode()
    return render(request, "analytics/index.html", {"form": form, "panels": list(PANELS.values()), "query": query})


@require_GET
@login_required
def panel(request: HttpRequest, slug: str) -> HttpResponse:
    """One panel: a standalone page on navigation, its figures for htmx (within the panel wait)."""
    info = PANELS.get(slug)
    if info is None:
        raise Http404("Unknown analytics panel.")
    form = PanelForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form)
    context: dict[str, object] = {"panel": info, "form": form, "query": request.GET.urlencode()}
    if not htmx_partial(request):
        response = render(request, "analytics/panel.html", context)
    else:
        try:
            outcome = info.run(form, None)
            context["outcome"] = outcome
            if not outcome.pending:
                context["spec"] = info.chart(outcome)
        except WarehouseError as exc:
            context["unavailable"] = exc.message
        context["poll_seconds"] = settings.ANALYTICS_POLL_SECONDS
        response = render(request, "analytics/panel.html#panel-body", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


CSV_TABLES: dict[str, tuple[str, Callable[[panels.Outcome], Sequence[DataclassInstance]]]] = {
    "feeder-load": ("feeder-load", lambda o: o.rows),
    "transformer-loading": ("transformer-loading", lambda o: o.rows),
    "voltage-compliance": ("voltage-compliance", lambda o: o.rows),
    "voltage-meters": ("voltage-compliance", lambda o: o.extra.meters),
    "system-load": ("system-load", lambda o: o.rows),
}


@require_GET
@login_required
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    """A panel's table as CSV (503 with a reason while the warehouse is unavailable or still computing)."""
    if table not in CSV_TABLES:
        raise Http404("Unknown analytics table.")
    slug, extract = CSV_TABLES[table]
    form = PanelForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    if table == "voltage-meters" and form.cleaned_data.get("feeder") is None:
        return HttpResponse("Choose a feeder for the meter list.", status=400, content_type="text/plain")
    try:
        outcome = PANELS[slug].run(form, settings.ANALYTICS_SYNC_WAIT)
    except WarehouseError as exc:
        return HttpResponse(exc.message, status=503, content_type="text/plain")
    if outcome.pending:
        response = HttpResponse("The query is still running; try again shortly.", status=503, content_type="text/plain")
        response["Retry-After"] = "5"
        return response
    rows = extract(outcome)
    response = HttpResponse(content_type="text/csv")
    period = outcome.period
    assert period is not None  # a finished panel knows its period
    response["Content-Disposition"] = f'attachment; filename="{table}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"'
    writer = csv.writer(response)
    if rows:
        names = [f.name for f in dataclasses.fields(rows[0])]
        writer.writerow(names)
        writer.writerows([getattr(row, name) for name in names] for row in rows)
    return response
