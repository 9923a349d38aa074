"""The warehouse layer on DuckDB: every registered query, translation, parameters, timeouts, breaker."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from analytics import named_sql, queries, warehouse
from analytics.warehouse import (
    CircuitBreaker,
    DuckDBWarehouse,
    QueryError,
    WarehouseBusy,
    WarehouseEmpty,
    WarehouseTimeout,
    WarehouseUnavailable,
    named_query,
    parse_snowflake_url,
    registered_queries,
)
from tests.analytics.conftest import DAY, DAYS, WEEK_BEFORE

# The module-scoped warehouse reads the seeded network: the database must be set up.
pytestmark = pytest.mark.django_db

END = DAY + dt.timedelta(days=DAYS)
# A second process that holds the warehouse file read-write until told to stop.
HOLD_WRITER = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('holding', flush=True); sys.stdin.readline()"

# Parameters for every registered query; a new .sql file without an entry here fails the test below.
QUERY_PARAMS = {
    "data_status": {},
    "feeder_load_profile": {"feeder_id": 1, "start": dt.datetime(2026, 7, 20), "end": dt.datetime(2026, 7, 22)},
    "system_load": {"day": DAY},
    "system_load_raw": {"start": dt.datetime(2026, 7, 20), "end": dt.datetime(2026, 7, 22)},
    "transformer_loading": {"feeder_id": 0, "start_day": DAY, "end_day": END},
    "transformer_peaks": {"start_day": DAY, "end_day": END},
    "voltage_compliance_feeders": {"start_day": DAY, "end_day": END},
    "voltage_compliance_meters": {"feeder_id": 1, "start_day": DAY, "end_day": END},
}


def test_every_registered_query_has_test_parameters() -> None:
    assert set(registered_queries()) == set(QUERY_PARAMS)


@pytest.mark.parametrize("name", sorted(QUERY_PARAMS))
def test_every_registered_query_runs_on_duckdb(ami_warehouse: DuckDBWarehouse, name: str) -> None:
    result = ami_warehouse.query(name, QUERY_PARAMS[name])
    assert result.rows, f"{name} returned no rows on generated data"
    assert all(column == column.lower() for column in result.columns)


def test_translation_is_cached_and_uses_named_parameters() -> None:
    query = named_query("feeder_load_profile")
    assert query is named_query("feeder_load_profile")
    assert query.params == {"feeder_id", "start", "end"}
    assert "$feeder_id" in query.duckdb_sql and ":feeder_id" not in query.duckdb_sql
    assert "%(feeder_id)s" in query.pyformat_sql


@pytest.mark.parametrize(
    "sql", ["SELECT TO_CHAR(ts, 'YYYY-MM') FROM ami_readings", "SELECT APPROX_TOP_K(meter_id, 3) FROM ami_readings"]
)
def test_lossy_translation_is_refused(sql: str) -> None:
    with pytest.raises(QueryError, match="without changing its meaning"):
        named_sql.translate(sql)


@pytest.mark.parametrize("name", ["../secrets", "DROP TABLE", "nope", ""])
def test_unknown_query_names_are_refused(name: str) -> None:
    with pytest.raises(QueryError):
        named_query(name)


def test_missing_parameter_is_a_query_error(ami_warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(QueryError, match="missing parameters"):
        ami_warehouse.query("system_load", {})


def test_rollups_agree_with_raw_readings(ami_warehouse: DuckDBWarehouse) -> None:
    raw = queries.typed_rows(
        ami_warehouse.query("system_load_raw", QUERY_PARAMS["system_load_raw"]), queries.SystemEnergyHour
    )
    assert len(raw) == 24 * DAYS
    load = queries.typed_rows(ami_warehouse.query("system_load", {"day": DAY}), queries.SystemLoadHour)
    first_day = {row.hour.hour: row.mwh for row in raw if row.hour.date() == DAY}
    assert [row.hour_of_day for row in load] == list(range(24))
    for row in load:
        assert row.mw_day == pytest.approx(first_day[row.hour_of_day], rel=1e-9)
        assert row.mw_week_before is not None and row.mw_week_before > 0


def test_data_status_reports_version_and_days(ami_warehouse: DuckDBWarehouse) -> None:
    (status,) = queries.typed_rows(ami_warehouse.query("data_status"), queries.DataStatus)
    assert (status.load_batch, status.refresh_batch, status.version) == (2, 2, "2.2")  # two loads, each refreshed
    assert status.first_day == WEEK_BEFORE and status.last_day == END - dt.timedelta(days=1)


def test_missing_file_is_reported_as_no_data(tmp_path: Path) -> None:
    with pytest.raises(WarehouseEmpty, match="seed_ami"):
        DuckDBWarehouse(tmp_path / "none.duckdb").query("data_status")


def test_reader_gets_a_clear_message_while_a_writer_process_holds_the_file(tmp_path: Path) -> None:
    path = tmp_path / "busy.duckdb"
    with DuckDBWarehouse(path).writer() as writer:
        writer.script("schema")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(path)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="being refreshed"):
            DuckDBWarehouse(path).query("data_status")
        assert time.monotonic() - started < 1
    finally:
        holder.communicate("done\n", timeout=10)


def test_statement_timeout_interrupts_duckdb(ami_warehouse: DuckDBWarehouse, monkeypatch) -> None:
    slow = warehouse.NamedQuery(
        name="slow",
        snowflake_sql="SELECT COUNT(*) FROM ami_readings AS a CROSS JOIN ami_readings AS b WHERE a.kwh > b.kwh",
        params=frozenset(),
    )
    monkeypatch.setattr(warehouse, "named_query", lambda name: slow)
    started = time.monotonic()
    with pytest.raises(WarehouseTimeout):
        ami_warehouse.query("slow", timeout=0.5)
    assert time.monotonic() - started < 3


def test_breaker_opens_after_connectivity_failures_and_closes_after_a_probe() -> None:
    breaker = CircuitBreaker(threshold=2, cooldown=0.2)
    breaker.failure()
    assert breaker.state == "closed"
    breaker.failure()
    assert breaker.state == "open"
    with pytest.raises(WarehouseUnavailable):
        breaker.before_call()
    time.sleep(0.25)
    assert breaker.before_call() is True  # this caller probes
    with pytest.raises(WarehouseUnavailable):
        breaker.before_call()  # others still fail fast
    breaker.success()
    assert breaker.state == "closed" and breaker.before_call() is False


def test_bad_sql_does_not_open_the_breaker(ami_warehouse: DuckDBWarehouse, monkeypatch) -> None:
    bad = warehouse.NamedQuery(name="bad", snowflake_sql="SELECT no_such_column FROM ami_loads", params=frozenset())
    monkeypatch.setattr(warehouse, "named_query", lambda name: bad)
    wh = DuckDBWarehouse(ami_warehouse.path)
    for _ in range(5):
        with pytest.raises(QueryError):
            wh.query("bad")
    assert wh.breaker.state == "closed"


def test_background_query_returns_typed_rows(ami_warehouse: DuckDBWarehouse) -> None:
    ticket = ami_warehouse.submit("system_load", {"day": DAY})
    deadline = time.monotonic() + 10
    result = None
    while result is None and time.monotonic() < deadline:
        result = ami_warehouse.fetch(ticket)
        time.sleep(0.02)
    assert result is not None and len(result.rows) == 24
    with pytest.raises(QueryError):
        ami_warehouse.fetch(ticket)  # a ticket is collected once


def test_snowflake_url_parsing(settings) -> None:
    settings.SNOWFLAKE_PASSWORD = "from-env"
    config = parse_snowflake_url("snowflake://ops@xy12345/FLUX/AMI?warehouse=WH&role=ANALYST")
    assert (config.account, config.user, config.database, config.schema) == ("xy12345", "ops", "FLUX", "AMI")
    assert (config.warehouse, config.role, config.password) == ("WH", "ANALYST", "from-env")
    settings.SNOWFLAKE_ACCOUNT, settings.SNOWFLAKE_HOST = "spcs-acct", "spcs.host"
    spcs = parse_snowflake_url("snowflake:///FLUX/AMI?authenticator=oauth&warehouse=WH")
    assert (spcs.account, spcs.host, spcs.token_file) == ("spcs-acct", "spcs.host", "/snowflake/session/token")
    for bad in ("snowflake://u@acct/FLUX", "snowflake://u@acct/A/B?colour=red", "mysql://x"):
        with pytest.raises(ImproperlyConfigured):
            warehouse.build_warehouse(bad)
