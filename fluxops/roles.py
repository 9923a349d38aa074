"""Operator roles, held as Django groups created by a data migration."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

# Settings import the role names, before the auth models can load: those are for annotations only.
if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

ViewFunc = Callable[..., HttpResponse]

VIEWER = "viewer"
OPERATOR = "operator"
ADMIN = "admin"
ROLES = (VIEWER, OPERATOR, ADMIN)
# Each role includes the rights of the ones before it.
RANK = {VIEWER: 1, OPERATOR: 2, ADMIN: 3}


def user_role(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """The highest role a user holds (superusers are admins), or None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    # Kept on the user object for the request: templates and views ask several times.
    if not hasattr(user, "_fluxops_role"):
        names = set(user.groups.values_list("name", flat=True))
        user._fluxops_role = next((role for role in reversed(ROLES) if role in names), None)
    return user._fluxops_role


def has_role(user: AbstractBaseUser | AnonymousUser, role: str) -> bool:
    """True when the user's role is `role` or higher."""
    held = user_role(user)
    return held is not None and RANK[held] >= RANK[role]


def role_required(role: str) -> Callable[[ViewFunc], ViewFunc]:
    """View decorator: 403 unless the logged-in user holds `role` or higher (viewers read, never write)."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not has_role(request.user, role):
                raise PermissionDenied(f"This action needs the {role} role.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
