"""Caller identity on Snowpark Container Services: the ingress header mapped to a Django user and role.

Behind the SPCS public endpoint, Snowflake authenticates the caller and passes the user name in
`Sf-Context-Current-User` (and, with caller's rights on, a token in `Sf-Context-Current-User-Token`).
Those headers are trusted only with `SPCS_MODE=true`; otherwise they are stripped from every request,
so nobody can log in by forging them on a local or non-SPCS deployment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import cast

from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import RemoteUserMiddleware
from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, HttpResponseForbidden
from django.utils.module_loading import import_string

from fluxops.roles import RANK, ROLES
from fluxops.spcs_config import ROLE_PREFIX

USER_HEADER = "HTTP_SF_CONTEXT_CURRENT_USER"
TOKEN_HEADER = "HTTP_SF_CONTEXT_CURRENT_USER_TOKEN"


class SpcsHttpRequest(HttpRequest):
    """A request after `SpcsIdentityMiddleware`: the caller's Snowflake token, or None."""

    snowflake_user_token: str | None


def resolve_role(username: str, snowflake_roles: Iterable[str] = ()) -> str:
    """The app role for a Snowflake user: the highest mapped for the user or any of their roles, else the default."""
    mapping: dict[str, str] = settings.SPCS_ROLE_MAP
    candidates = [mapping.get(username.lower())]
    candidates += [mapping.get(f"{ROLE_PREFIX}{role.lower()}") for role in snowflake_roles]
    found = [role for role in candidates if role]
    if not found:
        return settings.SPCS_DEFAULT_ROLE
    return max(found, key=RANK.__getitem__)


def snowflake_roles(username: str, request: HttpRequest | None) -> list[str]:
    """Snowflake roles of the caller from the optional SPCS_ROLE_RESOLVER hook (none without one)."""
    path = settings.SPCS_ROLE_RESOLVER
    if not path:
        return []
    resolver: Callable[[str, HttpRequest | None], Iterable[str]] = import_string(path)
    return list(resolver(username, request))


def sync_role(user: User, role: str) -> None:
    """Put the user in exactly one role group; accounts created from SPCS get admin-site rights with admin."""
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
    with transaction.atomic():
        user.groups.remove(*(group for name, group in groups.items() if name != role))
        user.groups.add(groups[role])
        # Only accounts without a local password are managed from the mapping; a local superuser
        # whose name happens to match a Snowflake user keeps its flags.
        if not user.has_usable_password():
            is_admin = role == "admin"
            if user.is_staff != is_admin or user.is_superuser != is_admin:
                user.is_staff = user.is_superuser = is_admin
                user.save(update_fields=["is_staff", "is_superuser"])


class SpcsUserBackend(RemoteUserBackend):
    """Authenticates the user named by the SPCS ingress; creates unknown users with an unusable password."""

    create_unknown_user = True

    def clean_username(self, username: str) -> str:
        return username.strip()

    def configure_user[U: AbstractBaseUser](self, request: HttpRequest | None, user: U, created: bool = True) -> U:
        """Runs at each new session: first-sight setup, then the role from the mapping."""
        assert isinstance(user, User)  # AUTH_USER_MODEL is auth.User: roles are its groups
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if user.is_active:
            sync_role(user, resolve_role(user.get_username(), snowflake_roles(user.get_username(), request)))
        return user


class SpcsIdentityMiddleware(RemoteUserMiddleware):
    """Logs in the Snowflake user named by the ingress (SPCS mode only); refuses inactive users with 403.

    Sets `request.snowflake_user_token` to the caller's token when SPCS_CALLERS_RIGHTS is on, else None.
    """

    header = USER_HEADER
    async_capable = False  # type: ignore[assignment]  # django-stubs pins Literal[True]; this one is sync only

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        spcs_request = cast(SpcsHttpRequest, request)
        spcs_request.snowflake_user_token = None
        if not settings.SPCS_MODE:
            # Outside SPCS nothing sets these headers but the client: drop them so no code trusts them.
            request.META.pop(USER_HEADER, None)
            request.META.pop(TOKEN_HEADER, None)
            return self.get_response(request)
        # Taken out of the headers so nothing logs or forwards it; set before authentication so an
        # SPCS_ROLE_RESOLVER can query Snowflake as the caller.
        token = request.META.pop(TOKEN_HEADER, None)
        if settings.SPCS_CALLERS_RIGHTS:
            spcs_request.snowflake_user_token = token or None
        self.process_request(request)
        if USER_HEADER in request.META and not request.user.is_authenticated:
            return HttpResponseForbidden("This Snowflake user is not allowed to use the operations center.")
        if not request.user.is_authenticated:
            spcs_request.snowflake_user_token = None
        return self.get_response(request)
