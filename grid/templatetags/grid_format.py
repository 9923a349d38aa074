"""Display formats shared by the grid pages: `{% load grid_format %}`."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def minutes(value: float | str | None) -> str:
    """A duration in minutes as operators read it: "45 min", "2 h", "1 h 30 min"; "—" when there is none."""
    if value is None or value == "":
        return "—"
    total = round(float(value))
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"
