"""The deployment SQL rendered for sample names: complete, ordered, no PUBLIC grants, no plaintext secrets."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from fluxops.deploy import DeployError, DeployNames, render_sql
from fluxops.management.commands.render_deploy_sql import SECRET_VARIABLES
from tests.deploy.spcs_schema import validate
from tests.target_lag import ACCEPTED_FORMS, GRAMMAR, INVALID, VALID, clauses

SAMPLE = DeployNames(
    postgres_host="pg.grid.example.net",
    grant_roles=("GRID_OPERATORS", "GRID_VIEWERS"),
    database="HOUSTON_OPS",
    schema="FLUX",
    service="FLUX_OC",
    compute_pool="FLUX_POOL",
    warehouse="FLUX_WH",
    owner_role="FLUX_OWNER",
    min_instances=1,
    max_instances=3,
)


@pytest.fixture(scope="module")
def sql() -> str:
    return render_sql(SAMPLE)


def statements(sql: str) -> list[str]:
    """Statements without comments (the spec body kept whole)."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [part.strip() for part in re.split(r";\s*\n", body) if part.strip()]


def test_all_objects_are_created(sql: str) -> None:
    for expected in (
        "CREATE IMAGE REPOSITORY IF NOT EXISTS HOUSTON_OPS.FLUX.IMAGES",
        "CREATE COMPUTE POOL IF NOT EXISTS FLUX_POOL",
        "CREATE SECRET IF NOT EXISTS HOUSTON_OPS.FLUX.fluxops_postgres",
        "CREATE OR REPLACE NETWORK RULE HOUSTON_OPS.FLUX.fluxops_postgres_egress",
        "VALUE_LIST = ('pg.grid.example.net:5432')",
        "CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS FLUXOPS_POSTGRES_ACCESS",
        "CREATE SERVICE IF NOT EXISTS HOUSTON_OPS.FLUX.FLUX_OC",
    ):
        assert expected in sql
    assert "{{" not in sql and "}}" not in sql and "${" not in sql


def test_service_keeps_an_instance_and_gets_egress_after_creation(sql: str) -> None:
    assert re.search(r"MIN_INSTANCES = (\d+)", sql).group(1) == "1"
    assert "MAX_INSTANCES = 3" in sql
    create = sql.index("CREATE SERVICE IF NOT EXISTS HOUSTON_OPS.FLUX.FLUX_OC")
    alter = sql.index(
        "ALTER SERVICE HOUSTON_OPS.FLUX.FLUX_OC\n  SET EXTERNAL_ACCESS_INTEGRATIONS = (FLUXOPS_POSTGRES_ACCESS)"
    )
    assert create < alter


def test_inlined_spec_is_valid_and_has_no_instance_counts(sql: str) -> None:
    spec_text = re.search(r"FROM SPECIFICATION \$\$\n(.*?)\$\$;", sql, re.S).group(1)
    spec = yaml.safe_load(spec_text)
    assert validate(spec) == []
    assert "instances" not in spec_text.lower()
    secret_objects = {s["snowflakeSecret"]["objectName"] for s in spec["spec"]["containers"][0]["secrets"]}
    created = set(re.findall(r"CREATE SECRET IF NOT EXISTS HOUSTON_OPS\.FLUX\.(\w+)", sql))
    assert secret_objects == created


def test_grants_go_to_named_roles_never_public(sql: str) -> None:
    grants = [statement for statement in statements(sql) if statement.upper().startswith("GRANT")]
    assert grants
    assert all(" PUBLIC" not in grant.upper() for grant in grants)
    assert "GRANT SERVICE ROLE HOUSTON_OPS.FLUX.FLUX_OC!app_user TO ROLE GRID_OPERATORS" in sql
    assert "GRANT SERVICE ROLE HOUSTON_OPS.FLUX.FLUX_OC!app_user TO ROLE GRID_VIEWERS" in sql
    assert not re.search(r"\bTO\s+(ROLE\s+)?PUBLIC\b", sql.upper())


def test_secret_values_are_placeholders_never_plaintext(sql: str, monkeypatch) -> None:
    for statement in statements(sql):
        if statement.upper().startswith("CREATE SECRET"):
            values = re.findall(r"(?:SECRET_STRING|USERNAME|PASSWORD)\s*=\s*'([^']*)'", statement)
            assert values and all(re.fullmatch(r"<% \w+ %>", value) for value in values), statement
    # Even with real credentials in the renderer's environment, none reaches the SQL.
    monkeypatch.setenv("DATABASE_PASSWORD", "pg-pass-93fa1c")
    monkeypatch.setenv("SECRET_KEY", "django-key-5e2b77")
    monkeypatch.setenv("DEPLOY_POSTGRES_PASSWORD", "pg-pass-93fa1c")
    rendered = render_sql(SAMPLE)
    assert "pg-pass-93fa1c" not in rendered and "django-key-5e2b77" not in rendered


@pytest.mark.parametrize(
    "change",
    [
        {"grant_roles": ("PUBLIC",)},
        {"grant_roles": ()},
        {"database": "OPS; DROP DATABASE PROD"},
        {"postgres_host": "pg.example.net') ; --"},
        {"min_instances": 0},
        {"owner_role": "ACCOUNTADMIN"},
        {"role_map": "ALICE:root"},
    ],
)
def test_bad_names_are_refused(change: dict) -> None:
    with pytest.raises(DeployError):
        DeployNames(**{**SAMPLE.__dict__, **change})


