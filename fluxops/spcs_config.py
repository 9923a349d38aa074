"""Parsing of the SPCS role mapping, importable from settings (no Django models involved)."""

from __future__ import annotations

import json

from django.core.exceptions import ImproperlyConfigured

from fluxops.roles import ROLES

ROLE_PREFIX = "role:"


def parse_role_map(value: str | None) -> dict[str, str]:
    """Parse SPCS_ROLE_MAP into {lower-case key: role}.

    Accepts a JSON object or `KEY:role,KEY=role,...`. A key is a Snowflake user name, or
    `role:NAME` for a Snowflake role; names compare case-insensitively (Snowflake upper-cases
    unquoted identifiers).
    """
    value = (value or "").strip()
    if not value:
        return {}
    if value.startswith("{"):
        try:
            pairs = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ImproperlyConfigured(f"SPCS_ROLE_MAP is not valid JSON: {exc}") from None
        if not isinstance(pairs, dict):
            raise ImproperlyConfigured("SPCS_ROLE_MAP JSON must be an object of name -> role")
        items = list(pairs.items())
    else:
        items = []
        for entry in filter(None, (part.strip() for part in value.split(","))):
            # Split on the last separator so `role:NAME:operator` keeps its prefix.
            cut = max(entry.rfind(":"), entry.rfind("="))
            if cut <= 0:
                raise ImproperlyConfigured(f"SPCS_ROLE_MAP entry {entry!r} is not NAME:role")
            items.append((entry[:cut], entry[cut + 1 :]))
    mapping = {}
    for key, role in items:
        role = str(role).strip().lower()
        if role not in ROLES:
            raise ImproperlyConfigured(f"SPCS_ROLE_MAP maps {key!r} to {role!r}; roles are {', '.join(ROLES)}")
        mapping[str(key).strip().lower()] = role
    return mapping
