"""Forms for the grid pages."""

from __future__ import annotations

from django import forms

from grid.models import Substation


class FeederFilterForm(forms.Form):
    """Filter for the feeder table on the overview page."""

    substation = forms.ModelChoiceField(
        queryset=Substation.objects.order_by("code"),
        required=False,
        to_field_name="code",
        empty_label="All substations",
    )
    page = forms.IntegerField(min_value=1, required=False)
