from django.urls import path

from accounts import oidc, views

app_name = "accounts"
urlpatterns = [
    path("inloggen/code", views.second_factor, name="second-factor"),
    path("inloggen/instellen", views.second_factor_setup, name="second-factor-setup"),
    path("inloggen/herstelcodes", views.recovery_codes, name="recovery-codes"),
    path("inloggen/sso", oidc.SsoStartView.as_view(), name="sso"),
    path(
        "inloggen/sso/naar-organisatie",
        oidc.OrganisationOidcRequestView.as_view(),
        name="oidc-authenticate",
    ),
    path(
        "inloggen/sso/terug",
        oidc.OrganisationOidcCallbackView.as_view(),
        name="oidc-callback",
    ),
    path("mijn/account", views.account, name="account"),
    path("mijn/account/sessies/beeindigen", views.session_end, name="session-end"),
    path("mijn/organisatie", views.organisation_switch, name="organisation-switch"),
    path("organisaties", views.organisation_list, name="organisation-list"),
    path("organisaties/<int:pk>/mensen", views.people, name="people"),
    path(
        "organisaties/<int:pk>/mensen/uitnodigen",
        views.people_invite,
        name="people-invite",
    ),
    path(
        "organisaties/<int:pk>/mensen/<int:membership_pk>/rol",
        views.people_role,
        name="people-role",
    ),
    path(
        "organisaties/<int:pk>/mensen/<int:membership_pk>/verwijderen",
        views.people_remove,
        name="people-remove",
    ),
    path(
        "organisaties/<int:pk>/mensen/<int:membership_pk>/deactiveren",
        views.people_deactivate,
        name="people-deactivate",
    ),
    path(
        "organisaties/<int:pk>/mensen/<int:membership_pk>/tweede-factor-wissen",
        views.people_second_factor_reset,
        name="people-second-factor-reset",
    ),
    path(
        "organisaties/<int:pk>/uitnodigingen/<int:invitation_pk>/intrekken",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("uitnodiging/<str:secret>", views.invitation_accept, name="invitation"),
]
