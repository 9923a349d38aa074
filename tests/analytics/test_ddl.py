"""Deploy-time Dynamic Table DDL: printed by a dry run, and computing exactly what refresh_rollups computes."""

from __future__ import annotations

import io

import duckdb
import pytest
import sqlglot
from django.core.management import CommandError, call_command
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from analytics.ddl import dynamic_table_ddl
from analytics.warehouse import DuckDBWarehouse

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


@pytest.mark.parametrize(
    "args", [["--target-lag", "soon"], ["--warehouse", "WH; DROP TABLE x"], ["--target-lag", "1 minutes'"]]
)
def test_bad_deploy_values_are_refused(args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("analytics_ddl", "--dry-run", *args)


def test_apply_needs_snowflake(settings, tmp_path) -> None:
    settings.WAREHOUSE_URL = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with pytest.raises(CommandError, match="only on Snowflake"):
        call_command("analytics_ddl")


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
