"""Pages of the referral tracker (referrer, provider inbox, family status)."""

from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path(
        "aanbod/<int:service_pk>/verwijs",
        views.referral_create,
        name="referral-create",
    ),
    path("verwijzingen", views.referral_list, name="referral-list"),
    # Before <reference>: "inzagelog" is not a reference.
    path("verwijzingen/inzagelog", views.access_log, name="access-log"),
    path("verwijzingen/<str:reference>", views.referral_detail, name="referral-detail"),
    path(
        "verwijzingen/<str:reference>/verstuurd",
        views.referral_created,
        name="referral-created",
    ),
    path(
        "verwijzingen/<str:reference>/brief",
        views.referral_slip,
        name="referral-slip",
    ),
    path(
        "verwijzingen/<str:reference>/stap",
        views.referral_event_create,
        name="referral-event-create",
    ),
    path(
        "verwijzingen/<str:reference>/stap/<int:event_id>/fout",
        views.referral_event_retract,
        name="referral-event-retract",
    ),
    path("inbox", views.inbox, name="inbox"),
    path(
        "meldingen/<int:pk>/gelezen",
        views.notification_read,
        name="notification-read",
    ),
    path("status", views.family_status, name="status"),
]
