"""Provider pages (namespace ``provider``): /mijn/... and the public history page."""

from django.urls import path

from registry import location_views
from registry import provider_views as views

app_name = "provider"
urlpatterns = [
    path("mijn/aanbod", views.my_services, name="my-services"),
    path(
        "mijn/aanbod/actueel", views.capacity_confirm_all, name="capacity-confirm-all"
    ),
    path("mijn/aanbod/<int:pk>", views.service_edit, name="service-edit"),
    path(
        "mijn/aanbod/<int:pk>/capaciteit",
        views.capacity_update,
        name="capacity-update",
    ),
    path(
        "mijn/aanbod/<int:pk>/actueel", views.capacity_confirm, name="capacity-confirm"
    ),
    path(
        "mijn/organisaties/<int:pk>",
        views.organisation_edit,
        name="organisation-edit",
    ),
    path(
        "mijn/organisaties/<int:pk>/locaties/nieuw",
        location_views.location_create,
        name="location-create",
    ),
    path("mijn/locaties/<int:pk>", location_views.location_edit, name="location-edit"),
    path(
        "mijn/locaties/adres-opzoeken",
        location_views.address_lookup,
        name="address-lookup",
    ),
    path("mijn/api-sleutels", views.token_list, name="tokens"),
    path(
        "mijn/api-sleutels/<int:pk>/intrekken",
        views.token_revoke,
        name="token-revoke",
    ),
    path(
        "mijn/api-sleutels/<int:pk>/vervangen",
        views.token_rotate,
        name="token-rotate",
    ),
    path("aanbod/<int:pk>/geschiedenis", views.service_history, name="service-history"),
]
