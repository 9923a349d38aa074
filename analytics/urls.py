from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("panels/<slug:slug>/", views.panel, name="panel"),
    path("tables/<slug:table>.csv", views.table_csv, name="table_csv"),
]
