"""Warehouse writes: loading AMI readings (embedded or Snowflake) and refreshing the rollups.

Only management commands call these: the embedded DuckDB file allows one writing process.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from analytics import ami
from analytics.warehouse import (
    DuckDBWarehouse,
    DuckDBWriter,
    SnowflakeWarehouse,
    SnowflakeWriter,
    get_warehouse,
    write_statements,
)
from fluxops.progress import ProgressCallback

STAGE = "fluxops_ami_stage"


@dataclass(frozen=True)
class SeedReport:
    """What `ami_seed` wrote."""

    meters: int
    days: int
    rows: int
    seconds: float
    backend: str

    @property
    def rows_per_s(self) -> int:
        return ami.rows_per_second(self.rows, self.seconds)


@dataclass(frozen=True)
class RefreshReport:
    """What `rollups_refresh` recomputed."""

    days: list[dt.date]
    batch: int
    seconds: float


def _one(writer: DuckDBWriter | SnowflakeWriter, name: str, params: dict[str, object] | None = None) -> object:
    (statement,) = write_statements(name)
    rows = writer.run(statement, params).rows
    return rows[0][0] if rows else None


def _bounds(day: dt.date) -> dict[str, object]:
    start = dt.datetime.combine(day, dt.time())
    return {"start": start, "end": start + dt.timedelta(days=1)}


def _quiet(phase: str, done: int, total: int) -> None:
    return None


def ami_seed(
    *,
    start: dt.date,
    days: int,
    seed: int,
    progress: ProgressCallback | None = None,
    warehouse: DuckDBWarehouse | SnowflakeWarehouse | None = None,
) -> SeedReport:
    """Generate `days` days of readings from `start` for every meter of the stored network, replacing those days."""
    warehouse = warehouse or get_warehouse()
    report = progress or _quiet
    with tempfile.TemporaryDirectory(prefix="fluxops-ami-") as tmp:
        csv_dir = Path(tmp)
        ami.export_network(csv_dir)
        if isinstance(warehouse, DuckDBWarehouse):
            return _seed_duckdb(warehouse, csv_dir, start, days, seed, report)
        return _seed_snowflake(warehouse, csv_dir, start, days, seed, report)


def _load_dimensions_sql(csv_dir: Path) -> list[tuple[str, str]]:
    return [
        ("grid_feeder", f"SELECT feeder_id, feeder_code, substation_code FROM read_csv('{csv_dir}/grid_feeder.csv')"),
        (
            "grid_transformer",
            "SELECT transformer_id, transformer_code, feeder_id, CAST(kva AS DOUBLE) AS kva "
            f"FROM read_csv('{csv_dir}/grid_transformer.csv')",
        ),
        (
            "grid_meter",
            "SELECT meter_id, meter_code, transformer_id, feeder_id, customer_class, customers "
            f"FROM read_csv('{csv_dir}/grid_meter.csv')",
        ),
    ]


def _seed_duckdb(
    warehouse: DuckDBWarehouse, csv_dir: Path, start: dt.date, days: int, seed: int, report: ProgressCallback
) -> SeedReport:
    rows = 0
    with warehouse.writer() as writer:
        writer.script("schema")
        writer.native("BEGIN TRANSACTION")
        writer.script("clear_dimensions")
        for table, select in _load_dimensions_sql(csv_dir):
            writer.native(f"INSERT INTO {table} {select}")
        writer.native("COMMIT")
        meters = ami.prepare(writer.conn, csv_dir, seed)
        batch = _one(writer, "next_batch")
        started = time.perf_counter()
        report("ami readings", 0, days)
        for index, day in enumerate(ami.day_range(start, days)):
            with_gaps = ami.prepare_day(writer.conn, day, seed)
            bounds = _bounds(day)
            writer.native("BEGIN TRANSACTION")
            writer.script("clear_day", bounds)
            written = writer.native(f"INSERT INTO ami_readings {ami.readings_sql(with_gaps=with_gaps)}", {"seed": seed})
            inserted = written.fetchone()
            assert inserted is not None  # INSERT answers its row count
            rows += inserted[0]
            writer.script("record_load", {**bounds, "day": day, "batch": batch})
            writer.native("COMMIT")
            report("ami readings", index + 1, days)
        seconds = time.perf_counter() - started
    return SeedReport(meters=meters, days=days, rows=rows, seconds=seconds, backend="duckdb")


def _seed_snowflake(
    warehouse: SnowflakeWarehouse, csv_dir: Path, start: dt.date, days: int, seed: int, report: ProgressCallback
) -> SeedReport:
    """Generate locally in DuckDB, write Parquet per table and day, load with PUT + COPY INTO."""
    import duckdb

    local = duckdb.connect()
    rows = 0
    try:
        meters = ami.prepare(local, csv_dir, seed)
        with warehouse.writer() as writer:
            writer.script("schema")
            writer.native(f"CREATE STAGE IF NOT EXISTS {STAGE}")
            writer.script("clear_dimensions")
            for table, select in _load_dimensions_sql(csv_dir):
                path = csv_dir / f"{table}.parquet"
                local.execute(f"COPY ({select}) TO '{path}' (FORMAT PARQUET)")
                _put_and_copy(writer, path, table)
            batch = _one(writer, "next_batch")
            started = time.perf_counter()
            report("ami readings", 0, days)
            for index, day in enumerate(ami.day_range(start, days)):
                with_gaps = ami.prepare_day(local, day, seed)
                path = csv_dir / f"ami_readings_{day:%Y%m%d}.parquet"
                select = ami.readings_sql(with_gaps=with_gaps)
                local.execute(f"COPY ({select}) TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000000)", {"seed": seed})
                bounds = _bounds(day)
                writer.script("clear_day", bounds)
                rows += _put_and_copy(writer, path, "ami_readings")
                writer.script("record_load", {**bounds, "day": day, "batch": batch})
                path.unlink()
                report("ami readings", index + 1, days)
            seconds = time.perf_counter() - started
    finally:
        local.close()
    return SeedReport(meters=meters, days=days, rows=rows, seconds=seconds, backend="snowflake")


def _put_and_copy(writer: SnowflakeWriter, path: Path, table: str) -> int:
    """Upload one Parquet file to the stage and COPY it into `table`; returns the rows loaded."""
    writer.native(f"PUT 'file://{path}' @{STAGE}/{table} OVERWRITE = TRUE")
    result = writer.native(
        f"COPY INTO {table} FROM @{STAGE}/{table}/{path.name} "
        "FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE"
    )
    # COPY INTO answers one row per file: (file, status, rows_parsed, rows_loaded, ...).
    return sum(int(row[3]) for row in result)


def rollups_refresh(
    *,
    progress: ProgressCallback | None = None,
    warehouse: DuckDBWarehouse | SnowflakeWarehouse | None = None,
) -> RefreshReport:
    """Recompute the hourly and daily rollups of the days loaded since the last refresh."""
    warehouse = warehouse or get_warehouse()
    report = progress or _quiet
    started = time.perf_counter()
    with warehouse.writer() as writer:
        writer.script("schema")
        writer.script("rollup_tables")
        (pending,) = write_statements("pending_days")
        rows = writer.run(pending).rows
        days = [row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(str(row[0])) for row in rows]
        batch = max((int(row[1]) for row in rows), default=0)
        report("rollups", 0, len(days))
        for index, day in enumerate(days):
            bounds = _bounds(day)
            in_transaction = isinstance(writer, DuckDBWriter)
            if in_transaction:
                writer.native("BEGIN TRANSACTION")
            writer.script("rollup_hours", bounds)
            writer.script("rollup_days", {"start_day": day, "end_day": day + dt.timedelta(days=1)})
            if in_transaction:
                writer.native("COMMIT")
            report("rollups", index + 1, len(days))
        if days:
            writer.script("record_refresh", {"batch": batch, "days": len(days)})
    return RefreshReport(days=days, batch=batch, seconds=time.perf_counter() - started)
