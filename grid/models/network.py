"""The distribution network as an operations system needs it.

Hierarchy: Substation -> Feeder (circuit, head breaker) -> Segment (primary span between two Nodes)
with Devices (breakers, reclosers, fuses, sectionalizers, switches) -> Transformer on a Node ->
ServicePoint (meter) -> customers. Normally-open tie switches join two feeders."""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Q

from grid.constants import CONDUCTORS, CUSTOMER_CLASS_LABELS, DEVICE_KINDS, PHASES, normalise_code


class CodedQuerySet[M: models.Model](models.QuerySet[M]):
    """Assets named by a code: one lookup, one normalisation."""

    def by_code(self, code: str) -> Self:
        return self.filter(code=normalise_code(code))


class ServicePointQuerySet(models.QuerySet["ServicePoint"]):
    """Service points, looked up by meter id with the codes' normalisation."""

    def by_meter(self, meter_id: str) -> Self:
        return self.filter(meter_id=normalise_code(meter_id))


class Substation(models.Model):
    """A distribution substation: source of one or more feeders."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=80)
    lon = models.FloatField()
    lat = models.FloatField()
    capacity_mva = models.DecimalField("transformer capacity (MVA)", max_digits=7, decimal_places=1)

    objects = CodedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Feeder(models.Model):
    """A distribution circuit leaving a substation through its head breaker."""

    code = models.CharField(max_length=24, unique=True)
    substation = models.ForeignKey(Substation, on_delete=models.PROTECT, related_name="feeders")
    nominal_kv = models.DecimalField("nominal voltage (kV)", max_digits=5, decimal_places=2)
    source_node = models.ForeignKey(
        "Node", on_delete=models.PROTECT, related_name="sourced_feeders", help_text="Substation bus node."
    )
    head_breaker = models.OneToOneField(
        "Device", on_delete=models.SET_NULL, null=True, blank=True, related_name="headed_feeder"
    )

    objects = CodedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Node(models.Model):
    """A point of the network where spans meet: substation bus, pole or junction."""

    class Kind(models.TextChoices):
        BUS = "bus", "Substation bus"
        POLE = "pole", "Pole / junction"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.POLE)
    substation = models.ForeignKey(
        Substation, on_delete=models.PROTECT, null=True, blank=True, related_name="bus_nodes"
    )
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, null=True, blank=True, related_name="nodes")
    lon = models.FloatField()
    lat = models.FloatField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["lon", "lat"], name="node_lonlat")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="bus", substation__isnull=False) | Q(kind="pole", feeder__isnull=False),
                name="node_bus_has_substation_pole_has_feeder",
            )
        ]

    def __str__(self) -> str:
        return f"N{self.pk}"


class Segment(models.Model):
    """A primary conductor span between two nodes, with its geometry as lon/lat vertices."""

    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="segments")
    from_node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="segments_out")
    to_node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="segments_in")
    geometry = models.JSONField(help_text="List of [lon, lat] vertices from the from-node to the to-node.")
    length_m = models.FloatField("length (m)")
    conductor = models.CharField(
        max_length=12, choices={code: conductor.label for code, conductor in CONDUCTORS.items()}
    )
    ampacity_a = models.PositiveIntegerField("ampacity (A)")
    phases = models.CharField(max_length=3, choices=PHASES)
    # Bounding box of the geometry, kept for viewport queries.
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name="segment_bbox"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(from_node=models.F("to_node")), name="segment_distinct_nodes"),
            models.CheckConstraint(condition=Q(length_m__gt=0), name="segment_positive_length"),
            models.UniqueConstraint(fields=["from_node", "to_node"], name="segment_unique_node_pair"),
        ]

    def __str__(self) -> str:
        return f"S{self.pk}"


class Device(models.Model):
    """A switching or protective device on a segment or node; open devices break continuity."""

    class State(models.TextChoices):
        CLOSED = "closed", "Closed"
        OPEN = "open", "Open"

    code = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=16, choices=DEVICE_KINDS)
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="devices")
    segment = models.ForeignKey(Segment, on_delete=models.PROTECT, null=True, blank=True, related_name="devices")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, blank=True, related_name="devices")
    normal_state = models.CharField(max_length=6, choices=State.choices, default=State.CLOSED)
    current_state = models.CharField(max_length=6, choices=State.choices, default=State.CLOSED)
    tie_feeder = models.ForeignKey(
        Feeder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tie_devices",
        help_text="For a tie switch: the neighbouring feeder it joins.",
    )

    objects = CodedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["feeder", "kind"], name="device_feeder_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(segment__isnull=False, node__isnull=True) | Q(segment__isnull=True, node__isnull=False),
                name="device_on_segment_or_node",
            ),
            models.CheckConstraint(
                condition=Q(tie_feeder__isnull=True) | ~Q(tie_feeder=models.F("feeder")),
                name="device_tie_joins_two_feeders",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_tie(self) -> bool:
        return self.tie_feeder_id is not None

    @property
    def is_abnormal(self) -> bool:
        return self.current_state != self.normal_state


class Transformer(models.Model):
    """A distribution transformer hanging on a node."""

    code = models.CharField(max_length=16, unique=True)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="transformers")
    feeder = models.ForeignKey(Feeder, on_delete=models.PROTECT, related_name="transformers")
    kva = models.DecimalField("rating (kVA)", max_digits=7, decimal_places=1)
    phase = models.CharField(max_length=3, choices=PHASES)
    install_year = models.PositiveSmallIntegerField()

    objects = CodedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ServicePoint(models.Model):
    """A metered service point fed by a transformer; `customers` counts the customers behind it."""

    meter_id = models.CharField(max_length=16, unique=True)
    transformer = models.ForeignKey(Transformer, on_delete=models.PROTECT, related_name="service_points")
    customer_class = models.CharField(max_length=12, choices=CUSTOMER_CLASS_LABELS)
    customers = models.PositiveIntegerField(default=1)
    lon = models.FloatField()
    lat = models.FloatField()

    objects = ServicePointQuerySet.as_manager()

    class Meta:
        ordering = ["meter_id"]
        indexes = [models.Index(fields=["lon", "lat"], name="servicepoint_lonlat")]
        constraints = [models.CheckConstraint(condition=Q(customers__gte=1), name="servicepoint_has_customers")]

    def __str__(self) -> str:
        return self.meter_id


class NetworkVersion(models.Model):
    """Random stamps renewed when the network's structure or its device states change (cache keys, ETags)."""

    structure = models.PositiveBigIntegerField(default=1)
    state = models.PositiveBigIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"network v{self.structure}.{self.state}"
