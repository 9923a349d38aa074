"""Outage board and outage detail with its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from fluxops.htmx import htmx_partial, render_page_or_partial
from fluxops.roles import OPERATOR, AuthenticatedHttpRequest, role_required
from grid import network_cache
from grid.constants import CUSTOMER_CLASS_LABELS
from grid.forms import (
    BOARD_PERIODS,
    BOARD_VIEW_LABELS,
    DEFAULT_BOARD_PERIOD,
    EtrForm,
    OutageActionForm,
    OutageFilterForm,
    StepForm,
)
from grid.models import Outage
from grid.selectors import outages as outage_selectors
from grid.selectors.outages import (
    ACTIVE_VIEW,
    BOARD_DEFAULT_SORTS,
    BOARD_VIEWS,
    HISTORY_VIEW,
    outage_board_list,
    outage_board_rows,
    outage_location_node,
    outage_minutes_out,
)
from grid.services.errors import ServiceError
from grid.services.outages import TRANSITIONS, allowed_actions, outage_record_step, outage_transition, outage_update_etr

OUTAGES_PER_PAGE = 50


def _board_url(filters: dict[str, Any], **changes: object) -> str:
    """The board's URL for `filters` (cleaned `OutageFilterForm` data) with `changes`, leaving out defaults."""
    values = {**filters, **changes}
    view = values["view"]
    params = {
        "view": view if view != ACTIVE_VIEW else "",
        "feeder": values["feeder"].code if values["feeder"] else "",
        "state": values["state"],
        "cause": values["cause"],
        "sort": values["sort"] if values["sort"] != BOARD_DEFAULT_SORTS[view] else "",
        "period": values["period"] if values["period"] != DEFAULT_BOARD_PERIOD else "",
        "page": values["page"] if values["page"] > 1 else "",
    }
    query = urlencode({name: value for name, value in params.items() if value})
    return f"{reverse('grid:outages')}?{query}" if query else reverse("grid:outages")


def _board_tabs(filters: dict[str, Any]) -> list[dict[str, object]]:
    """One link per board view, keeping the filters that apply there; each view opens in its own order."""
    return [
        {
            "label": label,
            "current": view == filters["view"],
            "url": _board_url(
                filters,
                view=view,
                state=filters["state"] if filters["state"] in BOARD_VIEWS[view] else "",
                sort=BOARD_DEFAULT_SORTS[view],
                page=1,
            ),
        }
        for view, label in BOARD_VIEW_LABELS.items()
    ]


@require_GET
@login_required
def outage_board(request: HttpRequest) -> HttpResponse:
    """The active outages (restored ones until closed) or the history, filtered and paged; live refresh.

    htmx requests aimed at the whole board (tabs, filters) get the board with its controls; the rest
    (live refresh, pager) get the table alone.
    """
    form = OutageFilterForm(request.GET or None)
    filters: dict[str, Any]  # cleaned form values (Django types them Any)
    if form.is_valid():
        filters = form.cleaned_data
        # The controls show what is listed: the view a state switched to, the default sort of the view.
        shown = OutageFilterForm(initial=filters)
    else:
        filters, shown = OutageFilterForm.defaults(), form
    now = timezone.now()
    period = BOARD_PERIODS[filters["period"]]
    outages = outage_board_list(
        view=filters["view"],
        feeder=filters["feeder"],
        state=filters["state"],
        cause=filters["cause"],
        sort=filters["sort"],
        ended_since=now - period.span if period.span else None,
    )
    page = Paginator(outages, OUTAGES_PER_PAGE).get_page(filters["page"])
    url = _board_url(filters, page=page.number)
    context = {
        "form": shown,
        "history": filters["view"] == HISTORY_VIEW,
        "tabs": _board_tabs(filters),
        "filtered": bool(filters["feeder"] or filters["state"] or filters["cause"]),
        # The label of a state that switched the view (the notice says why this view is shown).
        "switched_from_state": Outage.label_of_state(filters["state"]) if form.switched_view else "",
        "period": period,
        "sort": filters["sort"],
        "page": page,
        "rows": outage_board_rows(page, now=now),
        "now": now,
        "url": url,
        "previous_url": _board_url(filters, page=page.number - 1) if page.has_previous() else None,
        "next_url": _board_url(filters, page=page.number + 1) if page.has_next() else None,
    }
    board = htmx_partial(request) and request.headers.get("HX-Target") == "outage-board"
    response = render_page_or_partial(
        request, "grid/outages.html", "outage-board" if board else "outage-table", context
    )
    patch_vary_headers(response, ("HX-Target",))
    if board:
        push_url(response, url)  # the URL of what is shown, e.g. after a state switched the view
    return response


def _detail_context(outage: Outage, **extra: object) -> dict[str, object]:
    live = network_cache.current_energization()
    topology = live.topology
    node = outage_location_node(outage, live)
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
