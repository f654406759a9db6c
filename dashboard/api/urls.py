"""Dashboard figures API under /api/v1/dashboard (no trailing slashes)."""

from django.urls import path

from dashboard.api import views

app_name = "dashboard-api"
urlpatterns = [
    path("dashboard/summary", views.SummaryView.as_view(), name="summary"),
    path("dashboard/trend", views.TrendView.as_view(), name="trend"),
    path("dashboard/providers", views.ProvidersView.as_view(), name="providers"),
    path("dashboard/overdue", views.OverdueView.as_view(), name="overdue"),
]
