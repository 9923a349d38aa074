"""Field operations: crews with their assignments and the open work orders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from fluxops.htmx import render_page_or_partial
from grid.forms import (
    WorkOrderForm,
    WorkOrderStatusForm,
)
from grid.models import Crew
from grid.selectors.crews import crews_with_assignments
from grid.selectors.work_orders import open_work_orders


@require_GET
@login_required
def field_operations(request: HttpRequest) -> HttpResponse:
    """Crews with status and assignment, open work orders, and the forms to assign them."""
    context = {
        "crews": crews_with_assignments(),
        "orders": open_work_orders(),
        "order_form": WorkOrderForm(),
        "status_form": WorkOrderStatusForm(),
        "crew_choices": Crew.objects.exclude(status=Crew.Status.OFF_SHIFT).order_by("name"),
    }
    return render_page_or_partial(request, "grid/field.html", "field-board", context)
