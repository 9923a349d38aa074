"""Operator roles, held as Django groups created by a data migration."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

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
    names = set(user.groups.values_list("name", flat=True))
    for role in reversed(ROLES):
        if role in names:
            return role
    return None


def has_role(user: AbstractBaseUser | AnonymousUser, role: str) -> bool:
    """True when the user's role is `role` or higher."""
    held = user_role(user)
    return held is not None and RANK[held] >= RANK[role]
