"""Admin for the network model: searchable, filtered, autocomplete for every foreign key.

Foreign keys to tables with tens of thousands of rows use autocomplete widgets, and list pages
select related rows up front, so no admin page issues a number of queries that grows with rows.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from grid.models import (
    Crew,
    Device,
    Feeder,
    MeterEvent,
    Node,
    Outage,
    OutageArea,
    RestorationStep,
    Segment,
    ServicePoint,
    Substation,
    SwitchingOperation,
    Transformer,
    WorkOrder,
)


class NodeRefMixin:
    """List columns that show node references by id, without loading the nodes."""

    @admin.display(description="from node", ordering="from_node_id")
    def from_node_ref(self, obj: Segment) -> str:
        return f"N{obj.from_node_id}"

    @admin.display(description="to node", ordering="to_node_id")
    def to_node_ref(self, obj: Segment) -> str:
        return f"N{obj.to_node_id}"


@admin.register(Substation)
class SubstationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "capacity_mva", "lon", "lat"]
    search_fields = ["code", "name"]
    ordering = ["code"]


@admin.register(Feeder)
class FeederAdmin(admin.ModelAdmin):
    list_display = ["code", "substation", "nominal_kv", "head_breaker", "source_node_ref"]
    list_filter = ["nominal_kv", "substation"]
    list_select_related = ["substation", "head_breaker"]
    search_fields = ["code", "substation__code", "substation__name"]
    autocomplete_fields = ["substation", "source_node", "head_breaker"]

    @admin.display(description="source node", ordering="source_node_id")
    def source_node_ref(self, obj: Feeder) -> str:
        return f"N{obj.source_node_id}"


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "feeder", "substation", "lon", "lat"]
    list_filter = ["kind"]
    list_select_related = ["feeder", "substation"]
    search_fields = ["=id", "feeder__code"]
    autocomplete_fields = ["feeder", "substation"]
    show_full_result_count = False


@admin.register(Segment)
class SegmentAdmin(NodeRefMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "feeder",
        "from_node_ref",
        "to_node_ref",
        "length_m",
        "conductor",
        "ampacity_a",
        "phases",
    ]
    list_filter = ["conductor", "phases"]
    list_select_related = ["feeder"]
    search_fields = ["=id", "feeder__code"]
    autocomplete_fields = ["feeder", "from_node", "to_node"]
    show_full_result_count = False


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "feeder", "location", "normal_state", "current_state", "tie_feeder"]
    list_filter = ["kind", "current_state", "normal_state"]
    list_select_related = ["feeder", "tie_feeder"]
    search_fields = ["code", "feeder__code"]
    autocomplete_fields = ["feeder", "segment", "node", "tie_feeder"]

    @admin.display(description="on")
    def location(self, obj: Device) -> str:
        return f"S{obj.segment_id}" if obj.segment_id else f"N{obj.node_id}"


@admin.register(Transformer)
class TransformerAdmin(admin.ModelAdmin):
    list_display = ["code", "feeder", "node_ref", "kva", "phase", "install_year"]
    list_filter = ["phase", "kva"]
    list_select_related = ["feeder"]
    search_fields = ["code", "feeder__code"]
    autocomplete_fields = ["node", "feeder"]
    show_full_result_count = False

    @admin.display(description="node", ordering="node_id")
    def node_ref(self, obj: Transformer) -> str:
        return f"N{obj.node_id}"


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ["meter_id", "transformer", "feeder", "customer_class", "customers"]
    list_filter = ["customer_class"]
    list_select_related = ["transformer__feeder"]
    search_fields = ["=meter_id", "transformer__code"]
    autocomplete_fields = ["transformer"]
    show_full_result_count = False

    @admin.display(description="feeder", ordering="transformer__feeder__code")
    def feeder(self, obj: ServicePoint) -> Feeder:
        return obj.transformer.feeder


@admin.register(Crew)
class CrewAdmin(admin.ModelAdmin):
    list_display = ["name", "members", "status", "depot"]
    list_filter = ["status"]
    search_fields = ["name", "depot"]


class RestorationStepInline(admin.TabularInline):
    model = RestorationStep
    extra = 0
    readonly_fields = ["at", "customers_restored", "note", "by"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Outage | None = None) -> bool:
        return False


class OutageAreaInline(admin.TabularInline):
    """Who a sustained interruption counted as interrupted (CN and CEMI_n)."""

    model = OutageArea
    extra = 0
    fields = ["area", "customers"]
    readonly_fields = ["area", "customers"]
    can_delete = False
    verbose_name = "area hit"
    verbose_name_plural = "areas hit (customers counted for CAIFI, CTAIDI and CEMI)"

    def has_add_permission(self, request: HttpRequest, obj: Outage | None = None) -> bool:
        return False


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    """Outages are run from the operator pages (state machine, locking); the admin shows them read-only."""

    list_display = ["__str__", "state", "source", "cause", "feeder", "location", "started_at", "customers_affected"]
    list_filter = ["state", "source", "cause"]
    list_select_related = ["feeder", "device", "transformer", "service_point"]
    search_fields = ["=id", "feeder__code", "device__code"]
    date_hierarchy = "started_at"
    inlines = [RestorationStepInline, OutageAreaInline]
    show_full_result_count = False

    @admin.display(description="location")
    def location(self, obj: Outage) -> str:
        return obj.location_label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Outage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Outage | None = None) -> bool:
        return False


@admin.register(SwitchingOperation)
class SwitchingOperationAdmin(admin.ModelAdmin):
    """The switching log is append-only: read-only here."""

    list_display = [
        "at",
        "device",
        "from_state",
        "to_state",
        "by",
        "reason",
        "customers_deenergized",
        "customers_reenergized",
    ]
    list_filter = ["to_state"]
    list_select_related = ["device", "by"]
    search_fields = ["device__code", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SwitchingOperation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SwitchingOperation | None = None) -> bool:
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "priority", "status", "summary", "crew", "created_at", "closed_at"]
    list_filter = ["status", "priority"]
    list_select_related = ["crew"]
    search_fields = ["=id", "summary"]
    autocomplete_fields = ["outage", "device", "transformer", "crew"]


@admin.register(MeterEvent)
class MeterEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "service_point", "kind", "received_at", "resolved"]
    list_filter = ["kind", "resolved"]
    list_select_related = ["service_point"]
    search_fields = ["=service_point__meter_id"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MeterEvent | None = None) -> bool:
        return False
