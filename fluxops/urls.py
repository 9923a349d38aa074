"""Top-level routes: health probes, metrics, auth, admin, the API and the apps' pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from fluxops import health, views
from fluxops.api import api

admin.site.site_header = "Flux Operations Center administration"
admin.site.site_title = "Flux Ops admin"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("analytics/", include("analytics.urls")),
    path("", include("grid.urls")),
]
