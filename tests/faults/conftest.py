from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    referral,
    school_org,
    school_user,
)
