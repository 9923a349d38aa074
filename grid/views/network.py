"""Operator pages for the network model."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from fluxops.htmx import htmx_partial, render_page_or_partial
from grid.forms import FeederFilterForm
from grid.selectors.network import device_counts_by_kind, feeder_summaries, network_counts

FEEDERS_PER_PAGE = 25


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Operations overview: the size of the network and a filterable feeder table."""
    form = FeederFilterForm(request.GET or None)
    substation = None
    page_number = 1
    if form.is_valid():
        substation = form.cleaned_data["substation"]
        page_number = form.cleaned_data["page"] or 1
    summaries = feeder_summaries(substation=substation)
    context = {
        "form": form,
        "page": Paginator(summaries, FEEDERS_PER_PAGE).get_page(page_number),
        "substation": substation,
    }
    if not htmx_partial(request):
        context["counts"] = network_counts()
        context["device_counts"] = device_counts_by_kind()
    return render_page_or_partial(request, "grid/overview.html", "feeder-table", context)
