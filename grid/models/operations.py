"""Operations records: crews, outages with their areas, steps and timeline, switching log, meter events, work orders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Self

from django.db import models
from django.db.models import Q
from django.db.models.base import ModelBase
from django.utils import timezone
from typing_extensions import TypeVar

from grid.models.network import Device, Feeder, ServicePoint, Transformer


def local_day(moment: datetime) -> date:
    """The day of `moment` in the configured time zone."""
    return timezone.localtime(moment).date()


class CrewQuerySet(models.QuerySet["Crew"]):
    def busy(self) -> Self:
        """Crews working an outage or an order."""
        return self.filter(status__in=Crew.BUSY_STATUSES)


# The row type of an outage queryset: the outage, annotated or not.
_OutageRow = TypeVar("_OutageRow", covariant=True, default="Outage")


class OutageQuerySet(models.QuerySet["Outage", _OutageRow]):
    def active(self) -> Self:
        """Outages not yet restored, closed or cancelled."""
        return self.filter(state__in=Outage.ACTIVE_STATES)


class WorkOrderQuerySet(models.QuerySet["WorkOrder"]):
    def open(self) -> Self:
        """Work orders not yet done or cancelled."""
        return self.filter(status__in=WorkOrder.OPEN_STATUSES)


class Crew(models.Model):
    """A field crew that restores outages and works orders."""

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        ASSIGNED = "assigned", "Assigned"
        EN_ROUTE = "en_route", "En route"
        ON_SITE = "on_site", "On site"
        OFF_SHIFT = "off_shift", "Off shift"

    BUSY_STATUSES = (Status.ASSIGNED, Status.EN_ROUTE, Status.ON_SITE)
    name = models.CharField(max_length=40, unique=True)
    members = models.PositiveSmallIntegerField(default=2)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.AVAILABLE)
    depot = models.CharField(max_length=60)
    depot_lon = models.FloatField()
    depot_lat = models.FloatField()

    objects = CrewQuerySet.as_manager()

    # Attached by `grid.selectors.crews.crews_with_assignments` (not columns).
    current_outage: Outage | None
    open_orders: list[WorkOrder]

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(members__gte=1), name="crew_has_members")]

    def __str__(self) -> str:
        return self.name


class Outage(models.Model):
    """An interruption of supply at a device, a transformer or a single service point.

    `version` implements optimistic locking: every write must name the version it read.
    Customer-minutes are exact for step restoration: each RestorationStep records when how
    many customers got supply back.
    """

    class State(models.TextChoices):
        PREDICTED = "predicted", "Predicted"
        VERIFIED = "verified", "Verified"
        CREW_ASSIGNED = "crew_assigned", "Crew assigned"
        EN_ROUTE = "en_route", "En route"
        ON_SITE = "on_site", "On site"
        RESTORED = "restored", "Restored"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    # Supply still out (or not yet known to be back): ETRs, crews and steps apply.
    ACTIVE_STATES = (State.PREDICTED, State.VERIFIED, State.CREW_ASSIGNED, State.EN_ROUTE, State.ON_SITE)
    # Not yet closed or cancelled: the active outages and the restored ones still waiting for a cause and close.
    OPEN_STATES = (*ACTIVE_STATES, State.RESTORED)
    # Supply back, or never lost: restored (to close), closed and cancelled outages.
    HISTORY_STATES = (State.RESTORED, State.CLOSED, State.CANCELLED)
    # Where operators read a state differently from its label: a restored outage still needs closing.
    BOARD_STATE_LABELS: dict[str, str] = {State.RESTORED: "Restored, to close"}

    class Cause(models.TextChoices):
        WEATHER = "weather", "Weather"
        VEGETATION = "vegetation", "Vegetation"
        EQUIPMENT = "equipment", "Equipment failure"
        ANIMAL = "animal", "Animal"
        VEHICLE = "vehicle", "Vehicle"
        UNKNOWN = "unknown", "Unknown"
        PLANNED = "planned", "Planned / switching"

    class Source(models.TextChoices):
        AMI = "ami", "AMI power-loss roll-up"
        SWITCHING = "switching", "Switching operation"
        MANUAL = "manual", "Entered by an operator"
        HISTORY = "history", "Outage history"

    state = models.CharField(max_length=16, choices=State.choices, default=State.PREDICTED, db_index=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    cause = models.CharField(max_length=12, choices=Cause.choices, default=Cause.UNKNOWN)
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="outages")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, null=True, blank=True, related_name="outages")
    transformer = models.ForeignKey(
        Transformer, on_delete=models.PROTECT, null=True, blank=True, related_name="outages"
    )
    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, null=True, blank=True, related_name="outages"
    )
    started_at = models.DateTimeField(db_index=True)
    # The local day the interruption started (IEEE 1366 assigns it to that day), kept for daily sums.
    start_day = models.DateField(null=True, blank=True, editable=False)
    etr = models.DateTimeField("estimated restoration", null=True, blank=True)
    restored_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    customers_affected = models.PositiveIntegerField(default=0)
    customers_by_class = models.JSONField(default=dict, blank=True)
    meters_affected = models.PositiveIntegerField(default=0)
    # Customers per area hit ("t<transformer id>" or "s<service point id>"): who was interrupted, for CAIFI/CEMI.
    areas = models.JSONField(default=dict, blank=True)
    # Filled when supply is back: exact customer-minutes over the restoration steps, and the duration.
    customer_minutes = models.FloatField(default=0)
    duration_minutes = models.FloatField(null=True, blank=True)
    crew = models.ForeignKey(Crew, on_delete=models.SET_NULL, null=True, blank=True, related_name="outages")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutageQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["feeder", "started_at"], name="outage_feeder_start"),
            # Covers the daily and per-feeder sums of the reliability indices (no table reads).
            models.Index(
                fields=["state", "start_day", "duration_minutes", "feeder", "customers_affected", "customer_minutes"],
                name="outage_record_sums",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(device__isnull=False) | Q(transformer__isnull=False) | Q(service_point__isnull=False),
                name="outage_has_a_location",
            )
        ]

    def __str__(self) -> str:
        return f"OUT-{self.pk:06d}" if self.pk else "new outage"

    def save(
        self,
        *,
        force_insert: bool | tuple[ModelBase, ...] = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        self.start_day = local_day(self.started_at)
        if update_fields is not None:
            update_fields = {*update_fields, "start_day"}
        super().save(force_insert=force_insert, force_update=force_update, using=using, update_fields=update_fields)

    @property
    def code(self) -> str:
        return str(self)

    @property
    def location_label(self) -> str:
        if self.device is not None:
            return self.device.code
        if self.transformer is not None:
            return self.transformer.code
        assert self.service_point is not None  # the outage_has_a_location constraint
        return self.service_point.meter_id

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @classmethod
    def label_of_state(cls, state: str) -> str:
        """A state as the board and the detail show it ("Restored, to close" until a restored outage is closed)."""
        return cls.BOARD_STATE_LABELS.get(state) or cls.State(state).label

    @property
    def state_label(self) -> str:
        """This outage's state as the board and the detail show it."""
        return self.label_of_state(self.state)


