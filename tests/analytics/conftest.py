"""AMI data for the small network in a temporary DuckDB warehouse, one file per test module."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics import services
from analytics.warehouse import DuckDBWarehouse

# A Monday in the summer peak; the comparison day one week earlier is loaded too.
DAY = dt.date(2026, 7, 20)
WEEK_BEFORE = DAY - dt.timedelta(days=7)
DAYS = 2
SEED = 3


def seed_small_ami(path: Path) -> DuckDBWarehouse:
    """Two days from DAY plus the day a week before, refreshed in two steps as an operator would."""
    warehouse = DuckDBWarehouse(path)
    services.ami_seed(start=WEEK_BEFORE, days=1, seed=SEED, warehouse=warehouse)
    services.rollups_refresh(warehouse=warehouse)
    services.ami_seed(start=DAY, days=DAYS, seed=SEED, warehouse=warehouse)
    services.rollups_refresh(warehouse=warehouse)
    return warehouse


@pytest.fixture(scope="module")
def ami_warehouse(tmp_path_factory: pytest.TempPathFactory, django_db_setup, django_db_blocker) -> DuckDBWarehouse:
    """A DuckDB warehouse with AMI readings and rollups for the small network (module scope)."""
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    with django_db_blocker.unblock():
        return seed_small_ami(path)


@pytest.fixture
def warehouse_url(settings, ami_warehouse: DuckDBWarehouse) -> str:
    """Point the settings at the module's warehouse file (and start with an empty cache)."""
    from django.core.cache import cache

    cache.clear()
    settings.WAREHOUSE_URL = f"duckdb:///{ami_warehouse.path}"
    return settings.WAREHOUSE_URL
