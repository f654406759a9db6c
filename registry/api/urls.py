"""Catalogue and capacity API under /api/v1 (no trailing slashes)."""

from django.urls import path

from registry.api import views

app_name = "registry-api"
urlpatterns = [
    path(
        "services/<int:id>/capacity",
        views.CapacityView.as_view(),
        name="service-capacity",
    ),
    path(
        "services/<int:id>/capacity/history",
        views.CapacityHistoryView.as_view(),
        name="service-capacity-history",
    ),
]
