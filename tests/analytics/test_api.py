"""Analytics API through ninja's TestClient: figures, errors, warehouse down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from ninja.testing import TestClient

from analytics import queries
from analytics.api import router
from grid.engine.synthetic import Network
from grid.models import Feeder
from tests.analytics.conftest import DAY
from tests.ninja_client import UserClient

pytestmark = pytest.mark.django_db

END = DAY + dt.timedelta(days=2)


@pytest.fixture
def api(viewer: User) -> TestClient:
    return UserClient(router, viewer)


def test_status(api: TestClient, small_network: Network, warehouse_url: str) -> None:
    body = api.get("/status").json()
    assert body == {
        "load_batch": 2,
        "refresh_batch": 2,
        "version": "2.2",
        "first_day": "2026-07-13",
        "last_day": "2026-07-21",
    }


def test_feeder_load_profile(api: TestClient, small_network: Network, warehouse_url: str) -> None:
    feeder = Feeder.objects.order_by("code").first()
    response = api.get(f"/feeders/{feeder.code.lower()}/load-profile?start=2026-07-20&days=2")
    assert response.status_code == 200
    body = response.json()
    expected = queries.run(queries.feeder_load_profile(feeder_id=feeder.pk, start=DAY, end=END))
    assert body["feeder"] == feeder.code and (body["start"], body["end"]) == ("2026-07-20", "2026-07-22")
    assert len(body["points"]) == len(expected) > 0
    assert body["points"][0]["avg_kw"] == pytest.approx(expected[0].avg_kw)
    assert body["peak_kw"] == pytest.approx(
        max(sum(p.avg_kw for p in expected if p.hour == hour) for hour in {p.hour for p in expected})
    )


def test_transformer_loading_filtered_by_feeder(api: TestClient, small_network: Network, warehouse_url: str) -> None:
    feeder = Feeder.objects.order_by("code")[1]
    body = api.get(f"/transformers/loading?feeder={feeder.code}&start=2026-07-20&days=2").json()
    assert body["items"] and {item["feeder_code"] for item in body["items"]} == {feeder.code}
    pct = [item["peak_pct"] for item in body["items"]]
    assert pct == sorted(pct, reverse=True)
    assert body["over_100"] == sum(1 for p in pct if p > 100)


def test_voltage_compliance_and_excursions(api: TestClient, small_network: Network, warehouse_url: str) -> None:
    feeders = api.get("/voltage-compliance?start=2026-07-20&days=2").json()["feeders"]
    assert len(feeders) == Feeder.objects.count()
    worst = feeders[0]
    meters = api.get(f"/feeders/{worst['feeder_code']}/voltage-excursions?start=2026-07-20&days=2").json()["meters"]
    assert len(meters) == min(worst["meters_out_a"], 200)
    assert all(m["readings_out_a"] > 0 for m in meters)


def test_system_load_defaults_to_the_last_day(api: TestClient, small_network: Network, warehouse_url: str) -> None:
    body = api.get("/system-load").json()
    assert body["day"] == "2026-07-21" and body["week_before"] == "2026-07-14"
    assert [h["hour_of_day"] for h in body["hours"]] == list(range(24))
    body = api.get("/system-load?day=2026-07-20").json()
    assert all(h["mw_week_before"] > 0 for h in body["hours"])


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/feeders/NOPE/load-profile", 404),
        ("/feeders/NOPE/voltage-excursions", 404),
        ("/transformers/loading?feeder=NOPE", 404),
        ("/voltage-compliance?days=0", 422),
        ("/voltage-compliance?days=32", 422),
        ("/voltage-compliance?start=2026-02-30", 422),
        ("/system-load?day=tomorrow", 422),
    ],
)
def test_bad_parameters(api: TestClient, small_network: Network, warehouse_url: str, path: str, status: int) -> None:
    response = api.get(path)
    assert response.status_code == status
    assert "detail" in response.json()


def test_warehouse_down_is_a_503(api: TestClient, small_network: Network, settings) -> None:
    settings.WAREHOUSE_URL = "snowflake://u:p@acct/FLUX/AMI?host=127.0.0.1&port=9&protocol=http"
    settings.WAREHOUSE_CONNECT_TIMEOUT = 2
    response = api.get("/system-load")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("Analytics unavailable")


def test_needs_login(client: Client, small_network: Network) -> None:
    response = client.get("/api/v1/analytics/status")
    assert response.status_code == 401 and response.json() == {"detail": "Authentication required."}
