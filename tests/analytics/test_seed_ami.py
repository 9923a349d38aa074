"""seed_ami and refresh_rollups: counts, determinism, idempotency, outage gaps, the load model, errors."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import pytest
from django.core.management import CommandError, call_command

from analytics import ami, services
from analytics.warehouse import DuckDBWarehouse
from grid.engine.synthetic import Network
from grid.models import ServicePoint, Transformer
from grid.services.network import network_clear
from tests.analytics.conftest import DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_url(settings, tmp_path: Path) -> Path:
    """An empty warehouse file for one test."""
    path = tmp_path / "fresh.duckdb"
    settings.WAREHOUSE_URL = f"duckdb:///{path}"
    return path


def _one(path: Path, sql: str) -> tuple:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(sql).fetchone()


def test_command_writes_every_meter_every_interval_and_refreshes(fresh_url: Path, small_network: Network) -> None:
    out = io.StringIO()
    call_command("seed_ami", "--days", "1", "--start", "2026-07-21", "--seed", "5", stdout=out, verbosity=0)
    meters = ServicePoint.objects.count()
    assert f"Wrote {meters * 96:,} readings for {meters:,} meters" in out.getvalue()
    assert "rows/s" in out.getvalue() and "Refreshed rollups for 1 days" in out.getvalue()
    assert _one(fresh_url, "SELECT COUNT(*), COUNT(DISTINCT meter_id), MIN(ts), MAX(ts) FROM ami_readings") == (
        meters * 96,
        meters,
        dt.datetime(2026, 7, 21),
        dt.datetime(2026, 7, 21, 23, 45),
    )
    assert _one(fresh_url, "SELECT COUNT(*) FROM ami_meter_hourly") == (meters * 24,)
    assert _one(fresh_url, "SELECT COUNT(*) FROM ami_transformer_daily") == (Transformer.objects.count(),)


def test_rerun_replaces_the_day_and_is_deterministic(fresh_url: Path, small_network: Network) -> None:
    fingerprint = "SELECT COUNT(*), ROUND(SUM(kwh), 3), ROUND(SUM(voltage), 1) FROM ami_readings"
    call_command("seed_ami", "--days", "1", "--start", "2026-07-21", "--seed", "5", verbosity=0)
    first = _one(fresh_url, fingerprint)
    call_command("seed_ami", "--days", "1", "--start", "2026-07-21", "--seed", "5", verbosity=0)
    assert _one(fresh_url, fingerprint) == first
    call_command("seed_ami", "--days", "1", "--start", "2026-07-21", "--seed", "6", verbosity=0)
    other = _one(fresh_url, fingerprint)
    assert other[0] == first[0] and other[1:] != first[1:]


def test_refresh_processes_only_days_loaded_since_the_last_refresh(fresh_url: Path, small_network: Network) -> None:
    call_command("seed_ami", "--days", "2", "--start", "2026-07-21", verbosity=0)
    out = io.StringIO()
    call_command("refresh_rollups", stdout=out, verbosity=0)
    assert "up to date" in out.getvalue()
    call_command("seed_ami", "--days", "1", "--start", "2026-07-22", "--no-refresh", verbosity=0)
    report = services.rollups_refresh(warehouse=DuckDBWarehouse(fresh_url))
    assert report.days == [dt.date(2026, 7, 22)]
    assert _one(fresh_url, "SELECT MAX(batch) FROM ami_refreshes") == (2,)


def test_outage_history_leaves_gaps(fresh_url: Path, small_network: Network, monkeypatch) -> None:
    transformer = Transformer.objects.order_by("id").first()
    behind = ServicePoint.objects.filter(transformer=transformer).count()
    window = ami.OutageWindow(
        start=dt.datetime(2026, 7, 21, 14), end=dt.datetime(2026, 7, 21, 16), transformer_ids=(transformer.id,)
    )
    monkeypatch.setattr("grid.selectors.outages.outage_windows", lambda start, end: [window], raising=False)
    call_command("seed_ami", "--days", "1", "--start", "2026-07-21", verbosity=0)
    total = ServicePoint.objects.count() * 96
    assert _one(fresh_url, "SELECT COUNT(*) FROM ami_readings") == (total - behind * 8,)
    assert _one(
        fresh_url,
        "SELECT COUNT(*) FROM ami_readings r JOIN grid_meter m USING (meter_id)"
        f" WHERE m.transformer_id = {transformer.id}"
        " AND ts >= TIMESTAMP '2026-07-21 14:00' AND ts < TIMESTAMP '2026-07-21 16:00'",
    ) == (0,)


def test_without_outage_history_there_are_no_gaps(small_network: Network) -> None:
    assert ami.outage_windows(dt.datetime(2026, 7, 1), dt.datetime(2026, 7, 2)) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "days"),
        (["--days", "abc"], "days"),
        (["--start", "2026-13-01"], "start"),
        (["--seed", "-1"], "seed"),
    ],
)
def test_bad_arguments_are_command_errors(fresh_url: Path, small_network: Network, args: list, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("seed_ami", *args)


def test_empty_network_is_a_command_error(fresh_url: Path, small_network: Network) -> None:
    network_clear()
    with pytest.raises(CommandError, match="seed_grid"):
        call_command("seed_ami", "--days", "1")


def test_generation_speed(tmp_path: Path, small_network: Network) -> None:
    report = services.ami_seed(start=DAY, days=3, seed=1, warehouse=DuckDBWarehouse(tmp_path / "speed.duckdb"))
    assert report.rows == ServicePoint.objects.count() * 96 * 3
    # The bench measures the default network; here only guard against a regression to row loops.
    assert report.rows_per_s > 300_000


class TestLoadModel:
    """The generated data has the shapes and the problems the analytics pages look for."""

    def test_residential_evening_peak_and_night_trough(self, ami_warehouse: DuckDBWarehouse) -> None:
        by_hour = dict(
            duckdb.connect(str(ami_warehouse.path), read_only=True)
            .execute(
                "SELECT HOUR(hour), SUM(kwh) FROM ami_feeder_hourly WHERE customer_class = 'residential'"
                " AND CAST(hour AS DATE) = ? GROUP BY 1",
                [DAY],
            )
            .fetchall()
        )
        assert max(by_hour, key=by_hour.get) in range(15, 21)
        assert by_hour[4] < 0.6 * max(by_hour.values())

    def test_commercial_load_drops_at_the_weekend(self, tmp_path: Path) -> None:
        saturday = dt.date(2026, 7, 18)
        warehouse = DuckDBWarehouse(tmp_path / "weekend.duckdb")
        services.ami_seed(start=saturday, days=3, seed=1, warehouse=warehouse)
        services.rollups_refresh(warehouse=warehouse)
        with duckdb.connect(str(warehouse.path), read_only=True) as conn:
            daily = dict(
                conn.execute(
                    "SELECT day, SUM(kwh) FROM ami_feeder_daily WHERE customer_class = 'commercial' GROUP BY day"
                ).fetchall()
            )
        assert daily[saturday + dt.timedelta(days=2)] > 1.3 * daily[saturday]

    def test_overloaded_undersized_and_out_of_range(self, ami_warehouse: DuckDBWarehouse) -> None:
        with duckdb.connect(str(ami_warehouse.path), read_only=True) as conn:
            loading = conn.execute(
                "SELECT COUNT(*), COUNT_IF(pk > 1), COUNT_IF(pk > 1.2), COUNT_IF(pk > 1 AND kva = 25) FROM ("
                " SELECT t.transformer_id, ANY_VALUE(t.kva) AS kva, MAX(h.peak_kw) / 0.95 / ANY_VALUE(t.kva) AS pk"
                " FROM ami_transformer_daily h JOIN grid_transformer t USING (transformer_id) GROUP BY 1)"
            ).fetchone()
            volts = conn.execute(
                "SELECT COUNT(*), COUNT_IF(out_a > 0), COUNT_IF(out_b > 0), MIN(min_v) FROM ("
                " SELECT meter_id, SUM(out_a) out_a, SUM(out_b) out_b, MIN(min_v) min_v"
                " FROM ami_meter_daily GROUP BY 1)"
            ).fetchone()
        transformers, over_100, over_120, undersized_over = loading
        assert 0 < over_120 <= over_100 < 0.1 * transformers  # a few, not most
        assert undersized_over > 0
        meters, out_a, out_b, lowest = volts
        assert 0 < out_b < out_a < 0.15 * meters
        assert lowest < 110
