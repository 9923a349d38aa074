"""Operational endpoints that are not probes: /metrics for Prometheus."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fluxops import metrics
from fluxops.roles import ADMIN, has_role


def _token_ok(request: HttpRequest) -> bool:
    """True when METRICS_TOKEN is set and the request carries it as a bearer token or in X-Metrics-Token.

    X-Metrics-Token is for scrapes through the SPCS ingress, which uses Authorization for Snowflake's own login.
    """
    expected = settings.METRICS_TOKEN
    scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        supplied = ""
    supplied = (supplied or request.headers.get("X-Metrics-Token", "")).strip()
    if not expected or not supplied:
        return False
    return hmac.compare_digest(supplied.encode(), expected.encode())


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Metrics in the Prometheus text format, for admins or scrapers holding METRICS_TOKEN."""
    if not (_token_ok(request) or has_role(request.user, ADMIN)):
        if request.user.is_authenticated:
            return HttpResponse("Admins only.\n", status=403, content_type="text/plain")
        response = HttpResponse("Authentication required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)
