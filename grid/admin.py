"""Admin for the network model: searchable, filtered, autocomplete for every foreign key.

Foreign keys to tables with tens of thousands of rows use autocomplete widgets, and list pages
select related rows up front, so no admin page issues a number of queries that grows with rows.
"""

from __future__ import annotations

from django.contrib import admin

from grid.models import Device, Feeder, Node, Segment, ServicePoint, Substation, Transformer


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
