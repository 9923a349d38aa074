"""SPCS caller identity: the ingress header is honoured only in SPCS mode, mapped to roles, inactive users refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from fluxops.roles import ROLES, user_role
from fluxops.spcs import SpcsIdentityMiddleware, resolve_role
from fluxops.spcs_config import parse_role_map

HEADER = {"HTTP_SF_CONTEXT_CURRENT_USER": "ALICE"}


@pytest.fixture
def spcs(settings) -> object:
    """SPCS mode as the settings module sets it up with SPCS_MODE=true."""
    settings.SPCS_MODE = True
    settings.AUTHENTICATION_BACKENDS = ["fluxops.spcs.SpcsUserBackend", "django.contrib.auth.backends.ModelBackend"]
    settings.SPCS_ROLE_MAP = parse_role_map("ALICE:operator,BOSS:admin,role:GRID_ADMINS:admin")
    settings.SPCS_DEFAULT_ROLE = "viewer"
    settings.SPCS_ROLE_RESOLVER = None
    settings.SPCS_CALLERS_RIGHTS = False
    return settings


@pytest.mark.django_db
def test_role_names_match_the_role_groups() -> None:
    """The role names settings and SPCS check are the groups the migration created."""
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)
    assert ROLES == ("viewer", "operator", "admin")


def test_role_map_accepts_pairs_and_json() -> None:
    assert parse_role_map("ALICE:operator, bob=admin,role:GRID_OPS:operator") == {
        "alice": "operator",
        "bob": "admin",
        "role:grid_ops": "operator",
    }
    assert parse_role_map('{"Alice": "Admin", "role:X": "viewer"}') == {"alice": "admin", "role:x": "viewer"}
    assert parse_role_map("") == {}


@pytest.mark.parametrize("value", ["ALICE:superuser", "ALICE", '["ALICE"]', "{not json"])
def test_role_map_rejects_bad_values(value: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_role_map(value)


def test_resolve_role_takes_the_highest_match_else_the_default(spcs) -> None:
    assert resolve_role("alice") == "operator"
    assert resolve_role("CAROL") == "viewer"
    assert resolve_role("CAROL", ["PUBLIC", "GRID_ADMINS"]) == "admin"
    assert resolve_role("ALICE", ["GRID_ADMINS"]) == "admin"


def test_header_creates_the_user_with_an_unusable_password_and_mapped_group(client: Client, spcs, db) -> None:
    response = client.get("/", **HEADER)
    assert response.status_code == 200
    user = User.objects.get(username="ALICE")
    assert not user.has_usable_password()
    assert user_role(user) == "operator"
    assert not user.is_staff
    # Second request: same session, no second account.
    assert client.get("/", **HEADER).status_code == 200
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_unmapped_user_gets_the_default_role(client: Client, spcs, db) -> None:
    assert client.get("/", HTTP_SF_CONTEXT_CURRENT_USER="CAROL").status_code == 200
    assert user_role(User.objects.get(username="CAROL")) == "viewer"


def test_mapped_admin_gets_admin_site_rights(client: Client, spcs, db) -> None:
    assert client.get("/admin/", HTTP_SF_CONTEXT_CURRENT_USER="BOSS").status_code == 200
    boss = User.objects.get(username="BOSS")
    assert user_role(boss) == "admin" and boss.is_staff and boss.is_superuser


def test_role_change_in_the_map_applies_at_next_login(client: Client, spcs, db) -> None:
    client.get("/", **HEADER)
    spcs.SPCS_ROLE_MAP = parse_role_map("ALICE:viewer")
    client.logout()
    client.get("/", **HEADER)
    assert user_role(User.objects.get(username="ALICE")) == "viewer"


def test_role_resolver_hook_supplies_snowflake_roles(client: Client, spcs, db) -> None:
    spcs.SPCS_ROLE_RESOLVER = "tests.deploy.test_identity.grid_admin_roles"
    client.get("/", HTTP_SF_CONTEXT_CURRENT_USER="DAVE")
    assert user_role(User.objects.get(username="DAVE")) == "admin"


def grid_admin_roles(username: str, request: HttpRequest | None) -> list[str]:
    """A role resolver as a warehouse-backed one would be plugged in."""
    return ["GRID_ADMINS"] if username == "DAVE" else []


def roles_seen_with_callers_token(username: str, request: HttpRequest | None) -> list[str]:
    """A resolver that needs the caller's token, as one querying Snowflake as the caller would."""
    return ["GRID_ADMINS"] if request is not None and request.snowflake_user_token == "erin-token" else []


