"""Vega-Lite specs built in Python, rendered in the browser by the vendored vega-embed."""

from __future__ import annotations

from datetime import date

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier, never fetched
THEME = {
    "background": None,
    "axis": {"labelColor": "#8c9ab0", "titleColor": "#8c9ab0", "gridColor": "#2a364c", "domainColor": "#2a364c"},
    "legend": {"labelColor": "#dbe3ef", "titleColor": "#8c9ab0"},
    "view": {"stroke": None},
}


def daily_saidi_chart(series: list[tuple[date, float, bool]], thresholds: dict[int, float | None]) -> dict:
    """Daily SAIDI bars with the MED threshold as a step line and MED days marked."""
    values = [
        {
            "day": day.isoformat(),
            "saidi": round(value, 4),
            "med": is_med,
            "threshold": None if thresholds.get(day.year) is None else round(thresholds[day.year], 4),
        }
        for day, value, is_med in series
    ]
    x = {"field": "day", "type": "temporal", "title": None}
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "description": "Daily SAIDI (minutes) with the major event day threshold",
        "width": "container",
        "height": 220,
        "data": {"values": values},
        "config": THEME,
        "layer": [
            {
                "mark": {"type": "bar", "color": "#4fb3ff"},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "saidi",
                        "type": "quantitative",
                        "title": "SAIDI (min)",
                        "scale": {"type": "symlog"},
                    },
                    "color": {
                        "field": "med",
                        "type": "nominal",
                        "title": "Major event day",
                        "scale": {"domain": [False, True], "range": ["#4fb3ff", "#ff5c5c"]},
                    },
                    "tooltip": [
                        {"field": "day", "type": "temporal", "title": "Day"},
                        {"field": "saidi", "type": "quantitative", "title": "SAIDI (min)", "format": ".2f"},
                        {"field": "med", "type": "nominal", "title": "MED"},
                    ],
                },
            },
            {
                "mark": {"type": "line", "color": "#f5b041", "strokeDash": [4, 3], "interpolate": "step-after"},
                "encoding": {"x": x, "y": {"field": "threshold", "type": "quantitative"}},
            },
        ],
    }
