from django.urls import path

from webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("mijn/webhooks", views.subscription_list, name="list"),
    path(
        "mijn/webhooks/<int:pk>/pauzeren",
        views.subscription_pause,
        name="pause",
    ),
    path(
        "mijn/webhooks/<int:pk>/verwijderen",
        views.subscription_delete,
        name="delete",
    ),
]
