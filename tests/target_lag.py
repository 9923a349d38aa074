"""Snowflake's TARGET_LAG grammar and lag values with their clauses, written out by hand for both DDL commands' tests.

CREATE DYNAMIC TABLE: TARGET_LAG = { '<num> { seconds | minutes | hours | days }' | DOWNSTREAM },
at least 1 minute.
"""

from __future__ import annotations

import re

GRAMMAR = re.compile(r"TARGET_LAG = (?:'[0-9]+ (?:seconds|minutes|hours|days)'|DOWNSTREAM)")

# (--target-lag value, the clause Snowflake accepts for it)
VALID = [
    ("DOWNSTREAM", "TARGET_LAG = DOWNSTREAM"),
    ("downstream", "TARGET_LAG = DOWNSTREAM"),
    ("1 minute", "TARGET_LAG = '1 minutes'"),
    ("2 hours", "TARGET_LAG = '2 hours'"),
    ("60 seconds", "TARGET_LAG = '60 seconds'"),
    (" 3 Day ", "TARGET_LAG = '3 days'"),
]

INVALID = [
    "0 minutes",
    "30 seconds",
    "59 seconds",
    "soon",
    "1 fortnight",
    "",
    "'1 hour'",
    "1 minutes'",
    "1.5 hours",
    "2hours",
    "-5 minutes",
    "DOWNSTREAM; DROP TABLE x",
]

# The refusal names the value and the accepted forms.
ACCEPTED_FORMS = re.escape("DOWNSTREAM or '<number> seconds|minutes|hours|days' of at least 1 minute")


def clauses(sql: str) -> list[str]:
    """Every TARGET_LAG clause of `sql`, up to the end of its line."""
    return re.findall(r"TARGET_LAG = [^\n]*", sql)
