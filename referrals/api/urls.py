"""Referral API under /api/v1 (no trailing slashes)."""

from rest_framework.routers import SimpleRouter

from referrals.api.views import ReferralViewSet

app_name = "referrals-api"

router = SimpleRouter(trailing_slash=False)
router.register("referrals", ReferralViewSet, basename="referral")
urlpatterns = router.urls
