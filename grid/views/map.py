"""The operations map: page, binary geometry and status, asset search and the asset detail panel."""

from __future__ import annotations

import gzip
import zlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from fluxops.htmx import render_page_or_partial
from grid import map_cache, network_cache
from grid.engine.map_spec import DETAIL_LAYER_MIN_ZOOM, LOADING_COLOURS, build_deck, colour_tables, deck_spec
from grid.engine.map_status import LOADING_CLASSES, STATUS_HEADER
from grid.models import Feeder, Substation
from grid.selectors import map as map_selectors
from grid.selectors.map import ASSET_KINDS, asset_operations, locate_asset
from grid.selectors.outages import active_outage_segment_mask

GEOMETRY_MAX_AGE = 365 * 24 * 3600
MAX_QUERY_LENGTH = 40


def _accepts_gzip(request: HttpRequest) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "")


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    candidates = [tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")]
    return etag in candidates or "*" in candidates


def _binary(request: HttpRequest, body: bytes, gzipped: bytes | None, etag: str, cache_control: str) -> HttpResponse:
    """An application/octet-stream response, gzipped when accepted, 304 when the ETag matches."""
    if _etag_matches(request, etag):
        response: HttpResponse = HttpResponseNotModified()
    elif _accepts_gzip(request):
        response = HttpResponse(gzipped if gzipped is not None else gzip.compress(body, 6), "application/octet-stream")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body, "application/octet-stream")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


def _click_time_ms() -> int | None:
    """deck.gl's click time limit when set (software-rendered clients pick slower than 250 ms)."""
    return settings.MAP_CLICK_TIME_MS or None


@require_GET
@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The operations map: every segment, device, transformer and substation, live status, drill-down."""
    geometry = map_cache.current_geometry()
    deck = build_deck(bounds=geometry.bounds, click_time_ms=_click_time_ms())
    config = {
        "geometryUrl": reverse("grid:map-geometry", args=[geometry.structure]),
        "geometryUrlTemplate": reverse("grid:map-geometry", args=[0]).replace("/0.bin", "/{structure}.bin"),
        "statusUrl": reverse("grid:map-status"),
        "locateUrl": reverse("grid:map-locate"),
        "assetUrlTemplate": reverse("grid:map-asset", args=["kind", "ref"]).replace("/kind/ref/", "/{kind}/{ref}/"),
        "refreshSeconds": settings.MAP_STATUS_REFRESH_SECONDS,
        "structure": geometry.structure,
        "bounds": geometry.bounds,
        "colours": colour_tables(),
        "detailLayerMinZoom": DETAIL_LAYER_MIN_ZOOM,
    }
    context = {
        "spec": deck_spec(deck),
        "config": config,
        "has_network": bool(geometry.segment_ids.size),
        "substations": Substation.objects.order_by("code").values_list("code", "name"),
        "feeders": Feeder.objects.order_by("code").values_list("code", "substation__code"),
        "legend": colour_tables(),
        "loading_legend": list(zip(LOADING_CLASSES, LOADING_COLOURS, strict=True)),
    }
    return render_page_or_partial(request, "grid/map.html", "map-widget", context)


@require_GET
@login_required
def map_geometry(request: HttpRequest, structure: int) -> HttpResponse:
    """The binary geometry of one structure version (immutable: long max-age); stale versions redirect."""
    current, _ = network_cache.current_version()
    if structure != current:
        return redirect("grid:map-geometry", current)
    geometry = map_cache.geometry_for(current)
    return _binary(
        request, geometry.body, geometry.gzipped, geometry.etag, f"private, max-age={GEOMETRY_MAX_AGE}, immutable"
    )


@require_GET
@login_required
def map_status(request: HttpRequest) -> HttpResponse:
    """One status byte per segment, device and transformer for the current network version."""
    try:
        body = map_cache.status_body(
            segment_in_outage=active_outage_segment_mask(), segment_loading=map_cache.segment_loading()
        )
    except map_cache.NetworkChanged as changed:
        response = JsonResponse({"detail": f"{changed}."}, status=503)
        response["Retry-After"] = "1"
        return response
    structure, state, *_ = STATUS_HEADER.unpack_from(body)[1:]
    etag = f'"map-status-{structure}-{state}-{zlib.crc32(body):08x}"'
    return _binary(request, body, None, etag, "private, no-cache")


@require_GET
@login_required
def map_locate(request: HttpRequest) -> JsonResponse:
    """Where an asset (substation, feeder, device, transformer, segment) or meter id is, for search."""
    query = request.GET.get("q", "").strip()
    if not query:
        return JsonResponse({"detail": "Give an asset or meter id to search for."}, status=400)
    if len(query) > MAX_QUERY_LENGTH:
        return JsonResponse({"detail": f"An id has at most {MAX_QUERY_LENGTH} characters."}, status=400)
    found = locate_asset(query)
    if found is None:
        return JsonResponse({"detail": f"No asset or meter with id {query!r}."}, status=404)
    if found["kind"] != "feeder":
        found["detail_url"] = reverse("grid:map-asset", args=[found["kind"], found["ref"]])
    return JsonResponse(found)


@require_GET
@login_required
def asset_detail(request: HttpRequest, kind: str, ref: str) -> HttpResponse:
    """One asset's attributes, feeder, upstream protection and downstream customers (page or panel)."""
    if kind not in ASSET_KINDS:
        return HttpResponseNotFound(f"Unknown asset kind {kind!r}.", content_type="text/plain")
    detail = map_selectors.asset_detail(kind, ref)
    if detail is None:
        return HttpResponseNotFound(f"No {kind} with id {ref!r}.", content_type="text/plain")
    context = {"asset": detail, "operations": asset_operations(detail)}
    return render_page_or_partial(request, "grid/asset_detail.html", "asset-panel", context)
