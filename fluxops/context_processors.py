"""Template context every page needs."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from fluxops.roles import OPERATOR, has_role


def app(request: HttpRequest) -> dict[str, object]:
    """The live refresh interval and whether the user may act (operator or admin).

    `can_operate` is a callable, so the role query runs only on pages that show actions.
    """
    user = getattr(request, "user", None)
    return {
        "live_refresh_seconds": settings.LIVE_REFRESH_SECONDS,
        "can_operate": lambda: user is not None and has_role(user, OPERATOR),
    }
