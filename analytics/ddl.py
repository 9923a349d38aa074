"""Deploy-time Snowflake DDL: the Dynamic Tables of analytics/sql/snowflake/, filled in from settings."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from analytics.warehouse import safe_identifier

DDL_DIR = Path(__file__).resolve().parent / "sql" / "snowflake"
TARGET_LAG = re.compile(r"^(DOWNSTREAM|\d+ (seconds|minutes|hours|days))$", re.IGNORECASE)


def dynamic_table_ddl(*, warehouse: str | None = None, target_lag: str | None = None) -> list[tuple[str, str]]:
    """(file name, statement) for every Dynamic Table, in dependency order."""
    warehouse = safe_identifier(warehouse or settings.SNOWFLAKE_DT_WAREHOUSE)
    target_lag = (target_lag or settings.SNOWFLAKE_DT_TARGET_LAG).strip()
    if not TARGET_LAG.match(target_lag):
        raise ImproperlyConfigured(f"target lag {target_lag!r} must be like '15 minutes', '1 hours' or DOWNSTREAM")
    statements = []
    for path in sorted(DDL_DIR.glob("*.sql")):
        text = path.read_text().replace("${WAREHOUSE}", warehouse).replace("${TARGET_LAG}", target_lag)
        if "${" in text:
            raise ImproperlyConfigured(f"{path.name}: unknown template variable")
        if target_lag.upper() == "DOWNSTREAM":
            text = text.replace("'DOWNSTREAM'", "DOWNSTREAM")
        statements.append((path.name, text.strip()))
    return statements
