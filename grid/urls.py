from django.urls import path

from grid import map_views, views

app_name = "grid"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("map/", map_views.map_page, name="map"),
    path("map/geometry/<int:structure>.bin", map_views.map_geometry, name="map-geometry"),
    path("map/status", map_views.map_status, name="map-status"),
    path("map/locate", map_views.map_locate, name="map-locate"),
    path("map/assets/<str:kind>/<str:ref>/", map_views.asset_detail, name="map-asset"),
]
