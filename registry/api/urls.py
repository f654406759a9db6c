"""Catalogue, capacity and HSDS API under /api/v1 (no trailing slashes)."""

from django.urls import path

from rest_framework.routers import SimpleRouter

from registry.api import catalogue, open_referral, self_service, views

app_name = "registry-api"

router = SimpleRouter(trailing_slash=False)
router.register("lots", catalogue.LotViewSet, basename="lot")
router.register("districts", catalogue.DistrictViewSet, basename="district")
router.register("problem-areas", catalogue.ProblemAreaViewSet, basename="problem-area")
router.register("forms", catalogue.FormViewSet, basename="form")
router.register("organisations", catalogue.OrganisationViewSet, basename="organisation")
router.register("services", catalogue.ServiceViewSet, basename="service")
router.register(
    "hsds/services", open_referral.HsdsServiceViewSet, basename="hsds-service"
)
router.register(
    "hsds/organizations",
    open_referral.HsdsOrganizationViewSet,
    basename="hsds-organization",
)

urlpatterns = [
    *router.urls,
    path("me", views.MeView.as_view(), name="me"),
    path(
        "services/<int:id>/capacity",
        views.CapacityView.as_view(),
        name="service-capacity",
    ),
    path(
        "services/<int:id>/capacity/confirmation",
        self_service.CapacityConfirmationView.as_view(),
        name="service-capacity-confirmation",
    ),
    path(
        "organisations/<slug:slug>/locations",
        self_service.LocationCreateView.as_view(),
        name="organisation-locations",
    ),
    path(
        "organisations/<slug:slug>/locations/<int:id>",
        self_service.LocationUpdateView.as_view(),
        name="organisation-location",
    ),
    path(
        "services/<int:id>/capacity/history",
        views.CapacityHistoryView.as_view(),
        name="service-capacity-history",
    ),
]