def test_role_resolver_sees_the_callers_token(client: Client, spcs, db) -> None:
    spcs.SPCS_CALLERS_RIGHTS = True
    spcs.SPCS_ROLE_RESOLVER = "tests.deploy.test_identity.roles_seen_with_callers_token"
    client.get("/", HTTP_SF_CONTEXT_CURRENT_USER="ERIN", HTTP_SF_CONTEXT_CURRENT_USER_TOKEN="erin-token")
    assert user_role(User.objects.get(username="ERIN")) == "admin"


def test_inactive_user_is_refused(client: Client, spcs, db) -> None:
    User.objects.create_user(username="ALICE", is_active=False)
    response = client.get("/", **HEADER)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_user_deactivated_mid_session_is_refused(client: Client, spcs, db) -> None:
    assert client.get("/", **HEADER).status_code == 200
    User.objects.filter(username="ALICE").update(is_active=False)
    assert client.get("/", **HEADER).status_code == 403


def test_switching_header_user_switches_the_session(client: Client, spcs, db) -> None:
    client.get("/", **HEADER)
    client.get("/", HTTP_SF_CONTEXT_CURRENT_USER="BOSS")
    assert int(client.session["_auth_user_id"]) == User.objects.get(username="BOSS").pk


def test_header_is_ignored_outside_spcs_mode(client: Client, settings, db) -> None:
    settings.SPCS_MODE = False
    response = client.get("/", HTTP_SF_CONTEXT_CURRENT_USER="admin")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not User.objects.filter(username__in=["admin", "ALICE"]).exists()
    response = client.get("/metrics", HTTP_SF_CONTEXT_CURRENT_USER="admin")
    assert response.status_code == 401


def test_forged_header_cannot_override_a_local_login_outside_spcs_mode(client: Client, settings, viewer) -> None:
    settings.SPCS_MODE = False
    client.force_login(viewer)
    client.get("/", HTTP_SF_CONTEXT_CURRENT_USER="ada-admin")
    assert int(client.session["_auth_user_id"]) == viewer.pk


def test_local_login_keeps_working_outside_spcs_mode(client: Client, settings, viewer) -> None:
    settings.SPCS_MODE = False
    response = client.post("/accounts/login/", {"username": "vera-viewer", "password": "not-a-real-password-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def _through_middleware(request: HttpRequest) -> HttpRequest:
    seen: dict[str, HttpRequest] = {}

    def view(req: HttpRequest) -> HttpResponse:
        seen["request"] = req
        return HttpResponse("ok")

    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    SessionMiddleware(lambda req: HttpResponse())(request)
    AuthenticationMiddleware(lambda req: HttpResponse()).process_request(request)
    SpcsIdentityMiddleware(view)(request)
    return seen["request"]


def test_callers_token_exposed_only_in_spcs_mode_with_the_setting(spcs, db) -> None:
    factory = RequestFactory()
    headers = {**HEADER, "HTTP_SF_CONTEXT_CURRENT_USER_TOKEN": "caller-token"}

    spcs.SPCS_CALLERS_RIGHTS = True
    request = _through_middleware(factory.get("/", **headers))
    assert request.snowflake_user_token == "caller-token"
    # Taken out of META so nothing logs or forwards it by accident.
    assert "HTTP_SF_CONTEXT_CURRENT_USER_TOKEN" not in request.META

    spcs.SPCS_CALLERS_RIGHTS = False
    assert _through_middleware(factory.get("/", **headers)).snowflake_user_token is None

    spcs.SPCS_MODE = False
    spcs.SPCS_CALLERS_RIGHTS = True
    request = _through_middleware(factory.get("/", **headers))
    assert request.snowflake_user_token is None
    assert "HTTP_SF_CONTEXT_CURRENT_USER" not in request.META
    assert "HTTP_SF_CONTEXT_CURRENT_USER_TOKEN" not in request.META
