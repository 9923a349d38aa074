from django.urls import path

from grid import views

app_name = "grid"

urlpatterns = [
    path("", views.overview, name="overview"),
]
