"""The operations map's pydeck spec: layers, view, colour tables and tooltips, pure.

Three things travel to the browser, each cached on its own terms:

* the spec (`build_deck`): a small pydeck `Deck` (layers, view, colour tables, tooltip fields)
  embedded in the page with `json_script` and rendered by the vendored deck.gl JSON converter;
* the geometry (`encode_geometry`): one binary body, keyed by the network's structure version,
  sent once and cached by the browser (ETag, long max-age);
* the status (`encode_status`): one byte per segment, device and transformer, refreshed while
  the page is visible; a status change never re-sends geometry."""

from __future__ import annotations

import json
import math

import numpy as np
import pydeck

from grid.engine.arrays import FloatArray

Colour = list[int]


# Colour tables (RGBA). The dark control-room background is #0b111b.
BACKGROUND = "#0b111b"


FEEDER_PALETTE: list[Colour] = [
    [78, 179, 255, 255],
    [255, 167, 38, 255],
    [102, 214, 140, 255],
    [236, 112, 200, 255],
    [255, 230, 90, 255],
    [150, 130, 255, 255],
    [64, 224, 208, 255],
    [255, 120, 100, 255],
    [190, 230, 80, 255],
    [120, 170, 255, 255],
    [255, 190, 150, 255],
    [200, 160, 255, 255],
]


ENERGIZATION_COLOURS: dict[str, Colour] = {
    "energized": [53, 197, 138, 255],
    "deenergized": [146, 156, 178, 255],
    "outage": [255, 64, 64, 255],
}


LOADING_COLOURS: list[Colour] = [
    [96, 110, 130, 255],
    [53, 197, 138, 255],
    [255, 214, 70, 255],
    [255, 140, 40, 255],
    [255, 50, 50, 255],
]


DEVICE_COLOURS: dict[str, Colour] = {
    "closed": [220, 228, 240, 255],
    "open_normal": [0, 200, 255, 255],
    "open_abnormal": [255, 40, 200, 255],
    "closed_abnormal": [255, 230, 0, 255],
}


TRANSFORMER_COLOURS: dict[str, Colour] = {
    "energized": [140, 160, 200, 150],
    "deenergized": [146, 156, 178, 90],
    "outage": [255, 64, 64, 220],
}


SUBSTATION_COLOUR: Colour = [255, 255, 255, 255]


AREA_FILL: list[Colour] = [[78, 179, 255, 14], [160, 130, 255, 14], [64, 224, 208, 12], [255, 190, 120, 10]]


AREA_LINE: Colour = [120, 150, 200, 90]


OUTLINE_LINE: Colour = [120, 150, 200, 45]


# pydeck reads bare strings in layer arguments as accessor expressions; String keeps them literal.
PIXELS = pydeck.types.String("pixels")


LAYER_IDS = (
    "service-areas",
    "feeder-outlines",
    "segments",
    "transformers",
    "devices",
    "open-devices",
    "substations",
    "substation-labels",
    "selection",
    "selection-point",
)


# Layers drawn only from this zoom on: at network scale they would be 38K specks costing most of a
# software-rendered frame; open and abnormal devices have their own always-visible layer.
DETAIL_LAYER_MIN_ZOOM: dict[str, float] = {"devices": 12.0, "transformers": 12.5}


TOOLTIP_FIELDS: dict[str, list[str]] = {
    "segments": ["id", "feeder", "substation", "conductor", "phases", "length", "status"],
    "devices": ["code", "kind", "feeder", "substation", "state", "status"],
    "open-devices": ["code", "kind", "feeder", "substation", "state", "status"],
    "transformers": ["code", "kva", "feeder", "substation", "status"],
    "substations": ["code", "name", "feeders"],
}


def feeder_colours(
    feeder_ids: list[int], feeder_substation: list[int], bboxes: FloatArray, ties: list[tuple[int, int]]
) -> list[int]:
    """Palette index per feeder so that neighbouring feeders differ (greedy graph colouring).

    Feeders are neighbours when they share a substation, are joined by a tie, or their
    bounding boxes (grown by a margin) overlap.
    """
    n = len(feeder_ids)
    position = {feeder_id: i for i, feeder_id in enumerate(feeder_ids)}
    margin = 0.004
    lo, hi = bboxes[:, :2] - margin, bboxes[:, 2:] + margin
    overlap = (lo[:, None, 0] <= hi[None, :, 0]) & (lo[None, :, 0] <= hi[:, None, 0])
    overlap &= (lo[:, None, 1] <= hi[None, :, 1]) & (lo[None, :, 1] <= hi[:, None, 1])
    station = np.array(feeder_substation)
    adjacent = overlap | (station[:, None] == station[None, :])
    for a, b in ties:
        if a in position and b in position:
            adjacent[position[a], position[b]] = adjacent[position[b], position[a]] = True
    np.fill_diagonal(adjacent, False)
    colours = [-1] * n
    counts = [0] * len(FEEDER_PALETTE)
    for i in sorted(range(n), key=lambda i: -int(adjacent[i].sum())):
        taken = {colours[j] for j in np.flatnonzero(adjacent[i]) if colours[j] >= 0}
        free = [c for c in range(len(FEEDER_PALETTE)) if c not in taken] or list(range(len(FEEDER_PALETTE)))
        colours[i] = min(free, key=lambda c: counts[c])
        counts[colours[i]] += 1
    return colours


