"""Request plumbing: platform probes answered first, request ids, one JSON access line and metrics per request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from fluxops import health, metrics
from fluxops.logging import request_id_var

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.urls import ResolverMatch

logger = logging.getLogger("fluxops.request")

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it is short and plain, so it cannot inject into log lines.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
PROBES = {"/healthz": health.healthz, "/readyz": health.readyz}


class RequestIdHttpRequest(HttpRequest):
    """A request after `RequestLogMiddleware`: its id, as returned in X-Request-ID."""

    request_id: str


class ProbeMiddleware:
    """Answers /healthz and /readyz before host validation, HTTPS redirects and sessions.

    The platform's readiness probe calls the container by its IP on the app port over plain HTTP,
    which ALLOWED_HOSTS and SECURE_SSL_REDIRECT would otherwise turn into 400s and redirects.
    Probes are not logged or counted: they come every few seconds and would drown the request log.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


def _username(request: HttpRequest) -> str | None:
    """The user name if authentication already ran for this request, without adding a query."""
    user: User | AnonymousUser | SimpleLazyObject[User | AnonymousUser] | None = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
    return user.get_username() if user.is_authenticated else None


def _route(request: HttpRequest) -> str:
    """The URL pattern that matched (bounded label values), not the raw path."""
    match: ResolverMatch | None = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")) else "unmatched"
    return "/" + match.route


class RequestLogMiddleware:
    """Gives every request an id (returned as X-Request-ID), logs one line for it and records metrics.

    Requests slower than SLOW_REQUEST_MS are logged at WARNING with `slow: true`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        cast(RequestIdHttpRequest, request).request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        elapsed = time.perf_counter() - started
        response[REQUEST_ID_HEADER] = request_id

        route = _route(request)
        # Clients choose the method string: fold unknown ones into one label value.
        method = request.method if request.method in _METHODS else "other"
        metrics.HTTP_REQUESTS.labels(route=route, method=method, status=response.status_code).inc()
        metrics.HTTP_LATENCY.labels(route=route).observe(elapsed)

        duration_ms = round(elapsed * 1000, 1)
        slow = duration_ms >= settings.SLOW_REQUEST_MS
        logger.log(
            logging.WARNING if slow or response.status_code >= 500 else logging.INFO,
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "request_id": request_id,
                "user": _username(request),
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "slow": slow,
            },
        )
        return response
