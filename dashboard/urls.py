"""The municipality dashboard (/regie) and a provider's own figures."""

from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("regie", views.overview, name="overview"),
    path("regie/aanbieders", views.organisations, name="organisations"),
    path("regie/aanbieder", views.own, name="own"),
    path("regie/open", views.overdue, name="overdue"),
    path("regie/csv/<slug:table>.csv", views.csv_download, name="csv"),
]
