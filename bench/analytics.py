"""Analytics benchmark: AMI generation rows/s and each panel query's time on the default network.

A fresh var directory gets the default network (`seed_grid`), then `seed_ami --days N` (default 14,
every meter; BENCH_AMI_DAYS overrides) into its embedded DuckDB warehouse, timed from the command's
own report. Each panel query then runs once to warm up and BENCH_QUERY_RUNS times (default 5); the
median is printed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WROTE = re.compile(r"Wrote ([\d,]+) readings for ([\d,]+) meters.*? in ([\d.]+) s: ([\d,]+) rows/s")
REFRESHED = re.compile(r"Refreshed rollups for (\d+) days in ([\d.]+) s")


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _time_query(warehouse: object, name: str, params: dict, runs: int) -> dict[str, object]:
    warehouse.query(name, params, timeout=600)  # warm-up
    times = []
    rows = 0
    for _ in range(runs):
        started = time.perf_counter()
        rows = len(warehouse.query(name, params, timeout=600).rows)
        times.append(time.perf_counter() - started)
    return {"query": name, "rows": rows, "p50_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000}


def run(days: int | None = None, runs: int | None = None) -> dict[str, object]:
    days = days or int(os.environ.get("BENCH_AMI_DAYS", "14"))
    runs = runs or int(os.environ.get("BENCH_QUERY_RUNS", "5"))
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "WAREHOUSE_URL"}}
    with tempfile.TemporaryDirectory(prefix="fluxops-bench-analytics-") as var_dir:
        env = {**base, "FLUXOPS_VAR_DIR": var_dir}
        _manage(env, "migrate", "--no-input", "-v0")
        _manage(env, "seed_grid", "--scale", "default", "-v0")
        start = dt.date(2026, 7, 6)
        out = _manage(env, "seed_ami", "--days", str(days), "--start", start.isoformat(), "-v0")
        wrote, refreshed = WROTE.search(out), REFRESHED.search(out)
        if wrote is None or refreshed is None:
            raise RuntimeError(f"unexpected seed_ami output:\n{out}")
        path = Path(var_dir) / "warehouse.duckdb"
        report: dict[str, object] = {
            "days": days,
            "rows": _number(wrote.group(1)),
            "meters": _number(wrote.group(2)),
            "seconds": float(wrote.group(3)),
            "rows_per_s": _number(wrote.group(4)),
            "refresh_s": float(refreshed.group(2)),
            "file_mb": round(path.stat().st_size / 1e6),
        }

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fluxops.settings")
        import django

        django.setup()
        from analytics.warehouse import DuckDBWarehouse

        warehouse = DuckDBWarehouse(path)
        (feeder_id,) = warehouse_first(warehouse)
        last = start + dt.timedelta(days=days - 1)
        week_start = last - dt.timedelta(days=6)
        span = {"start": dt.datetime.combine(week_start, dt.time()), "end": dt.datetime.combine(last, dt.time())}
        span["end"] += dt.timedelta(days=1)
        days7 = {"start_day": week_start, "end_day": last + dt.timedelta(days=1)}
        report["queries"] = [
            _time_query(warehouse, "data_status", {}, runs),
            _time_query(warehouse, "feeder_load_profile", {"feeder_id": feeder_id, **span}, runs),
            _time_query(warehouse, "transformer_loading", {"feeder_id": 0, **days7}, runs),
            _time_query(warehouse, "voltage_compliance_feeders", days7, runs),
            _time_query(warehouse, "voltage_compliance_meters", {"feeder_id": feeder_id, **days7}, runs),
            _time_query(warehouse, "system_load", {"day": last}, runs),
            _time_query(warehouse, "system_load_raw", span, runs),
        ]
    return report


def warehouse_first(warehouse: object) -> tuple[int]:
    """The feeder with the most meters (a heavy but typical panel)."""
    import duckdb

    with duckdb.connect(str(warehouse.path), read_only=True) as conn:
        return conn.execute(
            "SELECT feeder_id FROM grid_meter GROUP BY feeder_id ORDER BY COUNT(*) DESC, feeder_id LIMIT 1"
        ).fetchone()


def print_report(report: dict[str, object]) -> None:
    """Print the figures."""
    print(
        f"seed_ami: {report['rows']:,} readings ({report['meters']:,} meters x {report['days']} days) "
        f"in {report['seconds']:.1f} s = {report['rows_per_s']:,} rows/s; "
        f"rollup refresh {report['refresh_s']:.1f} s; warehouse file {report['file_mb']:,} MB"
    )
    print(f"{'query (7 days)':<30}{'rows':>8}{'p50 ms':>10}{'max ms':>10}")
    for row in report["queries"]:
        print(f"{row['query']:<30}{row['rows']:>8,}{row['p50_ms']:>10.0f}{row['max_ms']:>10.0f}")


if __name__ == "__main__":
    print_report(run(int(sys.argv[1]) if len(sys.argv) > 1 else None))
