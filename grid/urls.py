from django.urls import path

from grid import dashboard_views, map_views, outage_views, views

app_name = "grid"

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("network/", views.overview, name="overview"),
    path("reliability/", dashboard_views.reliability, name="reliability"),
    path("outages/", outage_views.outage_board, name="outages"),
    path("outages/<int:outage_id>/", outage_views.outage_detail, name="outage-detail"),
    path("outages/<int:outage_id>/<str:kind>/", outage_views.outage_act, name="outage-act"),
    path("field/", outage_views.field_operations, name="field"),
    path("field/work-orders/", outage_views.work_order_new, name="work-order-new"),
    path("field/work-orders/<int:order_id>/", outage_views.work_order_move, name="work-order-move"),
    path("devices/<str:code>/switch/", outage_views.device_switch, name="device-switch"),
    path("map/", map_views.map_page, name="map"),
    path("map/geometry/<int:structure>.bin", map_views.map_geometry, name="map-geometry"),
    path("map/status", map_views.map_status, name="map-status"),
    path("map/locate", map_views.map_locate, name="map-locate"),
    path("map/assets/<str:kind>/<str:ref>/", map_views.asset_detail, name="map-asset"),
]
