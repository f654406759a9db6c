from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularJSONAPIView,
    SpectacularSwaggerSplitView,
)

from accounts import views as account_views
from registry import provider_views
from sociale_kaart import views

# Log-in for professionals: Django's views with Dutch templates in
# templates/registration/. Repeated failures lock out (django-axes,
# AXES_LOCKOUT_TEMPLATE); reset links go to the address on file.
auth_urlpatterns = [
    # Step one of two (accounts.login_flow): the second factor follows.
    path("inloggen", account_views.LoginView.as_view(), name="login"),
    path("uitloggen", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "wachtwoord-vergeten",
        provider_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "wachtwoord-vergeten/verstuurd",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "wachtwoord-herstellen/<uidb64>/<token>",
        provider_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "wachtwoord-herstellen/klaar",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "mijn/wachtwoord",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "mijn/wachtwoord/gewijzigd",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

api_urlpatterns = [
    path("api/v1/openapi.yaml", SpectacularAPIView.as_view(), name="api-schema"),
    # NL API Design Rules API-51: the document as JSON at a standard location.
    path(
        "api/v1/openapi.json",
        SpectacularJSONAPIView.as_view(),
        name="api-schema-json",
    ),
    path(
        "api/v1/docs",
        # Split view + own template: no inline script or style (CSP).
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/v1/", include("registry.api.urls")),
    path("api/v1/", include("referrals.api.urls")),
    path("api/v1/", include("dashboard.api.urls")),
    path("api/v1/", include("ijw.api.urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", account_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    *auth_urlpatterns,
    *api_urlpatterns,
    path("", include("registry.provider_urls")),
    path("", include("registry.urls")),
    path("", include("referrals.urls")),
    path("", include("dashboard.urls")),
    path("", include("ijw.urls")),
    path("", include("accounts.urls")),
    path("", include("webhooks.urls")),
]

# Error pages that never touch the database: a lost connection is 503.
handler400 = "sociale_kaart.views.handler400"
handler403 = "sociale_kaart.views.handler403"
handler404 = "sociale_kaart.views.handler404"
handler500 = "sociale_kaart.views.handler500"
