"""``manage.py seed_demo``: the fictional Almere dataset, its idempotency, and
demo log-ins that exist only with DEBUG on."""

import io
import re
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q

import pytest

from registry import reference_data
from registry.models import (
    Capacity,
    Contract,
    Location,
    Membership,
    Organisation,
    Perceel,
    Service,
    Subcontract,
    User,
)
from sampledata import demo

pytestmark = pytest.mark.django_db

MODELS = [Organisation, Contract, Subcontract, Location, Service, Capacity, Membership]


def _seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in MODELS}
    for model in [Organisation, Location, Service, Capacity]:
        counts[f"{model.__name__} history"] = model.history.count()
    counts["links"] = sum(
        Service._meta.get_field(name).remote_field.through.objects.count()
        for name in ["problem_areas", "forms", "districts", "locations"]
    )
    return counts


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """One seeded database for the read-only tests in a class (seeding takes about
    a second), rolled back when the class is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        reference_data.ensure()  # a transactional test may have flushed it
        demo.seed_demo()
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("seeded")
class TestTheDataset:
    def test_it_builds_43_hoofdaanbieders_and_about_80_onderaannemers(self):
        kinds = Organisation.objects.values("kind").annotate(n=Count("pk"))
        by_kind = {row["kind"]: row["n"] for row in kinds}
        assert by_kind["hoofdaanbieder"] == 43
        assert 70 <= by_kind["onderaannemer"] <= 90
        for kind in ["jgz", "huisartsenpraktijk", "gi", "ziekenhuis", "wijkteam"]:
            assert by_kind[kind] >= 1, kind
        assert by_kind["school"] >= 2
        assert by_kind["gemeente"] == 1
        # Some hoofdaanbieders hold two percelen, and every onderaannemer works under
        # a hoofdaanbieder's contract.
        per_org = Contract.objects.values("organisation").annotate(n=Count("pk"))
        assert {row["n"] for row in per_org} == {1, 2}
        assert not Organisation.objects.filter(
            kind="onderaannemer", subcontracts__isnull=True
        ).exists()

    def test_a_shared_onderaannemer_works_for_each_hoofdaanbieder_in_its_own_perceel(
        self,
    ):
        """So each hoofdaanbieder's reach (its own subcontract's percelen) shows;
        and every onderaannemer's service is answered for by a hoofdaanbieder."""
        lots = Subcontract.objects.values_list(
            "subcontractor", "contract__perceel", "contract__organisation"
        )
        mains, per_lot = defaultdict(set), defaultdict(set)
        for sub, perceel, main in lots:
            mains[sub].add(main)
            per_lot[sub, perceel].add(main)
        assert sum(1 for found in mains.values() if len(found) > 1) >= 5
        assert all(len(found) == 1 for found in per_lot.values())
        offered = Service.objects.filter(organisation__kind="onderaannemer")
        for sub, perceel in offered.values_list("organisation", "perceel"):
            assert (sub, perceel) in per_lot

    def test_services_cover_every_perceel_with_a_realistic_capacity_spread(self):
        assert Service.objects.count() >= 200
        for perceel in Perceel.objects.all():
            assert perceel.contracts.exists(), perceel
            assert perceel.services.count() >= 30, perceel
        total = Capacity.objects.count()
        assert total == Service.objects.count()
        statuses = dict(Capacity.objects.values_list("status").annotate(Count("pk")))
        assert statuses["open"] + statuses["waitlist"] > 0.8 * total
        assert 0 < statuses["closed"] < 0.2 * total
        above = Capacity.objects.filter(
            Q(intake_wait_weeks__gt=settings.NORM_INTAKE_WEEKS)
            | Q(treatment_wait_weeks__gt=settings.NORM_TREATMENT_WEEKS)
        ).count()
        assert 0.1 * total < above < 0.35 * total
        stale = Capacity.objects.stale().count()
        assert 0.05 * total < stale < 0.4 * total

    def test_capacity_is_coherent_so_nu_plek_does_not_mislead(self):
        """Issue 14: open has room (places or a short wait) and no wait above the
        Treeknorm; aanmeldstop has no free places; every row passes clean()."""
        for capacity in Capacity.objects.all():
            capacity.full_clean(exclude=["service"])
        open_ = Capacity.objects.filter(status="open")
        assert open_.exists()
        assert not open_.filter(
            Q(intake_wait_weeks__gt=settings.NORM_INTAKE_WEEKS)
            | Q(treatment_wait_weeks__gt=settings.NORM_TREATMENT_WEEKS)
        ).exists()
        assert not open_.filter(Q(free_places=0) | Q(free_places__isnull=True))
        assert not Capacity.objects.filter(status="closed", free_places__gt=0)

    def test_stale_capacity_history_carries_the_old_date(self):
        stale = Capacity.objects.stale()
        assert stale.exists()
        for capacity in stale:
            (record,) = capacity.history.all()
            assert record.history_date == capacity.updated_at

    def test_some_services_reach_23_in_lvb_and_psychiatry_only_where_it_fits(self):
        older = Service.objects.filter(age_max__gt=17)
        codes = set(older.values_list("perceel__code", flat=True))
        assert {"behandeling-lvb", "behandeling-psychiatrie"} <= codes
        assert not Service.objects.filter(age_max__gt=23).exists()

    def test_locations_are_in_almere(self):
        providers = Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS)
        assert not providers.exclude(locations__is_main=True).exists()
        for location in Location.objects.select_related("district"):
            assert re.fullmatch(r"13\d\d [A-Z]{2}", location.postcode), (
                location.postcode
            )
            assert Decimal("52.30") <= location.latitude <= Decimal("52.42")
            assert Decimal("5.10") <= location.longitude <= Decimal("5.35")
            assert location.district is not None
        assert Location.objects.values("district").distinct().count() == 7

    def test_everything_is_clearly_fictional(self):
        providers = Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS)
        assert all(
            kvk.startswith("99") for kvk in providers.values_list("kvk", flat=True)
        )
        emails = Organisation.objects.values_list("email", flat=True)
        assert all(email.endswith(".example.org") for email in emails)
        assert all(
            phone.startswith("036 555")
            for phone in Organisation.objects.values_list("phone", flat=True)
        )
        assert Organisation.objects.filter(
            name="Stichting Voorbeeld Jeugdhulp"
        ).exists()

    def test_every_row_passes_full_clean(self):
        """In particular: every service's organisation holds the service's perceel."""
        for model in [Organisation, Contract, Subcontract, Location, Service, Capacity]:
            for row in model.objects.all():
                row.full_clean()

    def test_services_have_search_text_and_dutch_descriptions(self):
        assert not Service.objects.filter(search_text="").exists()
        assert not Service.objects.filter(
            Q(description="") | Q(how_to_refer="")
        ).exists()


