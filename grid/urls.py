from django.urls import path

from grid.views import crews, dashboard, map, network, outages, reliability, switching, work_orders

app_name = "grid"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("network/", network.overview, name="overview"),
    path("reliability/", reliability.reliability, name="reliability"),
    path("outages/", outages.outage_board, name="outages"),
    path("outages/<int:outage_id>/", outages.outage_detail, name="outage-detail"),
    path("outages/<int:outage_id>/<str:kind>/", outages.outage_act, name="outage-act"),
    path("field/", crews.field_operations, name="field"),
    path("field/work-orders/", work_orders.work_order_new, name="work-order-new"),
    path("field/work-orders/<int:order_id>/", work_orders.work_order_move, name="work-order-move"),
    path("devices/<str:code>/switch/", switching.device_switch, name="device-switch"),
    path("map/", map.map_page, name="map"),
    path("map/geometry/<int:structure>.bin", map.map_geometry, name="map-geometry"),
    path("map/status", map.map_status, name="map-status"),
    path("map/locate", map.map_locate, name="map-locate"),
    path("map/assets/<str:kind>/<str:ref>/", map.asset_detail, name="map-asset"),
]
