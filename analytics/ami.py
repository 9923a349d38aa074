"""Synthetic AMI data: 15-minute kWh and voltage for every meter, generated inside DuckDB.

The model, per meter and interval (ts is the interval start in local standard time, UTC-6):
- Load = base kW x class shape (residential morning and evening peaks, commercial business hours,
  industrial shifts; flatter weekends) + cooling load driven by a daily temperature with a summer
  peak (Houston: 36 C afternoons in late July), x a deterministic per-reading noise.
- Residential base load scales with customers; commercial and industrial base load is sized from the
  transformer rating. About 2% of transformers carry extra load (overloaded), and the network's
  undersized 25 kVA units serving many homes overload on hot afternoons.
- Voltage starts at the regulated 123 V at the substation and drops along the feeder with system
  load, through the transformer with its loading and on the service drop. About 1% of meters see
  voltage excursions (sags below Range B, or swells above Range A near the substation).
- Gaps: meters behind an outage recorded in the outage history have no readings while it lasts
  (see `outage_windows`).

Same seed, network and dates -> the same readings. The SQL here is DuckDB's own: it runs in the
embedded warehouse, or in a local DuckDB that writes Parquet for Snowflake's PUT + COPY INTO.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import F, Model, QuerySet

from grid.models import Feeder, ServicePoint, Transformer
from grid.selectors import outages as grid_outages

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class OutageWindow:
    """An interruption from the outage history: meters behind these transformers or feeders had no supply."""

    start: dt.datetime
    end: dt.datetime
    transformer_ids: tuple[int, ...] = ()
    feeder_ids: tuple[int, ...] = ()


def outage_windows(start: dt.datetime, end: dt.datetime) -> list[OutageWindow]:
    """Recorded outages overlapping [start, end) (naive local standard time), by transformer."""
    return [
        OutageWindow(start=w.start, end=w.end, transformer_ids=tuple(w.transformer_ids))
        for w in grid_outages.outage_windows(start, end)
    ]


def export_network(directory: Path) -> dict[str, int]:
    """Write the network dimensions the warehouse needs as CSV files in `directory`; returns row counts."""
    directory.mkdir(parents=True, exist_ok=True)
    tables: dict[str, tuple[list[str], QuerySet[Model, tuple[object, ...]]]] = {
        "grid_feeder": (
            ["feeder_id", "feeder_code", "substation_code", "src_lon", "src_lat"],
            Feeder.objects.order_by("id").values_list(
                "id", "code", "substation__code", "source_node__lon", "source_node__lat"
            ),
        ),
        "grid_transformer": (
            ["transformer_id", "transformer_code", "feeder_id", "kva", "lon", "lat"],
            Transformer.objects.order_by("id").values_list("id", "code", "feeder_id", "kva", "node__lon", "node__lat"),
        ),
        "grid_meter": (
            ["meter_id", "meter_code", "transformer_id", "feeder_id", "customer_class", "customers"],
            ServicePoint.objects.order_by("id").values_list(
                "id", "meter_id", "transformer_id", F("transformer__feeder_id"), "customer_class", "customers"
            ),
        ),
    }
    counts = {}
    for name, (header, rows) in tables.items():
        with (directory / f"{name}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            n = 0
            for row in rows.iterator(chunk_size=20_000):
                writer.writerow(row)
                n += 1
        counts[name] = n
    return counts


# Per-meter generation parameters, from the dimension CSVs. u_* are deterministic uniforms in [0, 1).
PREPARE_SQL = """
CREATE OR REPLACE TEMP TABLE gen_feeder AS SELECT * FROM read_csv($feeders, header = true, auto_detect = true);
CREATE OR REPLACE TEMP TABLE gen_transformer AS
SELECT t.*,
       sqrt(power((t.lon - f.src_lon) * 96.5, 2) + power((t.lat - f.src_lat) * 110.5, 2)) AS km,
       (hash(t.transformer_id, $seed, 'tx') % 1000003) / 1000003.0 AS u_tx
