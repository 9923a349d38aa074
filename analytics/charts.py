"""Vega-Lite specs for the analytics panels, built with Altair from typed rows (pure functions)."""

from __future__ import annotations

import datetime as dt

import altair as alt

from analytics import queries
from fluxops.charts import AMBER, BLUE, MUTED, PURPLE, RED, ChartSpec, finish, inline_data
from grid.constants import CUSTOMER_CLASSES

CLASS_COLOURS = alt.Scale(domain=list(CUSTOMER_CLASSES), range=[BLUE, AMBER, PURPLE])


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


def feeder_load(rows: list[queries.FeederLoadPoint], peak_hour: dt.datetime | None, peak_kw: float | None) -> ChartSpec:
    """Stacked area of average kW by customer class per hour, the peak hour marked."""
    data = inline_data(
        [{"hour": _iso(r.hour), "customer_class": r.customer_class, "kw": round(r.avg_kw, 1)} for r in rows]
    )
    area = (
        alt.Chart(data)
        .mark_area(opacity=0.85)
        .encode(
            x=alt.X("hour:T", title=None),
            y=alt.Y("kw:Q", stack="zero", title="kW (hourly average)"),
            color=alt.Color("customer_class:N", scale=CLASS_COLOURS, title="Class"),
            tooltip=[alt.Tooltip("hour:T", format="%a %d %b %H:00"), "customer_class:N", "kw:Q"],
        )
    )
    if peak_hour is None:
        return finish(area)
    peak = inline_data([{"hour": _iso(peak_hour), "kw": round(peak_kw or 0, 1), "label": f"peak {peak_kw:,.0f} kW"}])
    rule = alt.Chart(peak).mark_rule(color=RED, strokeDash=[4, 3]).encode(x="hour:T")
    text = alt.Chart(peak).mark_text(color=RED, align="left", dx=4, dy=-6).encode(x="hour:T", y="kw:Q", text="label:N")
    return finish(alt.layer(area, rule, text))


def _band(pct: float) -> str:
    return "> 120%" if pct > 120 else "100-120%" if pct > 100 else "<= 100%"


def transformer_loading(rows: list[queries.TransformerLoading], top: int = 25) -> ChartSpec:
    """Peak loading (% of rating) of the most loaded transformers, with 100% and 120% lines."""
    data = inline_data(
        [
            {
                "transformer": r.transformer_code,
                "peak_pct": round(r.peak_pct, 1),
                "kva": r.kva,
                "band": _band(r.peak_pct),
            }
            for r in rows[:top]
        ]
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("transformer:N", sort="-y", title=None),
            y=alt.Y("peak_pct:Q", title="peak loading, % of rating"),
            color=alt.Color(
                "band:N",
                scale=alt.Scale(domain=["<= 100%", "100-120%", "> 120%"], range=[BLUE, AMBER, RED]),
                title="Peak",
            ),
            tooltip=["transformer:N", "kva:Q", "peak_pct:Q"],
        )
    )
    limits = inline_data([{"pct": 100}, {"pct": 120}])
    rules = alt.Chart(limits).mark_rule(strokeDash=[4, 3], color=MUTED).encode(y="pct:Q")
    return finish(alt.layer(bars, rules))


def voltage_compliance(rows: list[queries.FeederVoltage], top: int = 20) -> ChartSpec:
    """Meters with Range A and Range B excursions on the feeders with the most."""
    values = []
    for r in rows[:top]:
        values.append({"feeder": r.feeder_code, "range": "outside Range A", "meters": r.meters_out_a})
        values.append({"feeder": r.feeder_code, "range": "outside Range B", "meters": r.meters_out_b})
    chart = (
        alt.Chart(inline_data(values))
        .mark_bar()
        .encode(
            x=alt.X("feeder:N", sort=None, title=None),
            xOffset="range:N",
            y=alt.Y("meters:Q", title="meters with excursions"),
            color=alt.Color(
                "range:N", scale=alt.Scale(domain=["outside Range A", "outside Range B"], range=[AMBER, RED])
            ),
            tooltip=["feeder:N", "range:N", "meters:Q"],
        )
    )
    return finish(chart)


def system_load(rows: list[queries.SystemLoadHour], day: dt.date, week_before: dt.date) -> ChartSpec:
    """System MW by hour of day: the day against the same weekday a week before."""
    this, last = f"{day:%a %d %b}", f"{week_before:%a %d %b}"
    values = []
    for r in rows:
        if r.mw_day is not None:
            values.append({"hour": r.hour_of_day, "series": this, "mw": round(r.mw_day, 2)})
        if r.mw_week_before is not None:
            values.append({"hour": r.hour_of_day, "series": last, "mw": round(r.mw_week_before, 2)})
    chart = (
        alt.Chart(inline_data(values))
        .mark_line(point=True)
        .encode(
            x=alt.X("hour:Q", title="hour of day", scale=alt.Scale(domain=[0, 23])),
            y=alt.Y("mw:Q", title="MW"),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=[this, last], range=[BLUE, MUTED]),
                title=None,
            ),
            strokeDash=alt.StrokeDash("series:N", legend=None),
            tooltip=["series:N", "hour:Q", "mw:Q"],
        )
    )
    return finish(chart)
