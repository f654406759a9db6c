from django.conf import settings
from django.utils.functional import SimpleLazyObject

from registry import permissions
from registry.models import Organisation


def site(request):
    """Values every page needs: the norms shown beside waiting times, freshness,
    and which parts of the app the signed-in user works in (for the menu)."""
    user = getattr(request, "user", None)
    return {
        "NORM_INTAKE_WEEKS": settings.NORM_INTAKE_WEEKS,
        "NORM_TREATMENT_WEEKS": settings.NORM_TREATMENT_WEEKS,
        "NORM_TOTAL_WEEKS": settings.NORM_TOTAL_WEEKS,
        "CAPACITY_STALE_DAYS": settings.CAPACITY_STALE_DAYS,
        # Lazy: only pages that show the signed-in menu pay for the (memoised) query.
        "roles": SimpleLazyObject(lambda: user_roles(user)),
    }


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
