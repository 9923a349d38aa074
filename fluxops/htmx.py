"""Helpers for views that serve a full page and its htmx partial from one URL."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """HttpRequest as seen after django-htmx's middleware (typed `request.htmx`)."""

    htmx: HtmxDetails


def htmx_partial(request: HttpRequest) -> bool:
    """True when the request is an htmx swap rather than a full navigation (boosted requests get pages)."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted


def render_page_or_partial(
    request: HttpRequest, template: str, partial: str, context: Mapping[str, object]
) -> HttpResponse:
    """Render `template` for a navigation or `template#partial` for an htmx request; Vary on HX-Request."""
    name = f"{template}#{partial}" if htmx_partial(request) else template
    response = render(request, name, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
