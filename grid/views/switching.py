"""Device switching: preview of the customers affected, then the confirmed operation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from fluxops.htmx import render_page_or_partial
from fluxops.roles import OPERATOR, AuthenticatedHttpRequest, has_role
from grid.forms import (
    SwitchingForm,
)
from grid.models import Device
from grid.selectors.switching import switching_log
from grid.services.errors import ServiceError
from grid.services.switching import device_operate, switching_preview


@require_http_methods(["GET", "POST"])
@login_required
def device_switch(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Operate a device: a preview of customers lost and regained, then a confirmed operation."""
    device = Device.objects.select_related("feeder__substation", "tie_feeder").by_code(code).first()
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
                    operation = device_operate(
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
                preview = switching_preview(device=device, to_state=data["to_state"])
            except ServiceError as exc:
                error = str(exc)
    context = {
        "device": device,
        "form": form,
        "preview": preview,
        "error": error,
        "log": switching_log(device=device)[:20],
    }
    return render_page_or_partial(request, "grid/device_switch.html", "switch-panel", context)