def test_a_second_run_duplicates_and_changes_nothing():
    _seed()
    first = _counts()
    _seed()
    assert _counts() == first


def test_a_second_run_keeps_capacity_a_provider_reported():
    _seed()
    capacity = Capacity.objects.order_by("pk").first()
    Capacity.objects.filter(pk=capacity.pk).update(status="closed", note="Eigen")
    _seed()
    capacity.refresh_from_db()
    assert (capacity.status, capacity.note) == ("closed", "Eigen")


def test_the_same_seed_gives_the_same_plan_and_another_seed_another():
    assert demo.build_plan(7) == demo.build_plan(7)
    assert demo.build_plan(7) != demo.build_plan(8)


def test_if_empty_does_nothing_once_a_provider_exists(provider_org):
    output = _seed("--if-empty")
    assert "niets gedaan" in output
    assert Organisation.objects.count() == 1
    assert not Service.objects.exists()


def test_if_empty_seeds_an_empty_database(municipality_org):
    """Referrers and the municipality alone do not count as data."""
    _seed("--if-empty")
    assert Organisation.objects.filter(kind="hoofdaanbieder").count() == 43


def test_demo_logins_are_created_with_debug_on(settings):
    settings.DEBUG = True
    output = _seed("--with-demo-logins")
    assert demo.DEMO_PASSWORD in output
    expected = {
        "gemeente": ("gemeente", "staff"),
        "aanbieder": ("hoofdaanbieder", "staff"),
        "aanbieder-beheer": ("hoofdaanbieder", "admin"),
        "onderaannemer": ("onderaannemer", "staff"),
        "jgz": ("jgz", "staff"),
        "huisarts": ("huisartsenpraktijk", "staff"),
        "school": ("school", "staff"),
    }
    for username, (kind, role) in expected.items():
        user = User.objects.get(username=username)
        assert username in output
        assert user.check_password(demo.DEMO_PASSWORD)
        membership = user.memberships.select_related("organisation").get()
        assert (membership.organisation.kind, membership.role) == (kind, role)
        assert user.is_staff == (username == "gemeente")
        assert not user.is_superuser


def test_demo_logins_match_the_cast(settings):
    """The onderaannemer works under the aanbieder's organisation, and the gemeente
    login gets the Gemeente group with admin permissions for the registry."""
    settings.DEBUG = True
    _seed("--with-demo-logins")
    main = Organisation.objects.get(memberships__user__username="aanbieder")
    sub = Organisation.objects.get(memberships__user__username="onderaannemer")
    assert Subcontract.objects.filter(contract__organisation=main, subcontractor=sub)
    gemeente = User.objects.get(username="gemeente")
    assert gemeente.groups.get().name == demo.MUNICIPALITY_GROUP
    assert gemeente.has_perm("registry.change_organisation")
    assert gemeente.has_perm("registry.change_capacity")
    assert not gemeente.has_perm("registry.add_capacity")
    assert not gemeente.has_perm("registry.change_user")


def test_demo_logins_twice_keep_one_of_each(settings):
    settings.DEBUG = True
    _seed("--with-demo-logins")
    _seed("--with-demo-logins")
    assert User.objects.count() == len(demo.DEMO_LOGINS)
    assert Membership.objects.count() == len(demo.DEMO_LOGINS)
    assert Group.objects.filter(name=demo.MUNICIPALITY_GROUP).count() == 1


def test_demo_logins_are_refused_without_debug_and_nothing_is_created(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="nooit aangemaakt buiten DEBUG"):
        _seed("--with-demo-logins")
    assert not Organisation.objects.exists()
    assert not User.objects.exists()


def test_the_log_in_function_itself_refuses_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="DEBUG"):
        demo.demo_logins_ensure()
    assert not User.objects.exists()


def test_the_demo_school_follows_some_pupils_with_consent(settings, client):
    """The school's demo log-in has something to show: some JGZ referrals of
    children of school age are followed, with the family's consent, and the
    school's list shows them without the service."""
    from referrals.models import Referral

    settings.DEBUG = True
    output = _seed("--with-demo-logins", "--referrals", "300")
    followed = Referral.objects.filter(follower_school__kind="school")
    assert followed.exists()
    assert f"gevolgd door een school: {followed.count()}" in output
    assert not followed.filter(school_consent=False).exists()
    assert not followed.exclude(referrer_organisation__kind="jgz").exists()
    client.force_login(User.objects.get(username="school"))
    page = client.get("/verwijzingen").text
    shown = followed.order_by("-referred_on").first()
    assert shown.reference in page
    assert shown.service.name not in page