class OutageArea(models.Model):
    """One area a sustained interruption hit, with its customers (CN and CEMI_n are sums over these rows).

    Written when the outage is restored and lasted longer than 5 minutes, from its `areas`; the start
    day and feeder are copied so the sums need no join.
    """

    # Indexed by the (outage, area) constraint.
    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="record_areas", db_index=False)
    area = models.CharField(max_length=16)
    # The transformer area a service point's area lies in ("" for a transformer's): CN counts its
    # customers once when both are hit.
    within = models.CharField(max_length=16, blank=True, default="")
    customers = models.PositiveIntegerField()
    start_day = models.DateField()
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        indexes = [
            models.Index(fields=["start_day", "area", "within", "customers", "feeder"], name="outage_area_sums_within")
        ]
        constraints = [models.UniqueConstraint(fields=["outage", "area"], name="outage_area_once")]

    def __str__(self) -> str:
        return f"{self.outage}: {self.area} ({self.customers} customers)"


class RestorationStep(models.Model):
    """Customers of an outage that got supply back at one moment."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField()
    customers_restored = models.PositiveIntegerField()
    note = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=Q(customers_restored__gte=1), name="step_restores_customers")]

    def __str__(self) -> str:
        return f"{self.customers_restored} restored at {self.at:%Y-%m-%d %H:%M}"


class OutageEvent(models.Model):
    """One entry of an outage's timeline: a transition, an edit or a note, with who and when."""

    class Action(models.TextChoices):
        """What happened, named as the timeline reads it; the operator actions are the state machine's."""

        # Written by the AMI roll-up and by switching.
        PREDICTED = "predicted", "Predicted from meter reports"
        RELOCATED = "relocated", "Location revised"
        MERGED = "merged", "Merged into another outage"
        CREATED = "created", "Opened by switching"
        EXTENDED = "extended", "Extended by switching"
        # Operator actions (grid.services.outages.TRANSITIONS), ETR changes and restoration steps.
        VERIFY = "verify", "Verification"
        ASSIGN_CREW = "assign_crew", "Crew assignment"
        DISPATCH = "dispatch", "Crew dispatched"
        ARRIVE = "arrive", "Crew arrival"
        ETR = "etr", "ETR change"
        STEP = "step", "Partial restoration"
        RESTORE = "restore", "Restoration"
        CLOSE = "close", "Close-out"
        CANCEL = "cancel", "Cancellation"

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=24, choices=Action.choices)
    from_state = models.CharField(max_length=16, blank=True, choices=Outage.State.choices)
    to_state = models.CharField(max_length=16, blank=True, choices=Outage.State.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class SwitchingOperation(models.Model):
    """Append-only log of device operations with the customers they moved."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="operations")
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey("auth.User", on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=6, choices=Device.State.choices)
    to_state = models.CharField(max_length=6, choices=Device.State.choices)
    reason = models.CharField(max_length=200)
    customers_deenergized = models.PositiveIntegerField(default=0)
    customers_reenergized = models.PositiveIntegerField(default=0)
    outage = models.ForeignKey(Outage, on_delete=models.PROTECT, null=True, blank=True, related_name="operations")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.device_id} {self.from_state}->{self.to_state} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Switching operations are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Switching operations are append-only.")


class MeterEvent(models.Model):
    """A power-loss ("last gasp") or power-restore message from a meter; stored once."""

    class Kind(models.TextChoices):
        POWER_OFF = "power_off", "Power off (last gasp)"
        POWER_ON = "power_on", "Power on (restore)"

    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    # Set when the outage that explains it is restored, so stale last gasps do not roll up again.
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["resolved", "kind"], name="meterevent_open")]
        constraints = [models.UniqueConstraint(fields=["service_point", "kind", "occurred_at"], name="meterevent_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.service_point_id} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class WorkOrder(models.Model):
    """Field work on an outage or an asset, optionally assigned to a crew."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ASSIGNED = "assigned", "Assigned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.OPEN, Status.ASSIGNED, Status.IN_PROGRESS)

    class Priority(models.IntegerChoices):
        EMERGENCY = 1, "1 - Emergency"
        HIGH = 2, "2 - High"
        NORMAL = 3, "3 - Normal"
        LOW = 4, "4 - Low"

    outage = models.ForeignKey(Outage, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders")
    device = models.ForeignKey(Device, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders")
    transformer = models.ForeignKey(
        Transformer, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders"
    )
    crew = models.ForeignKey(Crew, on_delete=models.SET_NULL, null=True, blank=True, related_name="work_orders")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    summary = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outage__isnull=False) | Q(device__isnull=False) | Q(transformer__isnull=False),
                name="workorder_has_a_subject",
            )
        ]

    def __str__(self) -> str:
        return f"WO-{self.pk:06d}" if self.pk else "new work order"
