"""Admin pages for the network model: searchable, and a bounded number of queries whatever the rows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from grid.engine.synthetic import Network
from grid.models import (
    Crew,
    Device,
    Feeder,
    MeterEvent,
    Node,
    Outage,
    Segment,
    ServicePoint,
    Substation,
    SwitchingOperation,
    Transformer,
    WorkOrder,
)
from tests.grid.conftest import restored_outage

MODELS = [Substation, Feeder, Node, Segment, Device, Transformer, ServicePoint]
OPERATION_MODELS = [Crew, Outage, SwitchingOperation, WorkOrder, MeterEvent]
MAX_QUERIES = 12


def _url(model: type, suffix: str = "changelist", *args: object) -> str:
    from django.urls import reverse

    return reverse(f"admin:grid_{model._meta.model_name}_{suffix}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_queries_are_bounded(client: Client, admin_user: User, small_network: Network, model: type) -> None:
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(model))
    assert response.status_code == 200
    assert len(queries) <= MAX_QUERIES, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as filtered:
        assert client.get(_url(model), {"q": "1"}).status_code == 200
    assert len(filtered) <= MAX_QUERIES


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_change_form_renders_without_large_selects(
    client: Client, admin_user: User, small_network: Network, model: type
) -> None:
    client.force_login(admin_user)
    obj = model.objects.order_by("pk").last()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert len(queries) <= MAX_QUERIES
    # Autocomplete widgets render only the selected option, never a 4,000-row select.
    assert response.content.decode().count("<option") < 60


def test_search_finds_meter_and_device(client: Client, admin_user: User, small_network: Network) -> None:
    client.force_login(admin_user)
    meter = ServicePoint.objects.order_by("pk")[10]
    response = client.get(_url(ServicePoint), {"q": meter.meter_id.lower()})
    assert meter.meter_id in response.content.decode()
    assert "1 result" in response.content.decode()
    device = Device.objects.filter(kind="recloser").first()
    assert device.code in client.get(_url(Device), {"q": device.code}).content.decode()


def test_non_numeric_search_on_id_fields_is_not_an_error(
    client: Client, admin_user: User, small_network: Network
) -> None:
    client.force_login(admin_user)
    assert client.get(_url(Segment), {"q": "FDR"}).status_code == 200
    assert client.get(_url(Node), {"q": "abc"}).status_code == 200


def test_autocomplete_endpoint_pages_nodes(client: Client, admin_user: User, small_network: Network) -> None:
    client.force_login(admin_user)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "grid", "model_name": "segment", "field_name": "from_node", "term": ""},
    )
    assert response.status_code == 200
    payload = response.json()
    assert 0 < len(payload["results"]) <= 20 and payload["pagination"]["more"] is True


def test_viewer_cannot_reach_admin(client: Client, viewer: User) -> None:
    client.force_login(viewer)
    assert client.get(_url(Segment)).status_code == 302


@pytest.mark.parametrize("model", OPERATION_MODELS, ids=lambda m: m.__name__)
def test_operation_changelists_render_with_bounded_queries(
    client: Client, admin_user: User, small_network: Network, model: type
) -> None:
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(model))
    assert response.status_code == 200
    assert len(queries) <= MAX_QUERIES


def test_switching_log_and_outages_are_read_only_in_admin(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    assert client.get(_url(SwitchingOperation, "add")).status_code == 403
    assert client.get(_url(Outage, "add")).status_code == 403


def test_outage_admin_shows_the_areas_a_restored_outage_counted(
    client: Client, admin_user: User, operator: User, small_network: Network
) -> None:
    outage = restored_outage(by=operator, minutes=60, area="t7", customers=12)
    client.force_login(admin_user)
    page = client.get(_url(Outage, "change", outage.pk)).content.decode()
    assert "areas hit" in page.lower() and "t7" in page
