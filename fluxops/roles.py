"""Operator roles, held as Django groups created by a data migration."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Concatenate

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

# Settings import the role names, before the auth models can load: those are for annotations only.
if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

VIEWER = "viewer"
OPERATOR = "operator"
ADMIN = "admin"
ROLES = (VIEWER, OPERATOR, ADMIN)
# Each role includes the rights of the ones before it.
RANK = {VIEWER: 1, OPERATOR: 2, ADMIN: 3}
# The attribute that keeps a user's role on the user object for the rest of the request.
_ROLE_ATTRIBUTE = "_fluxops_role"


class AuthenticatedHttpRequest(HttpRequest):
    """A request that `login_required` or `role_required` let through: `request.user` is a logged-in User."""

    user: User


def user_role(user: User | AnonymousUser) -> str | None:
    """The highest role a user holds (superusers are admins), or None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    # Kept on the user object for the request: templates and views ask several times.
    if not hasattr(user, _ROLE_ATTRIBUTE):
        names = set(user.groups.values_list("name", flat=True))
        setattr(user, _ROLE_ATTRIBUTE, next((role for role in reversed(ROLES) if role in names), None))
    role: str | None = getattr(user, _ROLE_ATTRIBUTE)
    return role


def has_role(user: User | AnonymousUser, role: str) -> bool:
    """True when the user's role is `role` or higher."""
    held = user_role(user)
    return held is not None and RANK[held] >= RANK[role]


def role_required[R: HttpRequest, **P](
    role: str,
) -> Callable[[Callable[Concatenate[R, P], HttpResponse]], Callable[Concatenate[R, P], HttpResponse]]:
    """View decorator: 403 unless the logged-in user holds `role` or higher (viewers read, never write)."""

    def decorator(view: Callable[Concatenate[R, P], HttpResponse]) -> Callable[Concatenate[R, P], HttpResponse]:
        @wraps(view)
        def wrapped(request: R, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not has_role(request.user, role):
                raise PermissionDenied(f"This action needs the {role} role.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
