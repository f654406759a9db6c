"""factory_boy factories for the catalogue. Use Traits and post-generation hooks
for states, e.g. ``HoofdaanbiederFactory(percelen=[perceel])``."""

import datetime

from django.utils import timezone

import factory

from registry import models


def _perceel(code="begeleiding"):
    return models.Perceel.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    slug = factory.Sequence(lambda n: f"organisatie-{n}")
    kind = models.Organisation.Kind.JGZ
    kvk = ""


class HoofdaanbiederFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Hoofdaanbieder {n}")
    slug = factory.Sequence(lambda n: f"hoofdaanbieder-{n}")
    kind = models.Organisation.Kind.HOOFDAANBIEDER
    kvk = factory.Sequence(lambda n: f"{10000000 + n:08d}")

    @factory.post_generation
    def percelen(obj, create, extracted, **kwargs):
        for perceel in extracted or []:
            ContractFactory(organisation=obj, perceel=perceel)


class OnderaannemerFactory(OrganisationFactory):
    """``OnderaannemerFactory(main_contractor=org, percelen=[perceel])`` subcontracts
    under ``org``'s contract for each perceel."""

    name = factory.Sequence(lambda n: f"Onderaannemer {n}")
    slug = factory.Sequence(lambda n: f"onderaannemer-{n}")
    kind = models.Organisation.Kind.ONDERAANNEMER
    kvk = factory.Sequence(lambda n: f"{20000000 + n:08d}")

    @classmethod
    def create(cls, main_contractor=None, percelen=(), **kwargs):
        obj = super().create(**kwargs)
        for perceel in percelen:
            contract = models.Contract.objects.get(
                organisation=main_contractor, perceel=perceel
            )
            models.Subcontract.objects.create(contract=contract, subcontractor=obj)
        return obj


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Contract

    organisation = factory.SubFactory(HoofdaanbiederFactory)
    perceel = factory.LazyFunction(_perceel)
    start_date = datetime.date(2019, 1, 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = models.Membership.Role.STAFF


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Location

    organisation = factory.SubFactory(HoofdaanbiederFactory)
    name = factory.Sequence(lambda n: f"Locatie {n}")
    address = "Stadhuisplein 1"
    postcode = "1315 HR"
    city = "Almere"
    district = factory.LazyFunction(
        lambda: models.District.objects.get(slug="almere-stad")
    )


class ServiceFactory(factory.django.DjangoModelFactory):
    """A service with its capacity row (every service has exactly one)."""

    class Meta:
        model = models.Service
        skip_postgeneration_save = True

    organisation = factory.SubFactory(HoofdaanbiederFactory)
    perceel = factory.LazyFunction(_perceel)
    name = factory.Sequence(lambda n: f"Aanbod {n}")
    description = "Ambulante begeleiding voor gezinnen."
    age_min = 4
    age_max = 17

    @factory.post_generation
    def capacity(obj, create, extracted, **kwargs):
        values = {"status": "open", "intake_wait_weeks": 2, "treatment_wait_weeks": 4}
        values.update(kwargs)
        if "updated_at" not in values:
            values["updated_at"] = timezone.now()
        models.Capacity.objects.create(service=obj, **values)
