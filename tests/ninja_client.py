"""ninja's TestClient for one user, shared by the API tests of each app."""

from __future__ import annotations

from django.contrib.auth.models import User
from ninja import Router
from ninja.testing import TestClient


class UserClient(TestClient):
    """ninja's TestClient sending every request as one user."""

    def __init__(self, router: Router, user: User) -> None:
        super().__init__(router)
        self.user = user

    def request(self, method: str, path: str, data=None, json=None, **params):
        params.setdefault("user", self.user)
        return super().request(method, path, data, json, **params)
