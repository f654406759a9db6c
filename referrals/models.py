"""The referral tracker (verwijsvolger). Models arrive with the referral-tracker issue."""
