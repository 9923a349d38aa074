"""The dark chart theme every page shares, and `finish`, which turns an Altair chart into the Vega-Lite
dict that a template embeds with `json_script` and static/js/charts.js draws with the vendored vega-embed."""

from __future__ import annotations

from typing import Any

import altair as alt

BLUE = "#4fb3ff"
AMBER = "#f5b041"
RED = "#ff5c5c"
PURPLE = "#b57edc"
MUTED = "#8c9ab0"  # axis labels and titles, reference lines
TEXT = "#dbe3ef"
GRID = "#2a364c"

AXIS = {"labelColor": MUTED, "titleColor": MUTED, "gridColor": GRID, "domainColor": GRID}
LEGEND = {"labelColor": TEXT, "titleColor": MUTED}


def finish(chart: alt.Chart | alt.LayerChart, *, height: int = 260) -> dict[str, Any]:
    """The chart as a Vega-Lite dict, as wide as its container, in the theme (Altair validates it here)."""
    return (
        chart.properties(width="container", height=height, background="transparent")
        .configure_axis(**AXIS)
        .configure_legend(**LEGEND)
        .configure_view(stroke=None)
        .to_dict()
    )
