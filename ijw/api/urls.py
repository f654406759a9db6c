"""iJw API under /api/v1."""

from django.urls import path

from ijw.api.views import MessageView

app_name = "ijw-api"
urlpatterns = [path("ijw/messages", MessageView.as_view(), name="messages")]