def view_for_bounds(bounds: list[float], *, width: int = 1200, height: int = 800) -> pydeck.ViewState:
    """A view state showing `bounds` (min lon, min lat, max lon, max lat) in a viewport of that size."""
    if not bounds:
        return pydeck.ViewState(longitude=-95.37, latitude=29.76, zoom=9)
    min_lon, min_lat, max_lon, max_lat = bounds

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max((max_lon - min_lon) / 360, 1e-6)
    span_y = max((mercator_y(max_lat) - mercator_y(min_lat)) / (2 * math.pi), 1e-6)
    zoom = min(math.log2(width / 512 / span_x), math.log2(height / 512 / span_y))
    return pydeck.ViewState(
        longitude=round((min_lon + max_lon) / 2, 6),
        latitude=round((min_lat + max_lat) / 2, 6),
        zoom=round(zoom - 0.1, 2),
        min_zoom=7,
        max_zoom=19,
    )


def colour_tables() -> dict[str, object]:
    """Every colour the map uses, by mode and asset (also what the legends show)."""
    return {
        "feeder": FEEDER_PALETTE,
        "energization": ENERGIZATION_COLOURS,
        "loading": LOADING_COLOURS,
        "devices": DEVICE_COLOURS,
        "transformers": TRANSFORMER_COLOURS,
    }


def _device_layer(layer_id: str, data: str, colour_key: str) -> pydeck.Layer:
    """Switching and protective devices: closed ones as dots, open ones as rings (two layers share this)."""
    return pydeck.Layer(
        "ScatterplotLayer",
        id=layer_id,
        data=data,
        get_fill_color={"@@function": "deviceFill", "colours": DEVICE_COLOURS},
        get_line_color={"@@function": "deviceLine", "colours": DEVICE_COLOURS},
        get_radius={"@@function": "deviceRadius", "closed": 2, "open": 4.5},
        radius_units=PIXELS,
        line_width_units=PIXELS,
        get_line_width=1.5,
        stroked=True,
        filled=True,
        pickable=True,
        update_triggers={"getFillColor": colour_key, "getLineColor": colour_key, "getRadius": colour_key},
    )


def build_deck(*, bounds: list[float], click_time_ms: int | None = None) -> pydeck.Deck:
    """The map's pydeck spec: context, segment, point and label layers with colour tables and tooltips.

    Data is bound in the browser (`"@@#name"` constants) once the geometry body is decoded;
    `{"@@function": ...}` entries are accessors registered by static/js/map.js.
    """
    colour_key = "@@#colourKey"
    layers = [
        pydeck.Layer(
            "PolygonLayer",
            id="service-areas",
            data="@@#serviceAreas",
            get_polygon="polygon",
            get_fill_color={"@@function": "areaFill", "palette": AREA_FILL},
            get_line_color=AREA_LINE,
            line_width_min_pixels=1,
            stroked=True,
            filled=True,
            pickable=False,
        ),
        pydeck.Layer(
            "PathLayer",
            id="feeder-outlines",
            data="@@#feederOutlines",
            get_path="path",
            get_color=OUTLINE_LINE,
            width_min_pixels=1,
            width_max_pixels=1,
            pickable=False,
        ),
        pydeck.Layer(
            "LineLayer",
            id="segments",
            data="@@#segments",
            get_color={"@@function": "segmentColour", "modes": colour_tables()},
            get_width={"@@function": "segmentWidth", "threePhase": 2, "singlePhase": 1},
            width_units=PIXELS,
            pickable=True,
            update_triggers={"getColor": colour_key, "getWidth": colour_key},
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            id="transformers",
            data="@@#transformers",
            get_fill_color={"@@function": "transformerColour", "colours": TRANSFORMER_COLOURS},
            get_radius=1.6,
            radius_units=PIXELS,
            pickable=True,
            update_triggers={"getFillColor": colour_key},
        ),
        _device_layer("devices", "@@#devices", colour_key),
        _device_layer("open-devices", "@@#openDevices", colour_key),
        pydeck.Layer(
            "ScatterplotLayer",
            id="substations",
            data="@@#substations",
            get_position="position",
            get_fill_color=[11, 17, 27, 255],
            get_line_color=SUBSTATION_COLOUR,
            get_radius=6,
            radius_units=PIXELS,
            get_line_width=2,
            line_width_units=PIXELS,
            stroked=True,
            filled=True,
            pickable=True,
        ),
        pydeck.Layer(
            "TextLayer",
            id="substation-labels",
            data="@@#substations",
            get_position="position",
            get_text="name",
            get_size=11,
            get_color=[220, 228, 240, 200],
            get_pixel_offset=[0, -14],
            font_family=pydeck.types.String("system-ui, sans-serif"),
            pickable=False,
        ),
        pydeck.Layer(
            "PathLayer",
            id="selection",
            data="@@#selection",
            get_path="path",
            get_color=[255, 255, 255, 255],
            width_min_pixels=5,
            pickable=False,
        ),
        pydeck.Layer(
            "ScatterplotLayer",
            id="selection-point",
            data="@@#selectionPoint",
            get_position="position",
            get_line_color=[255, 255, 255, 255],
            get_radius=11,
            radius_units=PIXELS,
            get_line_width=3,
            line_width_units=PIXELS,
            stroked=True,
            filled=False,
            pickable=False,
        ),
    ]
    deck = pydeck.Deck(
        layers=layers,
        initial_view_state=view_for_bounds(bounds),
        views=[pydeck.View(type="MapView", controller=True)],
        map_provider=None,
        map_style=None,
        tooltip=False,
    )
    # Deck props pydeck has no keyword for; serialised with the rest of the spec.
    deck.get_tooltip = {"@@function": "assetTooltip", "fields": TOOLTIP_FIELDS}
    deck.picking_radius = 4
    if click_time_ms is not None:
        deck.event_recognizer_options = {"click": {"time": click_time_ms}}
    return deck


def deck_spec(deck: pydeck.Deck) -> dict[str, object]:
    """The spec as a JSON-ready dict (what json_script embeds)."""
    spec: dict[str, object] = json.loads(deck.to_json())
    return spec
