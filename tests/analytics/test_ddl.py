"""Deploy-time Dynamic Table DDL: printed by a dry run, and computing exactly what refresh_rollups computes."""

from __future__ import annotations

import io
import re

import duckdb
import pytest
import sqlglot
from django.core.management import CommandError, call_command
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from analytics.ddl import DDLError, dynamic_table_ddl, target_lag_sql
from analytics.warehouse import DuckDBWarehouse
from tests.target_lag import ACCEPTED_FORMS, GRAMMAR, INVALID, VALID, clauses

pytestmark = pytest.mark.django_db

ROLLUPS = [
    "ami_meter_hourly",
    "ami_transformer_hourly",
    "ami_feeder_hourly",
    "ami_meter_daily",
    "ami_transformer_daily",
    "ami_feeder_daily",
]


def test_dry_run_prints_every_dynamic_table_with_lag_and_warehouse() -> None:
    out = io.StringIO()
    call_command("analytics_ddl", "--dry-run", "--warehouse", "OPS_WH", "--target-lag", "5 minutes", stdout=out)
    text = out.getvalue()
    for name in ROLLUPS:
        assert f"CREATE OR REPLACE DYNAMIC TABLE {name}" in text
    assert text.count("TARGET_LAG = '5 minutes'") == 6 and text.count("WAREHOUSE = OPS_WH") == 6


@pytest.mark.parametrize(("value", "clause"), VALID)
def test_target_lag_is_written_as_snowflake_grammar(value: str, clause: str) -> None:
    out = io.StringIO()
    call_command("analytics_ddl", "--dry-run", "--target-lag", value, stdout=out)
    written = clauses(out.getvalue())
    assert written == [clause] * len(ROLLUPS)
    assert GRAMMAR.fullmatch(clause)


@pytest.mark.parametrize("value", INVALID)
def test_bad_deploy_values_are_refused(value: str) -> None:
    out = io.StringIO()
    with pytest.raises(CommandError, match=f"{re.escape(repr(value))}.*{ACCEPTED_FORMS}"):
        call_command("analytics_ddl", "--dry-run", "--target-lag", value, stdout=out)
    assert out.getvalue() == ""


def test_bad_warehouse_is_refused() -> None:
    with pytest.raises(CommandError, match=re.escape("'WH; DROP TABLE x'")):
        call_command("analytics_ddl", "--dry-run", "--warehouse", "WH; DROP TABLE x")


def test_target_lag_setting_is_validated_too(settings) -> None:
    settings.SNOWFLAKE_DT_TARGET_LAG = "30 seconds"
    with pytest.raises(CommandError, match="below Snowflake's minimum of 1 minute"):
        call_command("analytics_ddl", "--dry-run")
    settings.SNOWFLAKE_DT_TARGET_LAG = "2 hours"
    out = io.StringIO()
    call_command("analytics_ddl", "--dry-run", stdout=out)
    assert clauses(out.getvalue()) == ["TARGET_LAG = '2 hours'"] * len(ROLLUPS)


@pytest.mark.parametrize("unit", ["second", "minute", "hour", "day"])
def test_target_lag_minimum_is_one_minute(unit: str) -> None:
    seconds = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[unit]
    for count in range(0, 130):
        for written in (f"{count} {unit}", f"{count} {unit}s", f"{count} {unit.upper()}S"):
            if count * seconds >= 60:
                assert target_lag_sql(written) == f"'{count} {unit}s'"
            else:
                with pytest.raises(DDLError, match="minimum of 1 minute"):
                    target_lag_sql(written)


def test_apply_needs_snowflake(settings, tmp_path) -> None:
    settings.WAREHOUSE_URL = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with pytest.raises(CommandError, match="only on Snowflake"):
        call_command("analytics_ddl")
    # A bad lag is refused before any warehouse is looked at.
    with pytest.raises(CommandError, match="'soon'"):
        call_command("analytics_ddl", "--target-lag", "soon")


@pytest.mark.parametrize(("index", "table"), list(enumerate(ROLLUPS)))
def test_dynamic_table_query_equals_the_embedded_refresh(
    ami_warehouse: DuckDBWarehouse, index: int, table: str
) -> None:
    name, ddl = dynamic_table_ddl(warehouse="WH", target_lag="15 minutes")[index]
    assert table in name
    select = sqlglot.parse_one(ddl, read="snowflake").find(exp.Select)
    body = select.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    with duckdb.connect(str(ami_warehouse.path), read_only=True) as conn:
        columns = [row[0] for row in conn.execute(f"DESCRIBE {table}").fetchall()]
        rounded = ", ".join(f"ROUND({c}, 6)" if c in {"kwh", "peak_kw", "avg_v"} else c for c in columns)
        expected = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        differences = conn.execute(
            f"SELECT COUNT(*) FROM ((SELECT {rounded} FROM ({body})) EXCEPT ALL (SELECT {rounded} FROM {table}))"
        ).fetchone()[0]
        produced = conn.execute(f"SELECT COUNT(*) FROM ({body})").fetchone()[0]
    assert expected > 0 and produced == expected and differences == 0
