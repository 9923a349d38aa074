"""Forms for the grid pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from django import forms
from django.utils import timezone

from grid.constants import normalise_code
from grid.models import Crew, Device, Feeder, Outage, Substation, WorkOrder
from grid.selectors.outages import ACTIVE_VIEW, BOARD_DEFAULT_SORTS, BOARD_VIEWS, HISTORY_VIEW
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


class BoardPeriod(NamedTuple):
    """How far back the board's history view reaches, by when supply came back."""

    label: str
    phrase: str  # completes "No restored outages ..."
    span: timedelta | None  # None: everything on record


BOARD_PERIODS: dict[str, BoardPeriod] = {
    "1": BoardPeriod("Last 24 hours", "in the last 24 hours", timedelta(days=1)),
    "7": BoardPeriod("Last 7 days", "in the last 7 days", timedelta(days=7)),
    "30": BoardPeriod("Last 30 days", "in the last 30 days", timedelta(days=30)),
    "365": BoardPeriod("Last 12 months", "in the last 12 months", timedelta(days=365)),
    "all": BoardPeriod("All time", "on record", None),
}
DEFAULT_BOARD_PERIOD = "7"
BOARD_VIEW_LABELS = {ACTIVE_VIEW: "Active", HISTORY_VIEW: "History"}
_ALL_STATES_LABELS = {ACTIVE_VIEW: "All active states", HISTORY_VIEW: "All states in history"}
_STATE_CHOICES = [(value, Outage.label_of_state(value)) for value in Outage.State.values]


class OutageFilterForm(forms.Form):
    """View, filters, sort order and page of the outage board; a valid form fills in every default."""

    view = forms.ChoiceField(choices=list(BOARD_VIEW_LABELS.items()), required=False, widget=forms.HiddenInput)
    feeder = forms.ModelChoiceField(
        queryset=Feeder.objects.order_by("code"), required=False, to_field_name="code", empty_label="All feeders"
    )
    state = forms.ChoiceField(choices=[("", _ALL_STATES_LABELS[ACTIVE_VIEW]), *_STATE_CHOICES], required=False)
    cause = forms.ChoiceField(choices=[("", "All causes"), *Outage.Cause.choices], required=False)
    sort = forms.ChoiceField(
        choices=[
            ("started", "Newest started"),
            ("restored", "Newest restored"),
            ("customers", "Most customers"),
            ("etr", "ETR"),
            ("feeder", "Feeder"),
        ],
        required=False,
    )
    period = forms.ChoiceField(
        choices=[(key, period.label) for key, period in BOARD_PERIODS.items()], required=False, label="Restored"
    )
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        view = (self.data.get("view") if self.is_bound else self.initial.get("view")) or ACTIVE_VIEW
        state = self.fields["state"]
        if view in _ALL_STATES_LABELS and isinstance(state, forms.ChoiceField):
            state.choices = [("", _ALL_STATES_LABELS[view]), *_STATE_CHOICES]
        # Set by clean(): the state asked for belongs to the other view, which is shown instead.
        self.switched_view = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        view = data.get("view") or ACTIVE_VIEW
        state = data.get("state")
        # A state of the other view switches to that view rather than listing nothing or refusing: the
        # state select offers every state, and links may name any. Restored is in both views and stays put.
        if state and state not in BOARD_VIEWS[view]:
            view = next(name for name, states in BOARD_VIEWS.items() if state in states)
            self.switched_view = True
        data["view"] = view
        data["sort"] = data.get("sort") or BOARD_DEFAULT_SORTS[view]
        data["period"] = data.get("period") or DEFAULT_BOARD_PERIOD
        data["page"] = data.get("page") or 1
        return data

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The cleaned data of an empty board request: the active view, unfiltered, first page."""
        form = cls({})
        form.is_valid()
        return form.cleaned_data


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
