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

HSDS_UUID = "<str:id>"
hsds_urlpatterns = [
    path("hsds/", open_referral.RootView.as_view(), name="hsds-root"),
    path("hsds/openapi.json", open_referral.OpenApiView.as_view(), name="hsds-openapi"),
    path(
        "hsds/services", open_referral.ServiceListView.as_view(), name="hsds-services"
    ),
    path(
        f"hsds/services/{HSDS_UUID}",
        open_referral.ServiceDetailView.as_view(),
        name="hsds-service",
    ),
    path(
        "hsds/organizations",
        open_referral.OrganizationListView.as_view(),
        name="hsds-organizations",
    ),
    path(
        f"hsds/organizations/{HSDS_UUID}",
        open_referral.OrganizationDetailView.as_view(),
        name="hsds-organization",
    ),
    path(
        "hsds/taxonomies",
        open_referral.TaxonomyListView.as_view(),
        name="hsds-taxonomies",
    ),
    path(
        f"hsds/taxonomies/{HSDS_UUID}",
        open_referral.TaxonomyDetailView.as_view(),
        name="hsds-taxonomy",
    ),
    path(
        "hsds/taxonomy_terms",
        open_referral.TaxonomyTermListView.as_view(),
        name="hsds-taxonomy-terms",
    ),
    path(
        f"hsds/taxonomy_terms/{HSDS_UUID}",
        open_referral.TaxonomyTermDetailView.as_view(),
        name="hsds-taxonomy-term",
    ),
    path(
        "hsds/service_at_locations",
        open_referral.ServiceAtLocationListView.as_view(),
        name="hsds-service-at-locations",
    ),
    path(
        f"hsds/service_at_locations/{HSDS_UUID}",
        open_referral.ServiceAtLocationDetailView.as_view(),
        name="hsds-service-at-location",
    ),
]

urlpatterns = [
    *router.urls,
    *hsds_urlpatterns,
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
