"""The referral tracker (verwijsvolger); models arrive with the tracker issue."""
