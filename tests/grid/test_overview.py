"""The operations overview page: full page, htmx partial, filter, pagination, empty state."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from grid.engine.synthetic import Network
from grid.models import Feeder, Substation
from grid.services.network import network_clear


def test_full_page_shows_network_size(client: Client, viewer: User, small_network: Network) -> None:
    client.force_login(viewer)
    response = client.get("/network/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'id="feeder-table"' in html
    assert f"{small_network.counts()['segments']:,}" in html
    assert Feeder.objects.order_by("code").first().code in html
    assert response["Vary"].count("HX-Request") == 1


def test_htmx_request_gets_only_the_table(
    client: Client, viewer: User, small_network: Network, django_assert_num_queries
) -> None:
    client.force_login(viewer)
    station = Substation.objects.order_by("code").last()
    with django_assert_num_queries(8):
        response = client.get("/network/", {"substation": station.code}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="feeder-table">') and "<html" not in html
    codes = set(Feeder.objects.filter(substation=station).values_list("code", flat=True))
    assert codes and all(code in html for code in codes)
    other = Feeder.objects.exclude(substation=station).first().code
    assert other not in html


def test_unknown_substation_is_reported_and_all_feeders_listed(
    client: Client, viewer: User, small_network: Network
) -> None:
    client.force_login(viewer)
    response = client.get("/network/", {"substation": "SUB-999"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Feeder.objects.order_by("code").first().code in response.content.decode()


def test_pages_past_the_end_show_the_last_page(client: Client, viewer: User, small_network: Network) -> None:
    client.force_login(viewer)
    response = client.get("/network/", {"page": 999})
    assert response.status_code == 200
    assert Feeder.objects.order_by("code").last().code in response.content.decode()


def test_empty_network_has_an_empty_state(client: Client, admin_user: User, small_network: Network) -> None:
    network_clear()
    client.force_login(admin_user)
    html = client.get("/network/").content.decode()
    assert "No network yet" in html and "manage.py seed_grid" in html
