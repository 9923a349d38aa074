"""The operations map: spec builder, geometry and status encoders, endpoints (ETag, gzip, login), search, detail."""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterator

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.test import Client

from grid import map_cache, network_cache
from grid.engine.map_geometry import EncodedGeometry, decode_geometry, encode_geometry, segment_paths
from grid.engine.map_spec import FEEDER_PALETTE, LAYER_IDS, TOOLTIP_FIELDS, build_deck, deck_spec
from grid.engine.map_status import (
    LOADING_CLASSES,
    STATUS_DEENERGIZED,
    STATUS_FLAG_LOADING,
    STATUS_FLAG_OUTAGE,
    SWITCH_CLOSED_ABNORMAL,
    SWITCH_OPEN_ABNORMAL,
    SWITCH_OPEN_NORMAL,
    decode_status,
    encode_status,
)
from grid.engine.synthetic import Network
from grid.models import Device, Feeder, Segment, ServicePoint, Substation, Transformer
from grid.selectors.map import asset_detail, map_rows
from grid.services.network import device_states_changed, network_structure_changed
from tests.grid.test_topology import build


@pytest.fixture(autouse=True)
def fresh_caches(fresh_network_cache: None) -> Iterator[None]:
    """Each test sees the map and topology of its own database state."""
    map_cache.clear_cache()
    yield
    map_cache.clear_cache()


@pytest.fixture
def geometry(small_network: Network) -> EncodedGeometry:
    return map_cache.current_geometry()


# -- spec ------------------------------------------------------------------------------------


def test_spec_has_every_layer_with_bound_data_and_no_inline_geometry() -> None:
    spec = deck_spec(build_deck(bounds=[-95.8, 29.5, -95.0, 30.1]))
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert list(layers) == list(LAYER_IDS)
    assert layers["segments"]["@@type"] == "LineLayer"
    assert layers["segments"]["data"] == "@@#segments"
    assert all(isinstance(layer["data"], str) and layer["data"].startswith("@@#") for layer in spec["layers"])
    assert layers["segments"]["pickable"] and layers["devices"]["pickable"] and layers["transformers"]["pickable"]
    assert layers["segments"]["updateTriggers"]["getColor"] == "@@#colourKey"
    assert "mapStyle" not in spec and "mapProvider" not in spec
    assert layers["segments"]["widthUnits"] == "pixels" and layers["substations"]["radiusUnits"] == "pixels"
    expressions = {k for layer in spec["layers"] for k, v in layer.items() if str(v).startswith("@@=")}
    assert expressions <= {"getPosition", "getPath", "getPolygon", "getText"}
    assert len(json.dumps(spec)) < 20_000


def test_spec_carries_the_colours_of_every_mode() -> None:
    spec = deck_spec(build_deck(bounds=[-95.8, 29.5, -95.0, 30.1]))
    segments = next(layer for layer in spec["layers"] if layer["id"] == "segments")
    modes = segments["getColor"]["modes"]
    assert segments["getColor"]["@@function"] == "segmentColour"
    assert modes["feeder"] == FEEDER_PALETTE and len(modes["feeder"]) >= 8
    assert modes["energization"] == {
        "energized": [53, 197, 138, 255],
        "deenergized": [146, 156, 178, 255],
        "outage": [255, 64, 64, 255],
    }
    assert len(modes["loading"]) == len(LOADING_CLASSES)
    devices = next(layer for layer in spec["layers"] if layer["id"] == "devices")
    colours = devices["getFillColor"]["colours"]
    assert colours["open_normal"] != colours["open_abnormal"] != colours["closed"]


def test_spec_tooltips_and_view() -> None:
    spec = deck_spec(build_deck(bounds=[-95.8, 29.5, -95.0, 30.1], click_time_ms=5000))
    assert spec["getTooltip"] == {"@@function": "assetTooltip", "fields": TOOLTIP_FIELDS}
    assert TOOLTIP_FIELDS["segments"][:3] == ["id", "feeder", "substation"]
    assert spec["eventRecognizerOptions"] == {"click": {"time": 5000}}
    view = spec["initialViewState"]
    assert view["longitude"] == pytest.approx(-95.4) and view["latitude"] == pytest.approx(29.8)
    assert 8 < view["zoom"] < 11
    assert "eventRecognizerOptions" not in deck_spec(build_deck(bounds=[]))


# -- geometry ------------------------------------------------------------------------------------