def test_analytics_ddl_is_included_when_present(tmp_path: Path) -> None:
    assert "No analytics DDL" in render_sql(SAMPLE, analytics_dir=tmp_path / "missing")
    (tmp_path / "02_hourly.sql").write_text(
        "CREATE OR REPLACE DYNAMIC TABLE ami_hourly TARGET_LAG = ${TARGET_LAG} WAREHOUSE = ${WAREHOUSE} AS\n"
        "SELECT 1 FROM ami_readings;\n"
    )
    (tmp_path / "01_daily.sql").write_text("CREATE OR REPLACE DYNAMIC TABLE ami_daily TARGET_LAG = DOWNSTREAM;\n")
    sql = render_sql(SAMPLE, analytics_dir=tmp_path)
    assert "TARGET_LAG = '15 minutes' WAREHOUSE = FLUX_WH AS\nSELECT 1 FROM ami_readings;" in sql
    assert sql.index("USE SCHEMA HOUSTON_OPS.FLUX;") < sql.index("ami_daily") < sql.index("ami_hourly")
    lagged = render_sql(DeployNames(**{**SAMPLE.__dict__, "target_lag": "1 hour"}), analytics_dir=tmp_path)
    assert "TARGET_LAG = '1 hours' WAREHOUSE = FLUX_WH AS" in lagged
    (tmp_path / "03_bad.sql").write_text("SELECT '${PASSWORD}';")
    with pytest.raises(DeployError, match=r"unknown placeholder \$\{PASSWORD\}"):
        render_sql(SAMPLE, analytics_dir=tmp_path)


@pytest.mark.parametrize("value", [*INVALID, "1 hour'; DROP TABLE x; --"])
def test_target_lag_is_validated(value: str) -> None:
    with pytest.raises(DeployError, match=f"{re.escape(repr(value))}.*{ACCEPTED_FORMS}"):
        DeployNames(**{**SAMPLE.__dict__, "target_lag": value})


@pytest.mark.parametrize(("value", "clause"), VALID)
def test_command_writes_target_lag_as_snowflake_grammar(value: str, clause: str, capsys) -> None:
    call_command("render_deploy_sql", "--postgres-host", "pg", "--grant-role", "OPS", "--target-lag", value)
    written = clauses(capsys.readouterr().out)
    assert written == [clause] * 6  # the six AMI rollups of analytics/sql/snowflake/
    assert GRAMMAR.fullmatch(clause)


@pytest.mark.parametrize("value", INVALID)
def test_command_refuses_a_bad_target_lag_and_writes_nothing(value: str, tmp_path: Path) -> None:
    target = tmp_path / "deploy.sql"
    args = ["--postgres-host", "pg", "--grant-role", "OPS", "--target-lag", value, "--output", target]
    with pytest.raises(CommandError, match=f"{re.escape(repr(value))}.*{ACCEPTED_FORMS}"):
        call_command("render_deploy_sql", *args)
    assert not target.exists()


def test_command_prints_by_default(capsys) -> None:
    call_command("render_deploy_sql", "--postgres-host", "pg.grid.example.net", "--grant-role", "GRID_VIEWERS")
    out = capsys.readouterr().out
    assert out.startswith("-- Flux Operations Center on Snowpark Container Services: FLUXOPS.APP.FLUXOPS")
    assert "CREATE SERVICE IF NOT EXISTS FLUXOPS.APP.FLUXOPS" in out


def test_command_writes_a_file_and_refuses_public(tmp_path: Path) -> None:
    target = tmp_path / "deploy.sql"
    call_command(
        "render_deploy_sql", "--postgres-host", "pg", "--grant-role", "OPS", "--callers-rights", "--output", target
    )
    assert "executeAsCaller: true" in target.read_text()
    with pytest.raises(CommandError, match="never PUBLIC"):
        call_command("render_deploy_sql", "--postgres-host", "pg", "--grant-role", "public")


def test_execute_runs_the_snowflake_cli_with_secret_variables(tmp_path: Path, monkeypatch) -> None:
    record = tmp_path / "called.txt"
    fake = tmp_path / "snow"
    fake.write_text(f'#!/bin/sh\necho "$@" > {record}\ncat "$3" >> {record}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    args = ["render_deploy_sql", "--postgres-host", "pg", "--grant-role", "OPS", "--execute", "--snow", str(fake)]
    with pytest.raises(CommandError, match="DEPLOY_DJANGO_SECRET_KEY"):
        call_command(*args)
    for name in SECRET_VARIABLES.values():
        monkeypatch.setenv(name, f"value-of-{name.lower()}")
    call_command(*args)
    called = record.read_text()
    assert called.startswith("sql -f ")
    assert "-D postgres_password=value-of-deploy_postgres_password" in called
    assert "CREATE SERVICE IF NOT EXISTS FLUXOPS.APP.FLUXOPS" in called
    # The rendered file holds placeholders only and is removed afterwards.
    assert "value-of-deploy_postgres_password" not in called.split("\n", 1)[1]
    assert not os.path.exists(called.split()[2])
