"""Catalogue and capacity API under /api/v1 (no trailing slashes)."""

app_name = "registry-api"
urlpatterns = []
