"""The reliability page: IEEE 1366 indices for a scope and period."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from fluxops.htmx import render_page_or_partial
from grid.forms import ReliabilityForm
from grid.selectors.reliability import period_for, reliability_report


@require_GET
@login_required
def reliability(request: HttpRequest) -> HttpResponse:
    """IEEE 1366 indices for the system, a substation or a feeder, over any period."""
    form = ReliabilityForm(request.GET or None)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        report = reliability_report(form.selected_period(), feeder=data["feeder"], substation=data["substation"])
    elif not form.is_bound:
        report = reliability_report(period_for("ytd", today=timezone.localdate()))
    return render_page_or_partial(
        request, "grid/reliability.html", "reliability-result", {"form": form, "report": report}
    )
