"""The Snowflake backend end to end: the real connector against a local fakesnow server."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import snowflake.connector

from analytics import queries, services
from analytics.snowflake_auth import TokenFile, TokenFileError
from analytics.warehouse import (
    QueryError,
    SnowflakeWarehouse,
    WarehouseUnavailable,
    parse_snowflake_url,
    registered_queries,
)
from grid.models import ServicePoint
from tests.analytics.conftest import DAY
from tests.analytics.test_warehouse import QUERY_PARAMS

fakesnow = pytest.importorskip("fakesnow")

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")]

SEED = 3


@pytest.fixture(scope="module")
def fakesnow_url() -> Iterator[str]:
    """A fakesnow server (in memory) with the FLUX.AMI schema, as a WAREHOUSE_URL."""
    with fakesnow.server() as kwargs:
        conn = snowflake.connector.connect(
            user=kwargs["user"],
            password=kwargs["password"],
            account=kwargs["account"],
            host=kwargs["host"],
            port=kwargs["port"],
            protocol=kwargs["protocol"],
        )
        conn.cursor().execute("CREATE DATABASE IF NOT EXISTS FLUX")
        conn.cursor().execute("CREATE SCHEMA IF NOT EXISTS FLUX.AMI")
        conn.close()
        yield (
            f"snowflake://{kwargs['user']}:{kwargs['password']}@{kwargs['account']}/FLUX/AMI"
            f"?host={kwargs['host']}&port={kwargs['port']}&protocol=http&warehouse=OPS_WH"
        )


@pytest.fixture(scope="module")
def snowflake_warehouse(fakesnow_url: str, django_db_setup, django_db_blocker) -> SnowflakeWarehouse:
    """The fakesnow warehouse loaded with the same AMI as the DuckDB tests (PUT + COPY INTO), then refreshed."""
    warehouse = SnowflakeWarehouse(parse_snowflake_url(fakesnow_url))
    with django_db_blocker.unblock():
        services.ami_seed(start=DAY - dt.timedelta(days=7), days=1, seed=SEED, warehouse=warehouse)
        services.ami_seed(start=DAY, days=2, seed=SEED, warehouse=warehouse)
    services.rollups_refresh(warehouse=warehouse)
    return warehouse


def test_load_through_put_and_copy_into(snowflake_warehouse: SnowflakeWarehouse) -> None:
    raw = snowflake_warehouse.query("system_load_raw", QUERY_PARAMS["system_load_raw"])
    assert sum(row[3] for row in raw.rows) == ServicePoint.objects.count() * 96 * 2


@pytest.mark.parametrize("name", sorted(QUERY_PARAMS))
def test_every_registered_query_matches_duckdb(
    snowflake_warehouse: SnowflakeWarehouse, ami_warehouse, name: str
) -> None:
    on_snowflake = snowflake_warehouse.query(name, QUERY_PARAMS[name])
    on_duckdb = ami_warehouse.query(name, QUERY_PARAMS[name])
    assert on_snowflake.columns == on_duckdb.columns
    assert len(on_snowflake.rows) == len(on_duckdb.rows) > 0
    for left, right in zip(on_snowflake.rows, on_duckdb.rows, strict=True):
        for a, b in zip(left, right, strict=True):
            if isinstance(b, float):
                assert float(a) == pytest.approx(b, rel=1e-6, abs=1e-6)
            elif isinstance(b, dt.datetime | dt.date):
                assert str(a)[:10] == str(b)[:10]
            else:
                assert a == b or str(a) == str(b)


def test_registered_queries_all_compared() -> None:
    assert set(registered_queries()) == set(QUERY_PARAMS)


def test_typed_rows_from_snowflake(snowflake_warehouse: SnowflakeWarehouse) -> None:
    rows = queries.typed_rows(snowflake_warehouse.query("system_load", {"day": DAY}), queries.SystemLoadHour)
    assert [row.hour_of_day for row in rows] == list(range(24))
    assert all(isinstance(row.mw_day, float) and row.mw_day > 0 for row in rows)


def test_execute_async_and_fetch_by_query_id(snowflake_warehouse: SnowflakeWarehouse) -> None:
    ticket = snowflake_warehouse.submit("system_load", {"day": DAY})
    assert ticket.backend == "snowflake" and len(ticket.id) > 8
    deadline = time.monotonic() + 10
    result = None
    while result is None and time.monotonic() < deadline:
        result = snowflake_warehouse.fetch(ticket)
    assert result is not None and len(result.rows) == 24


def test_bad_sql_is_a_query_error_and_keeps_the_breaker_closed(snowflake_warehouse, monkeypatch) -> None:
    from analytics import warehouse as module

    bad = module.NamedQuery(name="bad", snowflake_sql="SELECT no_such_column FROM ami_loads", params=frozenset())
    monkeypatch.setattr(module, "named_query", lambda name: bad)
    for _ in range(4):
        with pytest.raises(QueryError):
            snowflake_warehouse.query("bad")
    assert snowflake_warehouse.breaker.state == "closed"


def test_session_carries_query_tag_and_statement_timeout(fakesnow_url: str, settings) -> None:
    settings.WAREHOUSE_QUERY_TAG = "fluxops-test"
    kwargs = SnowflakeWarehouse(parse_snowflake_url(fakesnow_url)).connect_kwargs()
    assert kwargs["session_parameters"]["QUERY_TAG"] == "fluxops-test"
    assert kwargs["session_parameters"]["STATEMENT_TIMEOUT_IN_SECONDS"] == settings.WAREHOUSE_LONG_QUERY_TIMEOUT
    assert kwargs["warehouse"] == "OPS_WH" and kwargs["password"] == "snow"


def test_oauth_token_file_is_reread_when_it_changes(fakesnow_url: str, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("first-token\n")
    config = parse_snowflake_url(fakesnow_url + f"&authenticator=oauth&token_file={token}")
    warehouse = SnowflakeWarehouse(config)
    assert warehouse.connect_kwargs()["token"] == "first-token"
    assert warehouse.connect_kwargs()["authenticator"] == "oauth" and "password" not in warehouse.connect_kwargs()
    first = warehouse._connection()
    assert warehouse._connection() is first  # unchanged file: the connection is reused
    token.write_text("second-token\n")
    os.utime(token, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
    assert warehouse.connect_kwargs()["token"] == "second-token"
    assert warehouse._connection() is not first  # a new token: a new session


def test_token_file_reader(tmp_path: Path) -> None:
    path = tmp_path / "token"
    reader = TokenFile(path)
    with pytest.raises(TokenFileError, match="not readable"):
        reader.token()
    path.write_text("")
    with pytest.raises(TokenFileError, match="empty"):
        reader.token()
    path.write_text("abc")
    assert reader.token() == "abc"
    stamp = reader.stamp()
    path.write_text("abcd")
    assert reader.stamp() != stamp and reader.token() == "abcd"


def test_unreachable_snowflake_is_unavailable_within_3_s_and_opens_the_breaker(settings) -> None:
    settings.WAREHOUSE_CONNECT_TIMEOUT = 2
    warehouse = SnowflakeWarehouse(
        parse_snowflake_url("snowflake://u:p@acct/FLUX/AMI?host=127.0.0.1&port=9&protocol=http")
    )
    for _ in range(settings.WAREHOUSE_BREAKER_FAILURES):
        started = time.monotonic()
        with pytest.raises(WarehouseUnavailable):
            warehouse.query("data_status")
        assert time.monotonic() - started < 3
    assert warehouse.breaker.state == "open"
    started = time.monotonic()
    with pytest.raises(WarehouseUnavailable):
        warehouse.query("data_status")
    assert time.monotonic() - started < 0.1


def test_key_pair_authentication(tmp_path: Path, settings) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "rsa_key.p8"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    settings.SNOWFLAKE_PRIVATE_KEY_FILE = str(path)
    settings.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE = "secret"
    settings.SNOWFLAKE_PASSWORD = None
    kwargs = SnowflakeWarehouse(parse_snowflake_url("snowflake://svc@acct/FLUX/AMI?role=R")).connect_kwargs()
    assert kwargs["authenticator"] == "SNOWFLAKE_JWT" and "password" not in kwargs
    loaded = serialization.load_der_private_key(kwargs["private_key"], password=None)
    assert loaded.private_numbers() == key.private_numbers()
