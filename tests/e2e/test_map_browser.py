"""The operations map in headless Chromium (software WebGL) on the small network, served by live_server.

One page load covers drawing, hover, click and a live status change, so the suite pays for one
browser start. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, User

from grid import network_cache
from grid.engine.map_spec import ENERGIZATION_COLOURS
from grid.models import Device, Segment, ServicePoint
from grid.services.network import device_states_changed, network_structure_changed
from tests.e2e.conftest import ARTIFACTS, BROWSER_MARKS, logged_in_context, watched_page

BACKGROUND = (11, 17, 27)

pytestmark = BROWSER_MARKS

# Reads an RGBA block around (x, y) of the map's drawing buffer right after a synchronous redraw.
READ_PIXELS = """([x, y, r]) => {
  const map = window.fluxMap;
  const gl = map.deck.device.gl;
  map.deck.redraw("probe");
  const size = 2 * r + 1;
  const out = new Uint8Array(4 * size * size);
  gl.readPixels(Math.round(x) - r, gl.drawingBufferHeight - Math.round(y) - 1 - r, size, size, gl.RGBA,
                gl.UNSIGNED_BYTE, out);
  const pixels = [];
  for (let i = 0; i < out.length; i += 4) pixels.push([out[i], out[i + 1], out[i + 2]]);
  return pixels;
}"""

JUMP = """([lon, lat, zoom]) => {
  const map = window.fluxMap;
  map.viewState = {longitude: lon, latitude: lat, zoom, minZoom: 7, maxZoom: 19};
  map.zoom = zoom;
  map.render();
  const viewport = map.deck.getViewports()[0];
  return viewport.project([lon, lat]);
}"""


def _near(pixel: list[int], colour: list[int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour[:3], strict=False))


def test_map_draws_hovers_clicks_and_recolours_live(live_network, live_server, settings, browser) -> None:
    # Refresh every second and give software-rendered picking time to complete a click.
    settings.MAP_STATUS_REFRESH_SECONDS = 1
    settings.MAP_CLICK_TIME_MS = 60_000
    ARTIFACTS.mkdir(exist_ok=True)

    user = User.objects.create_user("map-operator", password="not-a-real-password-1")
    user.groups.add(Group.objects.get(name="operator"))

    # A three-phase span downstream of a recloser: drawn in its feeder's colour, dead once the recloser opens.
    recloser = Device.objects.filter(kind="recloser").order_by("code").first()
    energization = network_cache.current_energization()
    arrays = energization.topology.arrays
    downstream = energization.downstream(arrays.segment_index(recloser.segment_id)).segments
    ids = [int(arrays.segment_ids[i]) for i in downstream if int(arrays.segment_ids[i]) != recloser.segment_id]
    segment = Segment.objects.filter(id__in=ids, phases="ABC").order_by("-length_m").first()
    (lon_a, lat_a), (lon_b, lat_b) = segment.geometry[0], segment.geometry[-1]
    # A point a third of the way along: devices sit at span midpoints and would be picked first.
    lon, lat = lon_a + (lon_b - lon_a) / 3, lat_a + (lat_b - lat_a) / 3

    context = logged_in_context(browser, live_server, user)
    watched = watched_page(context)
    page, requests = watched.page, watched.requests
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector("[data-map-ready=true]", state="attached")
    page.wait_for_selector("[data-map][data-status-state]", state="attached")
    page.screenshot(path=str(ARTIFACTS / "map-small-network.png"))

    # Drawn: the span's pixels carry its feeder's colour, not the background.
    x, y = page.evaluate(JUMP, [lon, lat, 16])
    page.wait_for_timeout(300)
    pixels = page.evaluate(READ_PIXELS, [x, y, 2])
    assert any(max(abs(a - b) for a, b in zip(p, BACKGROUND, strict=True)) > 40 for p in pixels), pixels
    assert not any(_near(p, ENERGIZATION_COLOURS["deenergized"]) for p in pixels)
    page.screenshot(path=str(ARTIFACTS / "map-small-network-zoomed.png"))

    # Hover: deck's tooltip names the span and its feeder.
    box = page.locator("[data-map-canvas]").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    tooltip = page.locator(".map-tooltip")
    tooltip.filter(has_text=f"S{segment.id}").wait_for()
    assert segment.feeder.code in tooltip.inner_text()
    page.screenshot(path=str(ARTIFACTS / "map-hover-tooltip.png"))

    # Click: the htmx detail panel loads the span with its feeder and upstream protection.
    page.mouse.click(box["x"] + x, box["y"] + y)
    panel = page.locator(f'#asset-panel[data-asset-kind="segment"][data-asset-ref="{segment.id}"]')
    panel.wait_for()
    assert segment.feeder.code in panel.inner_text() and recloser.code in panel.inner_text()
    page.screenshot(path=str(ARTIFACTS / "map-detail-panel.png"))

    # Opening the recloser through the service layer turns the span de-energized at the next refresh.
    state = page.evaluate("document.querySelector('[data-map]').dataset.statusState")
    Device.objects.filter(pk=recloser.pk).update(current_state=Device.State.OPEN)
    device_states_changed()
    page.wait_for_function(f"document.querySelector('[data-map]').dataset.statusState !== '{state}'")
    page.evaluate("window.fluxMap.highlight(null); window.fluxMap.render()")  # the white selection sits on top
    pixels = page.evaluate(READ_PIXELS, [x, y, 2])
    assert any(_near(p, ENERGIZATION_COLOURS["deenergized"]) for p in pixels), pixels
    page.screenshot(path=str(ARTIFACTS / "map-deenergized-after-refresh.png"))

    # Search by meter id: the panel shows the meter, the view centres on it with a highlight ring.
    meter = ServicePoint.objects.order_by("meter_id").last()
    page.fill("#map-search-q", meter.meter_id.lower())
    page.click("[data-map-search] button[type=submit]")
    page.locator(f'#asset-panel[data-asset-kind="meter"][data-asset-ref="{meter.meter_id}"]').wait_for()
    assert page.evaluate("window.fluxMap.selectionPoint[0].position") == [meter.lon, meter.lat]

    # A structure change (an edit in the admin) makes the page fetch the new geometry, once.
    geometry_requests = [url for url in requests if "/map/geometry/" in url]
    assert len(geometry_requests) == 1
    network_structure_changed()
    structure = network_cache.current_version()[0]
    page.wait_for_function(f"window.fluxMap.model.structure === {structure}")
    page.wait_for_timeout(1500)  # another refresh or two: the geometry must not be fetched again
    geometry_requests = [url for url in requests if "/map/geometry/" in url]
    assert geometry_requests[1:] == [f"{live_server.url}/map/geometry/{structure}.bin"]

    assert all(url.startswith(live_server.url) for url in requests), [
        url for url in requests if not url.startswith(live_server.url)
    ]
    context.close()
