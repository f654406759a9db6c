from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("start", views.start, name="start"),
    path("zoeken", views.search_page, name="search"),
    path("zoeken.csv", views.search_csv, name="search-csv"),
    path(
        "aanbieders/<slug:slug>", views.organisation_detail, name="organisation-detail"
    ),
    path("aanbod/<int:pk>", views.service_detail, name="service-detail"),
]
