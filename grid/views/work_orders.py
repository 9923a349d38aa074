"""Work order forms of the field operations page: create one, move one to another status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from fluxops.roles import OPERATOR, AuthenticatedHttpRequest, role_required
from grid.forms import (
    WorkOrderForm,
    WorkOrderStatusForm,
)
from grid.services.errors import ServiceError
from grid.services.work_orders import work_order_create, work_order_set_status


@require_POST
@login_required
@role_required(OPERATOR)
def work_order_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create a work order from the field page."""
    form = WorkOrderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        order = work_order_create(
            summary=data["summary"],
            by=request.user,
            outage_id=data["outage"].pk if data["outage"] else None,
            device_id=data["device"].pk if data["device"] else None,
            priority=data["priority"],
        )
        messages.success(request, f"{order} opened.")
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("grid:field")


@require_POST
@login_required
@role_required(OPERATOR)
def work_order_move(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    """Change a work order's status (assign with a crew, start, finish, cancel)."""
    form = WorkOrderStatusForm(request.POST)
    if form.is_valid():
        try:
            order = work_order_set_status(
                work_order_id=order_id,
                status=form.cleaned_data["status"],
                by=request.user,
                crew_id=form.cleaned_data["crew"].pk if form.cleaned_data["crew"] else None,
            )
            messages.success(request, f"{order} is now {order.get_status_display().lower()}.")
        except ServiceError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("grid:field")
