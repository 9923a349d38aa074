"""Outage board, outage detail with its actions, field operations and device switching pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fluxops.htmx import htmx_partial, render_page_or_partial
from grid import network_state, selectors, services
from grid.forms import (
    EtrForm,
    OutageActionForm,
    OutageFilterForm,
    StepForm,
    SwitchingForm,
    WorkOrderForm,
    WorkOrderStatusForm,
)
from grid.models import Crew, Device, Outage
from grid.roles import OPERATOR, has_role, role_required
from grid.services.outages import outage_location_node

OUTAGES_PER_PAGE = 50


@require_GET
@login_required
def outage_board(request: HttpRequest) -> HttpResponse:
    """Active outages with device, feeder, customers out, duration, ETR, crew and state; live refresh."""
    form = OutageFilterForm(request.GET or None)
    filters: dict = {}
    page_number = 1
    if form.is_valid():
        data = form.cleaned_data
        filters = {"feeder": data["feeder"], "state": data["state"], "cause": data["cause"], "sort": data["sort"]}
        page_number = data["page"] or 1
    outages = selectors.outage_list(**{k: v for k, v in filters.items() if v})
    page = Paginator(outages, OUTAGES_PER_PAGE).get_page(page_number)
    now = timezone.now()
    for outage in page:
        outage.customers_out = outage.customers_affected - outage.restored
        outage.duration_minutes = int((now - outage.started_at).total_seconds() // 60)
    context = {"form": form, "page": page, "now": now, "query": request.GET.urlencode()}
    return render_page_or_partial(request, "grid/outages.html", "outage-table", context)


def _detail_context(outage: Outage, **extra: object) -> dict:
    topology = network_state.current_topology()
    live = network_state.current_energization()
    node = outage_location_node(outage, topology)
    path = live.upstream_segments(node) if node is not None else []
    restored = sum(step.customers_restored for step in outage.steps.all())
    return {
        "outage": outage,
        "customers_out": outage.customers_affected - restored,
        "restored": restored,
        "upstream": [
            topology.arrays.device_codes[d]
            for d in topology.devices_on(path)
            if topology.arrays.device_kinds[d] in Device.PROTECTIVE_KINDS
        ],
        "actions": services.allowed_actions(outage),
        "action_form": OutageActionForm(initial={"version": outage.version}),
        "etr_form": EtrForm(initial={"version": outage.version}),
        "step_form": StepForm(initial={"version": outage.version}),
        **extra,
    }


def _outage_or_404(outage_id: int) -> Outage:
    outage = selectors.outage_detail(outage_id)
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
def outage_act(request: HttpRequest, outage_id: int, kind: str) -> HttpResponse:
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
                services.outage_transition(
                    outage_id=outage.pk,
                    version=data["version"],
                    action=data["action"],
                    by=request.user,
                    crew_id=data["crew"].pk if data["crew"] else None,
                    cause=data["cause"] or None,
                    note=data["note"],
                )
            elif kind == "etr":
                services.outage_update_etr(
                    outage_id=outage.pk, version=data["version"], etr=data["etr"], by=request.user, note=data["note"]
                )
            else:
                services.outage_record_step(
                    outage_id=outage.pk,
                    version=data["version"],
                    customers=data["customers"],
                    by=request.user,
                    note=data["note"],
                )
        except services.ServiceError as exc:
            error = str(exc)
    else:
        error = "; ".join(f"{field}: {', '.join(errs)}" for field, errs in form.errors.items())
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


@require_GET
@login_required
def field_operations(request: HttpRequest) -> HttpResponse:
    """Crews with status and assignment, open work orders, and the forms to assign them."""
    context = {
        "crews": selectors.crews_with_assignments(),
        "orders": selectors.open_work_orders(),
        "order_form": WorkOrderForm(),
        "status_form": WorkOrderStatusForm(),
        "crew_choices": Crew.objects.exclude(status=Crew.Status.OFF_SHIFT).order_by("name"),
    }
    return render_page_or_partial(request, "grid/field.html", "field-board", context)


@require_POST
@login_required
@role_required(OPERATOR)
def work_order_new(request: HttpRequest) -> HttpResponse:
    """Create a work order from the field page."""
    form = WorkOrderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        order = services.work_order_create(
            summary=data["summary"],
            by=request.user,
            outage_id=data["outage"].pk if data["outage"] else None,
            device_id=data["device"].pk if data["device"] else None,
            priority=data["priority"],
        )
        messages.success(request, f"{order} opened.")
    else:
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect("grid:field")


@require_POST
@login_required
@role_required(OPERATOR)
def work_order_move(request: HttpRequest, order_id: int) -> HttpResponse:
    """Change a work order's status (assign with a crew, start, finish, cancel)."""
    form = WorkOrderStatusForm(request.POST)
    if form.is_valid():
        try:
            order = services.work_order_set_status(
                work_order_id=order_id,
                status=form.cleaned_data["status"],
                by=request.user,
                crew_id=form.cleaned_data["crew"].pk if form.cleaned_data["crew"] else None,
            )
            messages.success(request, f"{order} is now {order.get_status_display().lower()}.")
        except services.ServiceError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect("grid:field")


@require_http_methods(["GET", "POST"])
@login_required
def device_switch(request: HttpRequest, code: str) -> HttpResponse:
    """Operate a device: a preview of customers lost and regained, then a confirmed operation."""
    device = Device.objects.select_related("feeder__substation", "tie_feeder").filter(code=code.upper()).first()
    if device is None:
        raise Http404(f"No device {code}.")
    target = Device.State.CLOSED if device.current_state == Device.State.OPEN else Device.State.OPEN
    form = SwitchingForm(request.POST or None, initial={"to_state": target})
    preview = error = None
    if request.method == "POST":
        if not has_role(request.user, OPERATOR):
            raise PermissionDenied("Only operators and admins may operate devices.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["confirm"]:
                    operation = services.device_operate(
                        device_id=device.pk,
                        to_state=data["to_state"],
                        reason=data["reason"],
                        by=request.user,
                        allow_parallel=data["allow_parallel"],
                    )
                    messages.success(
                        request,
                        f"{device.code} {operation.to_state}: {operation.customers_deenergized} customers "
                        f"de-energized, {operation.customers_reenergized} re-energized.",
                    )
                    return redirect("grid:device-switch", code=device.code)
                preview = services.switching_preview(device=device, to_state=data["to_state"])
            except services.ServiceError as exc:
                error = str(exc)
    context = {
        "device": device,
        "form": form,
        "preview": preview,
        "error": error,
        "log": selectors.switching_log(device=device)[:20],
    }
    return render_page_or_partial(request, "grid/device_switch.html", "switch-panel", context)
