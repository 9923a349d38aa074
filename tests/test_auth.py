"""Login, role groups and access to pages, API and API docs."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from fluxops.roles import ADMIN, OPERATOR, VIEWER, has_role, user_role


def test_role_groups_exist_after_migrations(db) -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "operator", "admin"}


def test_roles_rank(viewer: User, operator: User, admin_user: User, outsider: User) -> None:
    assert user_role(viewer) == VIEWER and user_role(operator) == OPERATOR and user_role(admin_user) == ADMIN
    assert user_role(outsider) is None
    assert has_role(operator, VIEWER) and not has_role(viewer, OPERATOR) and not has_role(outsider, VIEWER)


@pytest.mark.parametrize(
    "path", ["/", "/network/", "/outages/", "/field/", "/reliability/", "/devices/FU-00001/switch/"]
)
def test_pages_require_login(client: Client, db, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_login_page_and_login(client: Client, viewer: User) -> None:
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'name="password"' in page.content
    bad = client.post("/accounts/login/", {"username": viewer.username, "password": "wrong"})
    assert bad.status_code == 200 and b"didn't match" in bad.content
    good = client.post("/accounts/login/", {"username": viewer.username, "password": "not-a-real-password-1"})
    assert good.status_code == 302 and good["Location"] == "/"
    assert client.get("/network/").status_code == 200


def test_logout_is_a_post(client: Client, viewer: User) -> None:
    client.force_login(viewer)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/network/").status_code == 302


def test_api_requires_login(client: Client, db) -> None:
    response = client.get("/api/v1/grid/summary")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required."}


def test_api_docs_for_staff_render_without_any_external_resource(
    client: Client, admin_user: User, viewer: User
) -> None:
    client.force_login(viewer)
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(admin_user)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle" in src for src in sources)
    assert all(not src.startswith(("http:", "https:", "//")) for src in sources), sources
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "Flux Operations Center API"


def test_every_page_is_served_without_cdn(client: Client, viewer: User) -> None:
    client.force_login(viewer)
    html = client.get("/network/").content.decode()
    assert "/static/vendor/htmx/htmx.min." in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