FROM read_csv($transformers, header = true, auto_detect = true) AS t
JOIN gen_feeder AS f USING (feeder_id);
CREATE OR REPLACE TEMP TABLE gen_meter_raw AS
SELECT m.*,
       t.kva,
       t.km / max(t.km) OVER (PARTITION BY m.feeder_id) AS pos,
       t.u_tx,
       count(*) OVER (PARTITION BY m.transformer_id) AS tx_meters,
       (hash(m.meter_id, $seed, 'meter') % 1000003) / 1000003.0 AS u_meter
FROM read_csv($meters, header = true, auto_detect = true) AS m
JOIN gen_transformer AS t USING (transformer_id);
CREATE OR REPLACE TEMP TABLE gen_meter AS
WITH sized AS (
    SELECT meter_id, transformer_id, feeder_id, pos, kva, u_meter,
           CASE customer_class WHEN 'residential' THEN 0 WHEN 'commercial' THEN 1 ELSE 2 END AS cls,
           CASE customer_class
               WHEN 'residential' THEN 1.4 * customers * (0.6 + 0.8 * u_meter) * IF(u_tx < 0.02, 2.4, 1.0)
               WHEN 'commercial' THEN kva * 0.95 * (0.40 + 0.45 * u_tx) / tx_meters / 1.6 * (0.8 + 0.4 * u_meter)
               ELSE kva * 0.95 * (0.45 + 0.4 * u_tx) / 1.1
           END AS base_kw,
           CASE customer_class WHEN 'residential' THEN 2.1 WHEN 'commercial' THEN 1.6 ELSE 1.1 END AS peak_factor
    FROM gen_meter_raw
)
SELECT s.meter_id, s.transformer_id, s.feeder_id, s.cls, s.base_kw, s.pos,
       -- Estimated peak loading of the transformer (per unit of its rating), for its voltage drop.
       sum(s.base_kw * s.peak_factor) OVER (PARTITION BY s.transformer_id) / (s.kva * 0.95) AS tx_pu,
       s.peak_factor,
       -- 1% of meters see excursions: -1 sags (far from the substation), +1 swells (near it).
       CASE WHEN s.u_meter >= 0.99 THEN IF(s.pos > 0.4, -1, 1) ELSE 0 END AS excursion
FROM sized AS s;
CREATE OR REPLACE TEMP TABLE gen_gap (meter_id INTEGER, start_ts TIMESTAMP, end_ts TIMESTAMP);
"""

# Per interval: local hour, weekday, temperature and class shapes (96 rows a day, computed once).
TIME_SQL = """
CREATE OR REPLACE TEMP TABLE gen_time AS
WITH t AS (
    SELECT range AS ts,
           hour(range) + minute(range) / 60.0 + 0.125 AS h,
           isodow(range) >= 6 AS weekend,
           dayofyear(range) AS doy,
           (hash(CAST(range AS DATE), $seed, 'weather') % 1000003) / 1000003.0 AS u_day
    FROM range(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP), INTERVAL 15 MINUTE)
), w AS (
    SELECT *,
           30.0 + 6.5 * cos(2 * pi() * (doy - 205) / 365.25) + 4.0 * (u_day - 0.5) AS t_max
    FROM t
), s AS (
    SELECT ts, weekend,
           greatest(t_max - 4.5 + 4.5 * cos(2 * pi() * (h - 16) / 24) - 22.0, 0) AS cdd,
           IF(weekend,
              0.50 + 0.30 * exp(-power(h - 10, 2) / 6) + 0.50 * exp(-power(h - 19, 2) / 8),
              0.45 + 0.35 * exp(-power(h - 7.5, 2) / 3) + 0.55 * exp(-power(h - 19.5, 2) / 8)) AS res,
           IF(weekend, 0.35 + 0.20 * exp(-power(h - 13, 2) / 18), 0.35 + 0.65 * exp(-power(h - 13, 2) / 18)) AS com,
           IF(weekend, 0.60, IF(h >= 6 AND h < 22, 0.95, 0.75)) AS ind
    FROM w
)
SELECT ts,
       res + 0.09 * cdd AS res_kw,
       com + IF(weekend, 0.015, 0.04) * cdd AS com_kw,
       ind + 0.01 * cdd AS ind_kw,
       least((res + 0.09 * cdd) / 2.1, 1.2) AS sys_pu
