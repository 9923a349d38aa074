"""Device switching: preview of the customers affected, then the confirmed operation and its result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import replace_url

from fluxops.htmx import htmx_partial, render_page_or_partial
from fluxops.roles import OPERATOR, AuthenticatedHttpRequest, has_role
from grid.forms import (
    SwitchingForm,
)
from grid.models import Device
from grid.selectors.switching import (
    OPERATION_VERBS,
    SwitchingResult,
    device_operation,
    device_supply,
    switching_log,
    switching_result,
)
from grid.services.errors import ServiceError
from grid.services.switching import StalePreview, SwitchingPreview, device_operate, switching_preview

# The status of an htmx POST (200, 400, 403, 409): htmx swaps only 2xx responses, so there the panel carries
# refusals with a 200 and this header says what the full page's status would be.
RESULT_HEADER = "X-Switch-Result"


def _device_or_404(code: str) -> Device:
    device = Device.objects.select_related("feeder__substation", "tie_feeder").by_code(code).first()
    if device is None:
        raise Http404(f"No device {code}.")
    return device


def _next_operation_form(device: Device) -> SwitchingForm:
    """An empty form proposing the other state."""
    target = Device.State.CLOSED if device.current_state == Device.State.OPEN else Device.State.OPEN
    return SwitchingForm(initial={"to_state": target})


def _result_url(device: Device, operation_id: int) -> str:
    return f"{reverse('grid:device-switch', args=[device.code])}?operation={operation_id}"


def _requested_result(request: HttpRequest, device: Device) -> SwitchingResult | None:
    """The result of the operation named by `?operation=` (where a full-page confirm redirects to)."""
    value = request.GET.get("operation", "")
    operation = device_operation(device=device, operation_id=int(value)) if value.isdecimal() else None
    return switching_result(operation) if operation else None


def _preview_or_none(device: Device, to_state: str) -> SwitchingPreview | None:
    """The preview again after a refusal, when there still is one (none when the device is already there)."""
    try:
        return switching_preview(device=device, to_state=to_state)
    except ServiceError:
        return None


@require_http_methods(["GET", "POST"])
@login_required
def device_switch(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Operate a device: a preview of customers lost and regained, then a confirmed operation and its result.

    A confirmed full-page POST redirects to `?operation=<id>`, which shows the result; an htmx POST
    renders the panel with it. Refusals change nothing and show why.
    """
    device = _device_or_404(code)
    form = _next_operation_form(device)
    preview = error = result = None
    status = 200
    if request.method == "GET":
        result = _requested_result(request, device)
    else:
        form = SwitchingForm(request.POST)
        try:
            if not has_role(request.user, OPERATOR):
                raise PermissionDenied("Only operators and admins may operate devices.")
            if form.is_valid():
                data = form.cleaned_data
                if not data["confirm"]:
                    preview = switching_preview(device=device, to_state=data["to_state"])
                else:
                    operation = device_operate(
                        device_id=device.pk,
                        to_state=data["to_state"],
                        reason=data["reason"],
                        by=request.user,
                        allow_parallel=data["allow_parallel"],
                        previewed=form.previewed(),
                    )
                    if not htmx_partial(request):
                        return redirect(_result_url(device, operation.pk))
                    result = switching_result(operation)
            else:
                status = 400
        except StalePreview as exc:
            error, status, preview = str(exc), 409, exc.preview
        except ServiceError as exc:
            # Keep the preview to confirm from (after a refused parallel), when there still is one.
            error, status = str(exc), 400
            preview = _preview_or_none(device, form.cleaned_data["to_state"])
        except PermissionDenied as exc:
            error, status = str(exc), 403
        # The operation (or someone else's) may have moved the device: show it as it is now.
        device = _device_or_404(code)
        if result is not None:
            form = _next_operation_form(device)
    context = {
        "device": device,
        "form": form,
        "preview": preview,
        "preview_verb": OPERATION_VERBS[preview.to_state][0] if preview else None,
        "error": error,
        "result": result,
        "supply": device_supply(device),
        "log": switching_log(device=device)[:20],
    }
    response = render_page_or_partial(request, "grid/device_switch.html", "switch-panel", context)
    if request.method == "POST" and htmx_partial(request):
        response[RESULT_HEADER] = str(status)
        if result is not None:
            replace_url(response, _result_url(device, result.operation.pk))
    else:
        response.status_code = status
    return response