def test_geometry_round_trip_gives_back_every_segment(geometry: EncodedGeometry) -> None:
    header, sections = decode_geometry(gzip.decompress(geometry.gzipped))
    stored = dict(Segment.objects.values_list("id", "geometry"))
    vertices = sum(len(path) for path in stored.values())
    assert header["counts"]["segments"] == len(stored)
    assert header["counts"]["vertices"] == vertices == sections["segment_positions"].size // 2
    assert sections["segment_starts"][-1] == vertices
    paths = segment_paths(sections)
    assert list(paths) == sorted(stored)
    for segment_id in (min(stored), max(stored), sorted(stored)[len(stored) // 2]):
        expected = np.array(stored[segment_id], dtype=np.float32)
        assert np.array_equal(np.array(paths[segment_id], dtype=np.float32), expected)


def test_geometry_points_and_tables(geometry: EncodedGeometry) -> None:
    header, sections = decode_geometry(geometry.body)
    assert header["structure"] == network_cache.current_version()[0]
    assert header["deviceCodes"] == list(Device.objects.order_by("id").values_list("code", flat=True))
    assert header["transformerCodes"] == list(Transformer.objects.order_by("id").values_list("code", flat=True))
    assert sections["device_positions"].size == 2 * Device.objects.count()
    assert sections["transformer_positions"].size == 2 * Transformer.objects.count()
    feeders = list(Feeder.objects.order_by("id").values_list("code", flat=True))
    assert [f[0] for f in header["feeders"]] == feeders
    ties = sections["device_flags"] & 1
    assert int(ties.sum()) == Device.objects.filter(tie_feeder__isnull=False).count()
    # One closed hull per substation and per feeder.
    assert len(sections["area_starts"]) == Substation.objects.count() + 1
    assert len(sections["outline_starts"]) == len(feeders) + 1
    ring = sections["area_positions"].reshape(-1, 2)[sections["area_starts"][0] : sections["area_starts"][1]]
    assert len(ring) >= 4 and np.array_equal(ring[0], ring[-1])
    min_lon, min_lat, max_lon, max_lat = header["bounds"]
    points = sections["transformer_positions"].reshape(-1, 2)
    assert (points[:, 0] >= min_lon - 1e-4).all() and (points[:, 0] <= max_lon + 1e-4).all()
    assert (points[:, 1] >= min_lat - 1e-4).all() and (points[:, 1] <= max_lat + 1e-4).all()


def test_conductors_outside_the_catalogue_encode_and_decode(small_network: Network) -> None:
    """An imported model's conductor names are listed in the header; every segment decodes to its own."""
    rows = map_rows()
    names = ["336 ACSR", "1/0 CU URD", "#4 CU"]
    segments = [s._replace(conductor=names[i % 3]) if i % 5 == 0 else s for i, s in enumerate(rows.segments)]
    header, sections = decode_geometry(encode_geometry(dataclasses.replace(rows, segments=segments), structure=1).body)
    decoded = [header["conductors"][kind >> 2] for kind in sections["segment_kind"].tolist()]
    assert decoded == [segment.conductor for segment in segments]
    assert set(names) <= set(header["conductors"])

    many = [s._replace(conductor=f"C{i % 80:02d}") for i, s in enumerate(rows.segments)]
    header, sections = decode_geometry(encode_geometry(dataclasses.replace(rows, segments=many), structure=1).body)
    assert sections["segment_kind"].dtype == np.uint16
    assert [header["conductors"][kind >> 2] for kind in sections["segment_kind"].tolist()] == [
        s.conductor for s in many
    ]
    assert [header["phases"][kind & 3] for kind in sections["segment_kind"].tolist()] == [s.phases for s in many]


def test_neighbouring_feeders_get_different_colours(geometry: EncodedGeometry) -> None:
    header = geometry.header
    by_station: dict[int, list[int]] = {}
    for _, station, colour in header["feeders"]:
        by_station.setdefault(station, []).append(colour)
    assert all(len(set(colours)) == len(colours) for colours in by_station.values())
    for feeder, tie in Device.objects.filter(tie_feeder__isnull=False).values_list("feeder_id", "tie_feeder_id"):
        codes = dict(Feeder.objects.filter(id__in=[feeder, tie]).values_list("id", "code"))
        colour = {f[0]: f[2] for f in header["feeders"]}
        assert colour[codes[feeder]] != colour[codes[tie]]


def test_default_network_geometry_fits_its_budget() -> None:
    """The default network's body stays under the 1.4 MB gzip budget (built from generator rows)."""
    from bench.map import rows_from_network
    from grid.engine.synthetic import generate

    encoded = encode_geometry(rows_from_network(generate("default", 1)), structure=1)
    assert len(encoded.gzipped) <= 1_400_000
    assert encoded.header["counts"]["segments"] == 67_663


# -- status --------------------------------------------------------------------------------------


def _status_for(open_codes: set[str], **masks: np.ndarray) -> dict:
    # Bus 0 -> 1 -> 2 -> 3 on feeder 1 (breaker s0, recloser s1, fuse s2); bus 4 -> 5 on feeder 2;
    # tie switch on s4 (3-5) normally open.
    topology = build(
        6,
        [0, 4],
        [(0, 1, 1), (1, 2, 1), (2, 3, 1), (4, 5, 2), (3, 5, 1)],
        [
            ("BK", "breaker", 0, False),
            ("RC", "recloser", 1, False),
            ("FU", "fuse", 2, False),
            ("TIE", "switch", 4, True),
        ],
        {1: (1, 0, 0), 3: (2, 0, 0), 5: (3, 0, 0)},
    )
    arrays = topology.arrays
    device_open = np.array([code in open_codes for code in arrays.device_codes])
    live = topology.energize(device_open)
    body = encode_status(
        structure=7,
        state=9,
        energization=live,
        device_open=device_open,
        transformer_node=np.array([1, 3, 5]),
        **masks,
    )
    return decode_status(body)


def test_status_encodes_energization_and_switch_states() -> None:
    normal = _status_for({"TIE"})
    assert (normal["structure"], normal["state"], normal["flags"]) == (7, 9, 0)
    assert normal["segments"].tolist() == [0, 0, 0, 0, 1]  # the open tie's span is dead
    assert (normal["devices"] >> 2).tolist() == [0, 0, 0, SWITCH_OPEN_NORMAL]
    assert normal["transformers"].tolist() == [0, 0, 0]

    tripped = _status_for({"TIE", "RC"})
    assert (tripped["segments"] & 3).tolist() == [0, 1, 1, 0, 1]
    assert (tripped["devices"] >> 2).tolist() == [0, SWITCH_OPEN_ABNORMAL, 0, SWITCH_OPEN_NORMAL]
    assert (tripped["devices"] & 3).tolist() == [0, 0, 1, 0]  # RC's source side is live, FU is dead
    assert tripped["transformers"].tolist() == [0, 1, 0]

    transferred = _status_for({"RC"})  # tie closed: node 3 back-fed from feeder 2
    assert (transferred["devices"] >> 2).tolist()[3] == SWITCH_CLOSED_ABNORMAL
    assert (transferred["segments"] & 3).tolist() == [0, 1, 0, 0, 0]


def test_status_outage_mask_and_loading_classes() -> None:
    outage = np.array([False, True, True, False, False])
    loading = np.array([1, 2, 3, 4, 9], dtype=np.uint8)
    status = _status_for({"TIE", "RC"}, segment_in_outage=outage, segment_loading=loading)
    assert status["flags"] == STATUS_FLAG_OUTAGE | STATUS_FLAG_LOADING
    assert (status["segments"] & 3).tolist() == [0, 2, 2, 0, 1]
    assert ((status["segments"] >> 2) & 7).tolist() == [1, 2, 3, 4, 4]
    assert (status["devices"] & 3).tolist() == [0, 0, 2, 0]
    assert status["transformers"].tolist() == [0, 2, 0]


# -- endpoints -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/map/", "/map/geometry/1.bin", "/map/status", "/map/locate?q=SUB-001", "/map/assets/substation/SUB-001/"]
)
def test_map_endpoints_need_a_login(client: Client, small_network: Network, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_map_page_embeds_the_spec_and_loads_nothing_external(
    client: Client, viewer: User, small_network: Network, django_assert_num_queries
) -> None:
    client.force_login(viewer)
    map_cache.current_geometry()
    with django_assert_num_queries(5):
        response = client.get("/map/")
    html = response.content.decode()
    assert response.status_code == 200 and response["Vary"].count("HX-Request") == 1
    assert 'id="map-spec"' in html and 'id="map-config"' in html and "<html" in html
    assert 'href="/map/" aria-current="page">Map</a>' in html
    scripts = [part.split('"')[1] for part in html.split("<script src=")[1:]]
    assert scripts and all(src.startswith("/static/") for src in scripts)
    for name in ("vendor/deck.gl/deck.gl.min.", "vendor/deck.gl/deck.gl-json.min.", "js/map."):
        assert any(src.startswith(f"/static/{name}") for src in scripts), name
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    config = json.loads(html.split('id="map-config" type="application/json">')[1].split("</script>")[0])
    structure = network_cache.current_version()[0]
    assert config["geometryUrl"] == f"/map/geometry/{structure}.bin"
    assert config["geometryUrlTemplate"] == "/map/geometry/{structure}.bin"


def test_map_page_htmx_request_gets_the_widget(client: Client, viewer: User, small_network: Network) -> None:
    client.force_login(viewer)
    response = client.get("/map/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section class="map-widget" id="map-widget"')
    assert response["Vary"].count("HX-Request") == 1


def test_geometry_is_gzipped_cached_and_revalidated(
    client: Client, viewer: User, small_network: Network, django_assert_num_queries
) -> None:
    client.force_login(viewer)
    structure = network_cache.current_version()[0]
    url = f"/map/geometry/{structure}.bin"
    first = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert first.status_code == 200 and first["Content-Encoding"] == "gzip"
    assert first["Content-Type"] == "application/octet-stream"
    assert "max-age=31536000" in first["Cache-Control"] and "immutable" in first["Cache-Control"]
    assert "Accept-Encoding" in first["Vary"]
    header, _ = decode_geometry(gzip.decompress(first.content))
    assert header["structure"] == structure
    with django_assert_num_queries(3):  # session, user, version: the body comes from memory
        cached = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert cached.content == first.content
    plain = client.get(url)
    assert "Content-Encoding" not in plain and plain.content[:4] == b"FXMG"
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""


def test_geometry_of_an_old_version_redirects_to_the_current_one(
    client: Client, viewer: User, small_network: Network
) -> None:
    client.force_login(viewer)
    old = network_cache.current_version()[0]
    old_etag = client.get(f"/map/geometry/{old}.bin")["ETag"]
    Segment.objects.filter(pk=Segment.objects.order_by("id").first().pk).update(length_m=12.5)
    network_structure_changed()
    new = network_cache.current_version()[0]
    assert new != old
    response = client.get(f"/map/geometry/{old}.bin")
    assert response.status_code == 302 and response["Location"] == f"/map/geometry/{new}.bin"
    fresh = client.get(f"/map/geometry/{new}.bin", headers={"If-None-Match": old_etag})
    assert fresh.status_code == 200 and fresh["ETag"] != old_etag


def test_status_changes_when_a_device_opens(
    client: Client, viewer: User, small_network: Network, django_assert_num_queries
) -> None:
    client.force_login(viewer)
    first = client.get("/map/status", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first["Content-Encoding"] == "gzip"
    assert first["Cache-Control"] == "private, no-cache"
    before = decode_status(gzip.decompress(first.content))
    assert len(before["segments"]) == Segment.objects.count()
    assert len(before["devices"]) == Device.objects.count()
    assert len(before["transformers"]) == Transformer.objects.count()
    assert (
        int(((before["segments"] & 3) == STATUS_DEENERGIZED).sum())
        == Device.objects.filter(tie_feeder__isnull=False).count()
    )  # only the spans of open ties
    with django_assert_num_queries(6):  # session, user, active outages, version x2, open devices
        same = client.get("/map/status", headers={"If-None-Match": first["ETag"]})
    assert same.status_code == 304

    recloser = Device.objects.filter(kind="recloser").order_by("code").first()
    Device.objects.filter(pk=recloser.pk).update(current_state="open")
    device_states_changed()
    after_response = client.get("/map/status")
    assert after_response["ETag"] != first["ETag"]
    after = decode_status(after_response.content)
    energization = network_cache.current_energization()
    downstream = energization.downstream(energization.topology.arrays.segment_index(recloser.segment_id))
    dead = np.flatnonzero((after["segments"] & 3) == STATUS_DEENERGIZED)
    assert set(downstream.segments.tolist()) <= set(dead.tolist())
    index = list(Device.objects.order_by("id").values_list("id", flat=True)).index(recloser.pk)
    assert after["devices"][index] >> 2 == SWITCH_OPEN_ABNORMAL
    assert after["state"] == network_cache.current_version()[1] != before["state"]


# -- search and detail ---------------------------------------------------------------------------


def test_locate_finds_assets_and_meters(client: Client, viewer: User, small_network: Network) -> None:
    client.force_login(viewer)
    feeder = Feeder.objects.order_by("code").first()
    found = client.get("/map/locate", {"q": feeder.code.lower()}).json()
    assert found["kind"] == "feeder" and found["ref"] == feeder.code and len(found["bounds"]) == 4
    meter = ServicePoint.objects.order_by("meter_id").first()
    found = client.get("/map/locate", {"q": f" {meter.meter_id} "}).json()
    assert found["kind"] == "meter" and (found["lon"], found["lat"]) == (meter.lon, meter.lat)
    assert found["detail_url"] == f"/map/assets/meter/{meter.meter_id}/"
    segment = Segment.objects.order_by("id").last()
    found = client.get("/map/locate", {"q": f"S{segment.id}"}).json()
    assert found["kind"] == "segment" and found["path"] == segment.geometry
    device = Device.objects.filter(kind="fuse").first()
    assert client.get("/map/locate", {"q": device.code}).json()["kind"] == "device"


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [("", 400, "Give an asset"), ("X" * 41, 400, "at most 40"), ("NOPE-1", 404, "No asset or meter")],
)
def test_locate_rejects_bad_queries(
    client: Client, viewer: User, small_network: Network, query: str, status: int, message: str
) -> None:
    client.force_login(viewer)
    response = client.get("/map/locate", {"q": query})
    assert response.status_code == status and message in response.json()["detail"]


def test_segment_detail_panel_has_protection_and_customers(
    client: Client, viewer: User, small_network: Network, django_assert_num_queries
) -> None:
    client.force_login(viewer)
    feeder = Feeder.objects.order_by("code").first()
    head = feeder.head_breaker.segment
    network_cache.current_energization()
    with django_assert_num_queries(9):  # and the active outages and open work orders on it
        response = client.get(f"/map/assets/segment/{head.id}/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="asset-panel"')
    assert feeder.code in html and feeder.substation.code in html and "Energized" in html
    customers = ServicePoint.objects.filter(transformer__feeder=feeder).values_list("customers", flat=True)
    assert f"{sum(customers):,}" in html
    assert feeder.head_breaker.code in html  # the breaker on the head span protects it
    page = client.get(f"/map/assets/segment/{head.id}/")
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_detail_of_a_dead_transformer_shows_its_normal_protection(
    client: Client, viewer: User, small_network: Network
) -> None:
    client.force_login(viewer)
    recloser = Device.objects.filter(kind="recloser").order_by("code").first()
    Device.objects.filter(pk=recloser.pk).update(current_state="open")
    device_states_changed()
    energization = network_cache.current_energization()
    arrays = energization.topology.arrays
    dead_nodes = set(arrays.node_ids[~energization.energized].tolist())
    transformer = Transformer.objects.filter(node_id__in=dead_nodes, feeder=recloser.feeder).first()
    html = client.get(f"/map/assets/transformer/{transformer.code}/", headers={"HX-Request": "true"}).content.decode()
    assert "De-energized" in html and "as normally fed" in html
    assert recloser.code in html and "open" in html


@pytest.mark.parametrize("kind", ["device", "transformer", "meter", "substation"])
def test_every_asset_kind_has_a_detail(client: Client, viewer: User, small_network: Network, kind: str) -> None:
    client.force_login(viewer)
    ref = {
        "device": lambda: Device.objects.filter(tie_feeder__isnull=False).first().code,
        "transformer": lambda: Transformer.objects.first().code,
        "meter": lambda: ServicePoint.objects.first().meter_id,
        "substation": lambda: Substation.objects.first().code,
    }[kind]()
    response = client.get(f"/map/assets/{kind}/{ref}/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'data-asset-kind="{kind}"' in response.content.decode()
    assert "Customers" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "message"),
    [("/map/assets/pole/1/", "Unknown asset kind"), ("/map/assets/device/NOPE/", "No device with id 'NOPE'")],
)
def test_unknown_assets_are_404_with_a_message(
    client: Client, viewer: User, small_network: Network, url: str, message: str
) -> None:
    client.force_login(viewer)
    response = client.get(url)
    assert response.status_code == 404 and message in response.content.decode()


def test_asset_detail_selector_for_a_tie(small_network: Network) -> None:
    tie = Device.objects.filter(tie_feeder__isnull=False).select_related("tie_feeder").first()
    detail = asset_detail("device", tie.code.lower())
    assert detail is not None and detail.ref == tie.code
    assert ("Tie to feeder", tie.tie_feeder.code) in detail.attributes
    assert ("Normal state", "Open") in detail.attributes


def test_operations_overview_embeds_the_map(client: Client, viewer: User, small_network: Network) -> None:
    client.force_login(viewer)
    html = client.get("/").content.decode()
    assert 'hx-get="/map/" hx-trigger="load" hx-target="this" hx-swap="outerHTML"' in html
    assert "/static/js/map." in html and "/static/vendor/deck.gl/deck.gl.min." in html
