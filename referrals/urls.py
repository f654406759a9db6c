"""Pages of the referral tracker (referrer, provider inbox, family status)."""

app_name = "referrals"
urlpatterns = []
