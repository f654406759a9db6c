from django.conf import settings


def site(request):
    """Values every page needs: the norms shown beside waiting times, and freshness."""
    return {
        "NORM_INTAKE_WEEKS": settings.NORM_INTAKE_WEEKS,
        "NORM_TREATMENT_WEEKS": settings.NORM_TREATMENT_WEEKS,
        "NORM_TOTAL_WEEKS": settings.NORM_TOTAL_WEEKS,
        "CAPACITY_STALE_DAYS": settings.CAPACITY_STALE_DAYS,
    }
