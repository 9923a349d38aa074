"""Deploy-time Snowflake DDL: the Dynamic Tables of analytics/sql/snowflake/, filled in for a warehouse and lag.

The one renderer of these files: `manage.py analytics_ddl` applies its statements and
`manage.py render_deploy_sql` (fluxops.deploy) inlines them into the deployment script.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

DDL_DIR = Path(__file__).resolve().parent / "sql" / "snowflake"
# A Snowflake identifier that needs no quoting (and so can carry nothing else into the SQL).
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")
# Seconds per unit of Snowflake's grammar: TARGET_LAG = { '<num> { seconds | minutes | hours | days }' | DOWNSTREAM }.
LAG_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Snowflake refuses a target lag below 1 minute (CREATE DYNAMIC TABLE; behaviour change bundle 2023_06).
MIN_LAG_SECONDS = 60
LAG_FORMS = "DOWNSTREAM or '<number> seconds|minutes|hours|days' of at least 1 minute (e.g. '15 minutes', '2 hours')"
# ASCII only: Unicode case folding would let the long s (U+017F) pass for "s".
_TARGET_LAG = re.compile(
    r"(?P<downstream>DOWNSTREAM)|(?P<count>[0-9]+)\s+(?P<unit>second|minute|hour|day)s?", re.IGNORECASE | re.ASCII
)
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_]\w*)\}")


class DDLError(ValueError):
    """A Dynamic Table parameter is invalid or a DDL file cannot be filled in."""


def target_lag_sql(value: str) -> str:
    """`value` as Snowflake's TARGET_LAG grammar writes it: DOWNSTREAM bare, a duration quoted; else DDLError."""
    match = _TARGET_LAG.fullmatch(value.strip())
    if not match:
        raise DDLError(f"target lag {value!r} is not valid; use {LAG_FORMS}")
    if match["downstream"]:
        return "DOWNSTREAM"
    count, unit = int(match["count"]), match["unit"].lower() + "s"
    if count * LAG_UNITS[unit] < MIN_LAG_SECONDS:
        raise DDLError(f"target lag {value!r} is below Snowflake's minimum of 1 minute; use {LAG_FORMS}")
    # The grammar names plural units only, so '1 minute' is written '1 minutes'.
    return f"'{count} {unit}'"


def fill(text: str, values: dict[str, str], source: str) -> str:
    """`text` with its `${NAME}` placeholders replaced; an unknown name is a DDLError, never left in place."""

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise DDLError(f"{source}: unknown placeholder {match.group(0)}")
        return values[match.group(1)]

    return _PLACEHOLDER.sub(value, text)


def dynamic_table_ddl(
    *, warehouse: str | None = None, target_lag: str | None = None, directory: Path = DDL_DIR
) -> list[tuple[str, str]]:
    """(file name, statement) for every Dynamic Table in name (dependency) order; defaults from settings.

    Files write `${WAREHOUSE}` and `${TARGET_LAG}` (the whole value: quoted duration or DOWNSTREAM) and
    leave table names unqualified, resolved in the session's schema.
    """
    # An unset setting reads as "" and is refused below like any other bad value.
    warehouse = (settings.SNOWFLAKE_DT_WAREHOUSE or "") if warehouse is None else warehouse
    if not IDENTIFIER.fullmatch(warehouse):
        raise DDLError(f"warehouse must be a plain identifier (letters, digits, _ and $), got {warehouse!r}")
    lag = (settings.SNOWFLAKE_DT_TARGET_LAG or "") if target_lag is None else target_lag
    values = {"WAREHOUSE": warehouse, "TARGET_LAG": target_lag_sql(lag)}
    paths = sorted(directory.glob("*.sql")) if directory.is_dir() else []
    return [(path.name, fill(path.read_text(), values, path.name).strip()) for path in paths]
