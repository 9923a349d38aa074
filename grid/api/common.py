"""What the grid routers share beyond their schemas: the user a write is done by."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.errors import AuthenticationError


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request (the API authenticates every operation; anonymous is a 401)."""
    user = request.user
    if not isinstance(user, User):
        raise AuthenticationError()
    return user
