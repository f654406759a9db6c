"""A small, fully known catalogue for the search tests (shared by the SQLite and
PostgreSQL suites and the public-page tests)."""

from datetime import timedelta

from django.utils import timezone

from registry.models import DeliveryForm, District, Perceel, ProblemArea
from registry.services import service_refresh_search
from tests import factories


def ref(model, slug):
    field = "code" if model is Perceel else "slug"
    return model.objects.get(**{field: slug})


def make_service(org, perceel, name, *, problems=(), forms=(), districts=(), **kw):
    capacity = kw.pop("capacity", {})
    service = factories.ServiceFactory(
        organisation=org,
        perceel=ref(Perceel, perceel),
        name=name,
        **kw,
        **{f"capacity__{key}": value for key, value in capacity.items()},
    )
    service.problem_areas.set([ref(ProblemArea, slug) for slug in problems])
    service.forms.set([ref(DeliveryForm, slug) for slug in forms])
    service.districts.set([ref(District, slug) for slug in districts])
    return service


def build_catalogue():
    """Three public services, one inactive, one of an inactive organisation."""
    begeleiding = ref(Perceel, "begeleiding")
    psychiatrie = ref(Perceel, "behandeling-psychiatrie")
    org = factories.HoofdaanbiederFactory(
        name="Kompas Jeugdhulp", slug="kompas", percelen=[begeleiding, psychiatrie]
    )
    other = factories.HoofdaanbiederFactory(
        name="Zonnebloem Zorg", slug="zonnebloem", percelen=[begeleiding]
    )
    gone = factories.HoofdaanbiederFactory(
        name="Gesloten BV", slug="gesloten", active=False, percelen=[begeleiding]
    )
    now = timezone.now()
    services = {
        "angst": make_service(
            org,
            "begeleiding",
            "Training tegen angsten",
            description="Groepstraining voor kinderen met angsten.",
            age_min=8,
            age_max=14,
            problems=["angst"],
            forms=["groep"],
            districts=["almere-haven"],
            capacity={
                "status": "open",
                "intake_wait_weeks": 2,
                "treatment_wait_weeks": 3,
                "updated_at": now - timedelta(days=1),
            },
        ),
        "autisme": make_service(
            other,
            "begeleiding",
            "Autisme begeleiding thuis",
            description="Begeleiding van cliënten met autisme en hun ouders.",
            age_min=4,
            age_max=17,
            problems=["autisme", "opvoeding"],
            forms=["thuis"],
            districts=["almere-buiten", "almere-haven"],
            capacity={
                "status": "waitlist",
                "intake_wait_weeks": 6,
                "treatment_wait_weeks": 8,
                "updated_at": now - timedelta(days=3),
            },
        ),
        "depressie": make_service(
            org,
            "behandeling-psychiatrie",
            "Behandeling van depressie",
            description="Behandelingen bij somberheid en angst.",
            age_min=12,
            age_max=23,
            problems=["depressie", "angst"],
            forms=["ambulant", "online"],
            districts=["almere-stad"],
            capacity={
                "status": "closed",
                "intake_wait_weeks": None,
                "treatment_wait_weeks": None,
                "updated_at": now - timedelta(days=30),
            },
        ),
    }
    inactive = make_service(
        org, "begeleiding", "Oude angstgroep", active=False, problems=["angst"]
    )
    hidden = make_service(gone, "begeleiding", "Angst bij Gesloten", problems=["angst"])
    service_refresh_search(services=[*services.values(), inactive, hidden])
    return services
