"""The dashboard's daily SAIDI chart, a Vega-Lite spec built with Altair in the shared chart theme."""

from __future__ import annotations

from datetime import date

import altair as alt

from fluxops.charts import AMBER, BLUE, RED, ChartSpec, finish, inline_data

SAIDI_TITLE = "SAIDI (min)"


def daily_saidi_chart(series: list[tuple[date, float, bool]], thresholds: dict[int, float | None]) -> ChartSpec:
    """Daily SAIDI bars, MED days marked, with each year's MED threshold as a dashed rule."""
    data = inline_data(
        [
            {
                "day": day.isoformat(),
                "saidi": round(value, 4),
                "med": is_med,
                "threshold": None if (threshold := thresholds.get(day.year)) is None else round(threshold, 4),
            }
            for day, value, is_med in series
        ]
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("saidi:Q", title=SAIDI_TITLE, scale=alt.Scale(type="symlog")),
            color=alt.Color("med:N", title="Major event day", scale=alt.Scale(domain=[False, True], range=[BLUE, RED])),
            tooltip=[
                alt.Tooltip("day:T", title="Day"),
                alt.Tooltip("saidi:Q", title=SAIDI_TITLE, format=".2f"),
                alt.Tooltip("med:N", title="MED"),
            ],
        )
    )
    # The threshold is set per calendar year: one rule per year, across that year's days. Date-only ISO
    # strings parse as UTC midnight, so the year is taken in UTC.
    rule = (
        alt.Chart(data)
        .transform_filter("datum.threshold != null")
        .mark_rule(color=AMBER, strokeDash=[4, 3])
        .encode(
            x="min(day):T",
            x2="max(day):T",
            y=alt.Y("threshold:Q", title=SAIDI_TITLE),
            detail="utcyear(day):T",
        )
    )
    chart = alt.layer(bars, rule).properties(description="Daily SAIDI (minutes) with the major event day threshold")
    return finish(chart, height=220)
