"""Parameters of the analytics panels: every value is validated; nothing reaches SQL unchecked."""

from __future__ import annotations

from django import forms

from analytics.panels import MAX_DAYS
from grid.models import Feeder


class PanelForm(forms.Form):
    """Feeder, period (start day and number of days) and comparison day shared by the panels."""

    feeder = forms.ModelChoiceField(
        queryset=Feeder.objects.order_by("code"), required=False, to_field_name="code", empty_label="All feeders"
    )
    start = forms.DateField(required=False, help_text="first day (default: the last days held)")
    days = forms.IntegerField(min_value=1, max_value=MAX_DAYS, required=False)
    day = forms.DateField(required=False, help_text="system load day (default: the last day held)")
