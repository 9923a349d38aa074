"""Network API through ninja's TestClient."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from ninja.testing import TestClient

from grid.api.network import router
from grid.engine.synthetic import Network
from grid.models import Feeder, ServicePoint, Substation
from tests.ninja_client import UserClient


@pytest.fixture
def api(viewer: User) -> TestClient:
    return UserClient(router, viewer)


def test_summary(api: TestClient, small_network: Network) -> None:
    response = api.get("/summary")
    assert response.status_code == 200
    body = response.json()
    assert body["segments"] == small_network.counts()["segments"]
    assert body["customers"] == sum(row.customers for row in small_network.service_points)


def test_substations_are_paginated(api: TestClient, small_network: Network, django_assert_num_queries) -> None:
    with django_assert_num_queries(2):
        response = api.get("/substations?limit=2&offset=1")
    body = response.json()
    assert body["count"] == Substation.objects.count()
    assert [item["code"] for item in body["items"]] == list(
        Substation.objects.order_by("code").values_list("code", flat=True)[1:3]
    )
    assert body["items"][0]["feeder_count"] == 4


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "limit=abc"])
def test_bad_pagination_is_a_422(api: TestClient, small_network: Network, query: str) -> None:
    response = api.get(f"/substations?{query}")
    assert response.status_code == 422
    assert "detail" in response.json()


def test_feeders_filtered_by_substation(api: TestClient, small_network: Network) -> None:
    station = Substation.objects.order_by("code").first()
    body = api.get(f"/feeders?substation={station.code}").json()
    assert {item["code"] for item in body["items"]} == set(
        Feeder.objects.filter(substation=station).values_list("code", flat=True)
    )
    assert all(item["segments"] > 0 and item["customers"] > 0 for item in body["items"])


def test_unknown_substation_is_a_404(api: TestClient, small_network: Network) -> None:
    response = api.get("/feeders?substation=NOPE")
    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown substation 'NOPE'."}


def test_meter_detail_by_id_any_case(api: TestClient, small_network: Network) -> None:
    point = ServicePoint.objects.select_related("transformer__feeder__substation").order_by("pk")[3]
    body = api.get(f"/meters/{point.meter_id.lower()}").json()
    assert body["meter_id"] == point.meter_id
    assert body["feeder"] == point.transformer.feeder.code
    assert body["substation"] == point.transformer.feeder.substation.code


def test_unknown_meter_is_a_404(api: TestClient, small_network: Network) -> None:
    response = api.get("/meters/M99999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown meter 'M99999999'."}
