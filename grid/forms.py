"""Forms for the grid pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from grid.constants import normalise_code
from grid.models import Crew, Device, Feeder, Outage, Substation, WorkOrder
from grid.selectors.reliability import Period, period_for
from grid.services.outages import TRANSITIONS


class FeederFilterForm(forms.Form):
    """Filter for the feeder table on the overview page."""

    substation = forms.ModelChoiceField(
        queryset=Substation.objects.order_by("code"),
        required=False,
        to_field_name="code",
        empty_label="All substations",
    )
    page = forms.IntegerField(min_value=1, required=False)


class OutageFilterForm(forms.Form):
    """Filters and sort order of the outage board."""

    feeder = forms.ModelChoiceField(
        queryset=Feeder.objects.order_by("code"), required=False, to_field_name="code", empty_label="All feeders"
    )
    state = forms.ChoiceField(choices=[("", "All active states"), *Outage.State.choices], required=False)
    cause = forms.ChoiceField(choices=[("", "All causes"), *Outage.Cause.choices], required=False)
    sort = forms.ChoiceField(
        choices=[("started", "Newest"), ("customers", "Most customers"), ("etr", "ETR"), ("feeder", "Feeder")],
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False)


class OutageActionForm(forms.Form):
    """A state-machine action on an outage, carrying the version the operator saw."""

    action = forms.ChoiceField(choices=[(name, t.label) for name, t in TRANSITIONS.items()])
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    crew = forms.ModelChoiceField(queryset=Crew.objects.filter(status=Crew.Status.AVAILABLE), required=False)
    cause = forms.ChoiceField(choices=[("", "---"), *Outage.Cause.choices], required=False)
    note = forms.CharField(max_length=500, required=False, widget=forms.TextInput)


class EtrForm(forms.Form):
    """New estimated restoration time."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    etr = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(max_length=500, required=False)


class StepForm(forms.Form):
    """A partial restoration."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    customers = forms.IntegerField(min_value=1)
    note = forms.CharField(max_length=200, required=False)


class SwitchingForm(forms.Form):
    """Operate a device; the preview must be confirmed."""

    to_state = forms.ChoiceField(choices=Device.State.choices, label="Operate to")
    reason = forms.CharField(max_length=200)
    allow_parallel = forms.BooleanField(required=False, label="Allow a parallel of two feeders")
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # What the confirmed preview showed (customers lost, regained): a confirm refuses when it changed since.
    previewed_lost = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput, label="Previewed loss")
    previewed_gained = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput, label="Previewed gain")

    def previewed(self) -> tuple[int, int] | None:
        """(lost, regained) of the confirmed preview, when the form carried both."""
        lost, gained = self.cleaned_data.get("previewed_lost"), self.cleaned_data.get("previewed_gained")
        return None if lost is None or gained is None else (lost, gained)


class WorkOrderForm(forms.Form):
    """Open a work order on a device (by code) or an outage."""

    summary = forms.CharField(max_length=200)
    device = forms.CharField(max_length=16, required=False, help_text="Device code, e.g. FU-00012")
    outage = forms.ModelChoiceField(queryset=Outage.objects.active(), required=False)
    priority = forms.TypedChoiceField(choices=WorkOrder.Priority.choices, coerce=int, initial=3)

    def clean_device(self) -> Device | None:
        code = normalise_code(self.cleaned_data["device"])
        if not code:
            return None
        device = Device.objects.filter(code=code).first()
        if device is None:
            raise forms.ValidationError(f"Unknown device {code}.")
        return device

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if not data.get("device") and not data.get("outage"):
            raise forms.ValidationError("Give a device or an outage.")
        return data


class WorkOrderStatusForm(forms.Form):
    """Move a work order; assigning needs a crew."""

    status = forms.ChoiceField(choices=WorkOrder.Status.choices)
    crew = forms.ModelChoiceField(queryset=Crew.objects.exclude(status=Crew.Status.OFF_SHIFT), required=False)


class ReliabilityForm(forms.Form):
    """Scope and period of a reliability report."""

    period = forms.ChoiceField(
        choices=[
            ("ytd", "Year to date"),
            ("last12", "Last 12 months"),
            ("year", "Calendar year"),
            ("custom", "Custom"),
        ],
        initial="ytd",
    )
    year = forms.IntegerField(required=False, min_value=1990, max_value=2100)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    substation = forms.ModelChoiceField(
        queryset=Substation.objects.order_by("code"), required=False, to_field_name="code", empty_label="Whole system"
    )
    feeder = forms.ModelChoiceField(
        queryset=Feeder.objects.order_by("code"), required=False, to_field_name="code", empty_label="All feeders"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if data.get("feeder") and data.get("substation"):
            raise forms.ValidationError("Choose a substation or a feeder, not both.")
        try:
            self._period = period_for(
                data.get("period") or "ytd",
                today=timezone.localdate(),
                year=data.get("year"),
                first=data.get("start"),
                last=data.get("end"),
            )
        except ValueError as exc:
            raise forms.ValidationError(str(exc).capitalize() + ".") from None
        return data

    def selected_period(self) -> Period:
        return self._period
