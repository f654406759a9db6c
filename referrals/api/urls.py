"""Referral API under /api/v1 (no trailing slashes)."""

app_name = "referrals-api"
urlpatterns = []
