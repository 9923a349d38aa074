"""Outage board and outage detail with its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fluxops.htmx import htmx_partial, render_page_or_partial
from fluxops.roles import OPERATOR, AuthenticatedHttpRequest, role_required
from grid import network_cache
from grid.constants import CUSTOMER_CLASS_LABELS
from grid.forms import (
    EtrForm,
    OutageActionForm,
    OutageFilterForm,
    StepForm,
)
from grid.models import Outage
from grid.selectors import outages as outage_selectors
from grid.selectors.outages import outage_board_rows, outage_list, outage_location_node, outage_minutes_out
from grid.services.errors import ServiceError
from grid.services.outages import TRANSITIONS, allowed_actions, outage_record_step, outage_transition, outage_update_etr

OUTAGES_PER_PAGE = 50


@require_GET
@login_required
def outage_board(request: HttpRequest) -> HttpResponse:
    """Active outages with device, feeder, customers out, duration, ETR, crew and state; live refresh."""
    form = OutageFilterForm(request.GET or None)
    filters: dict[str, Any] = {}  # cleaned form values (Django types them Any)
    page_number = 1
    if form.is_valid():
        data = form.cleaned_data
        filters = {"feeder": data["feeder"], "state": data["state"], "cause": data["cause"], "sort": data["sort"]}
        page_number = data["page"] or 1
    outages = outage_list(**{k: v for k, v in filters.items() if v})
    page = Paginator(outages, OUTAGES_PER_PAGE).get_page(page_number)
    now = timezone.now()
    rows = outage_board_rows(page, now=now)
    context = {"form": form, "page": page, "rows": rows, "now": now, "query": request.GET.urlencode()}
    return render_page_or_partial(request, "grid/outages.html", "outage-table", context)


def _detail_context(outage: Outage, **extra: object) -> dict[str, object]:
    topology = network_cache.current_topology()
    live = network_cache.current_energization()
    node = outage_location_node(outage, topology)
    restored = sum(step.customers_restored for step in outage.steps.all())
    upstream = live.protective_upstream(node) if node is not None else []
    actions = allowed_actions(outage)
    return {
        "outage": outage,
        "customers_out": outage.customers_affected - restored,
        "restored": restored,
        "minutes_out": outage_minutes_out(outage, now=timezone.now()),
        "customer_classes": [
            (CUSTOMER_CLASS_LABELS.get(name, name.capitalize()), count)
            for name, count in outage.customers_by_class.items()
        ],
        "upstream": [topology.arrays.device_codes[d] for d in upstream],
        "actions": [(name, TRANSITIONS[name].label) for name in actions],
        "action_names": actions,
        "action_form": OutageActionForm(initial={"version": outage.version}),
        "etr_form": EtrForm(initial={"version": outage.version}),
        "step_form": StepForm(initial={"version": outage.version}),
        **extra,
    }


def _outage_or_404(outage_id: int) -> Outage:
    outage = outage_selectors.outage_detail(outage_id)
    if outage is None:
        raise Http404(f"No outage {outage_id}.")
    return outage


@require_GET
@login_required
def outage_detail(request: HttpRequest, outage_id: int) -> HttpResponse:
    """Timeline, affected customers by class, upstream path, crew and the actions the state allows."""
    outage = _outage_or_404(outage_id)
    return render_page_or_partial(request, "grid/outage_detail.html", "outage-panel", _detail_context(outage))


@require_POST
@login_required
@role_required(OPERATOR)
def outage_act(request: AuthenticatedHttpRequest, outage_id: int, kind: str) -> HttpResponse:
    """Apply an action, an ETR change or a restoration step; re-render the panel with the result."""
    outage = _outage_or_404(outage_id)
    forms = {"action": OutageActionForm, "etr": EtrForm, "step": StepForm}
    if kind not in forms:
        raise Http404("Unknown outage action.")
    form = forms[kind](request.POST)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            if kind == "action":
                outage_transition(
                    outage_id=outage.pk,
                    version=data["version"],
                    action=data["action"],
                    by=request.user,
                    crew_id=data["crew"].pk if data["crew"] else None,
                    cause=data["cause"] or None,
                    note=data["note"],
                )
            elif kind == "etr":
                outage_update_etr(
                    outage_id=outage.pk, version=data["version"], etr=data["etr"], by=request.user, note=data["note"]
                )
            else:
                outage_record_step(
                    outage_id=outage.pk,
                    version=data["version"],
                    customers=data["customers"],
                    by=request.user,
                    note=data["note"],
                )
        except ServiceError as exc:
            error = str(exc)
    else:
        error = "; ".join(
            (f"{form[field].label}: " if field in form.fields else "") + " ".join(map(str, errs))
            for field, errs in form.errors.items()
        )
    outage = _outage_or_404(outage_id)
    status = 200 if error is None else (409 if "changed by someone else" in error else 400)
    context = _detail_context(outage, error=error, saved=error is None)
    if not htmx_partial(request):
        if error:
            messages.error(request, error)
        return redirect("grid:outage-detail", outage_id=outage.pk)
    # htmx swaps 4xx responses only when told to; the panel carries the message either way.
    response = render(request, "grid/outage_detail.html#outage-panel", context, status=200)
    response["X-Outage-Result"] = str(status)
    return response