FROM s;
"""

READINGS_SELECT = """
SELECT meter_id, ts,
       round(greatest(kw * (0.85 + 0.3 * u1), 0.0) / 4, 4) AS kwh,
       round(123.0 + 1.2 * (u2 - 0.5)
             - 6.0 * pos * sys_pu
             - 3.2 * tx_pu * shape / peak_factor
             - 0.8 * shape / peak_factor
             + CASE WHEN excursion <> 0 AND (h >> 40) % 24 = 0
                    THEN IF(excursion < 0, -9.0 - 5.0 * u2, 4.0 + 1.5 * u2) ELSE 0 END, 1) AS voltage
FROM (
    SELECT m.meter_id, t.ts, m.pos, m.tx_pu, m.peak_factor, m.excursion, t.sys_pu,
           CASE m.cls WHEN 0 THEN t.res_kw WHEN 1 THEN t.com_kw ELSE t.ind_kw END AS shape,
           m.base_kw * CASE m.cls WHEN 0 THEN t.res_kw WHEN 1 THEN t.com_kw ELSE t.ind_kw END AS kw,
           hash(m.meter_id, t.ts, $seed) AS h,
           (h % 100003) / 100003.0 AS u1,
           ((h >> 20) % 100019) / 100019.0 AS u2
    FROM gen_meter AS m CROSS JOIN gen_time AS t
    {gap_filter}
) AS x
"""

GAP_FILTER = (
    "WHERE NOT EXISTS (SELECT 1 FROM gen_gap AS g "
    "WHERE g.meter_id = m.meter_id AND t.ts >= g.start_ts AND t.ts < g.end_ts)"
)


def readings_sql(*, with_gaps: bool) -> str:
    """The SELECT producing one day's readings from gen_meter x gen_time (and gen_gap when outages exist)."""
    return READINGS_SELECT.format(gap_filter=GAP_FILTER if with_gaps else "")


def prepare(conn: duckdb.DuckDBPyConnection, csv_dir: Path, seed: int) -> int:
    """Create the generation tables in the DuckDB connection `conn`; returns the number of meters."""
    params = {
        "feeders": str(csv_dir / "grid_feeder.csv"),
        "transformers": str(csv_dir / "grid_transformer.csv"),
        "meters": str(csv_dir / "grid_meter.csv"),
        "seed": seed,
    }
    for statement in _statements(PREPARE_SQL):
        conn.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
    found = conn.execute("SELECT count(*) FROM gen_meter").fetchone()
    assert found is not None  # count(*) answers one row
    meters: int = found[0]
    return meters


def prepare_day(conn: duckdb.DuckDBPyConnection, day: dt.date, seed: int) -> bool:
    """Fill gen_time (and gen_gap from the outage history) for one day; True when there are gaps."""
    start = dt.datetime.combine(day, dt.time())
    end = start + dt.timedelta(days=1)
    conn.execute(TIME_SQL, {"start": start, "end": end, "seed": seed})
    conn.execute("DELETE FROM gen_gap")
    windows = outage_windows(start, end)
    for window in windows:
        conn.execute(
            """
            INSERT INTO gen_gap
            SELECT meter_id, greatest(CAST($start AS TIMESTAMP), CAST($ws AS TIMESTAMP)),
                   least(CAST($end AS TIMESTAMP), CAST($we AS TIMESTAMP))
            FROM gen_meter
            WHERE list_contains($transformers, transformer_id) OR list_contains($feeders, feeder_id)
            """,
            {
                "start": start,
                "end": end,
                "ws": window.start,
                "we": window.end,
                "transformers": list(window.transformer_ids),
                "feeders": list(window.feeder_ids),
            },
        )
    return bool(windows)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]


def day_range(start: dt.date, days: int) -> list[dt.date]:
    """`days` consecutive dates from `start`."""
    return [start + dt.timedelta(days=i) for i in range(days)]


def default_start(days: int, today: dt.date | None = None) -> dt.date:
    """The first day of the default run: the `days` full days before today (local standard time)."""
    if today is None:
        today = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)).date()
    return today - dt.timedelta(days=days)


def rows_per_second(rows: int, seconds: float) -> int:
    """Throughput, rounded."""
    return math.floor(rows / seconds) if seconds > 0 else 0
