from django.conf import settings
from django.utils.functional import SimpleLazyObject

from registry import norms, permissions
from registry.models import Organisation


def site(request):
    """Values every page needs: the norms shown beside waiting times, freshness,
    and which parts of the app the signed-in user works in (for the menu)."""
    user = getattr(request, "user", None)
    # The municipality's norms (referrals' ResponseNorm rows, cached): every
    # page states the same norm as the deadlines and the dashboard.
    weeks = SimpleLazyObject(norm_weeks)
    return {
        "NORM_INTAKE_WEEKS": SimpleLazyObject(lambda: weeks["intake"]),
        "NORM_TREATMENT_WEEKS": SimpleLazyObject(lambda: weeks["treatment"]),
        "NORM_TOTAL_WEEKS": SimpleLazyObject(lambda: weeks["total"]),
        "CAPACITY_STALE_DAYS": settings.CAPACITY_STALE_DAYS,
        # Lazy: only pages that show the signed-in menu pay for the (memoised) query.
        "roles": SimpleLazyObject(lambda: user_roles(user)),
    }


def norm_weeks() -> dict:
    return norms.regular_weeks()


def user_roles(user) -> dict[str, bool]:
    kinds = {m.organisation.kind for m in permissions.memberships(user)}
    org = Organisation.Kind
    return {
        "provider": bool(kinds & {org.HOOFDAANBIEDER, org.ONDERAANNEMER}),
        "referrer": bool(
            kinds & {org.JGZ, org.HUISARTS, org.GI, org.ZIEKENHUIS, org.WIJKTEAM}
        ),
        "school": org.SCHOOL in kinds,
        "municipality": org.GEMEENTE in kinds,
    }
