"""The dark chart theme every page shares, and `finish`, which turns an Altair chart into the Vega-Lite
dict that a template embeds with `json_script` and static/js/charts.js draws with the vendored vega-embed."""

from __future__ import annotations

import altair as alt

BLUE = "#4fb3ff"
AMBER = "#f5b041"
RED = "#ff5c5c"
PURPLE = "#b57edc"
MUTED = "#8c9ab0"  # axis labels and titles, reference lines
TEXT = "#dbe3ef"
GRID = "#2a364c"

# A Vega-Lite spec as JSON-ready data (what `json_script` embeds).
type ChartSpec = dict[str, object]


def inline_data(values: list[dict[str, object]]) -> alt.Data:
    """Rows embedded in the spec as a chart's data."""
    return alt.Data(values=values)  # type: ignore[no-untyped-call]  # altair's Data.__init__ is unannotated


def finish(chart: alt.Chart | alt.LayerChart | alt.FacetChart, *, height: int = 260) -> ChartSpec:
    """The chart as a Vega-Lite dict, as wide as its container, in the theme (Altair validates it here)."""
    spec: ChartSpec = (
        chart.properties(width="container", height=height, background="transparent")
        .configure_axis(labelColor=MUTED, titleColor=MUTED, gridColor=GRID, domainColor=GRID)
        .configure_legend(labelColor=TEXT, titleColor=MUTED)
        .configure_view(stroke=None)
        .to_dict()
    )
    return spec
