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
    street = "Stadhuisplein"
    house_number = 1
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


# --- referrals ------------------------------------------------------------------


def _referral_steps(referral, steps) -> None:
    """Record ``steps`` one day apart from the referral date and store the derived
    status, as ``referral_event_record`` would (without permissions or notices)."""
    from referrals import workflow
    from referrals.models import ReferralEvent

    type_fields = {
        workflow.WAITLISTED: {"bridging_care": False},
        workflow.ENDED: {"end_reason": "31"},
        workflow.DECLINED: {"decline_reason": "no_capacity"},
    }
    today = timezone.localdate()
    events = []
    for number, step in enumerate(steps, start=1):
        org = (
            referral.referrer_organisation
            if step in workflow.REFERRER_EVENTS
            else referral.provider
        )
        events.append(
            ReferralEvent.objects.create(
                referral=referral,
                type=step,
                occurred_on=min(
                    referral.referred_on + datetime.timedelta(number), today
                ),
                actor_organisation=org,
                **type_fields.get(step, {}),
            )
        )
    derived = workflow.derive(e.as_workflow_event() for e in events)
    for name, value in derived.as_dict().items():
        setattr(referral, name, value)
    referral.save(update_fields=list(workflow.Derived.FIELDS))


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral made ``days_ago`` days ago (default 10). Traits record the steps
    up to a state, e.g. ``ReferralFactory(started=True)`` has received, intake and
    started events and the derived status; ``steps=(...)`` records any list."""

    class Meta:
        model = "referrals.Referral"
        skip_postgeneration_save = True

    class Params:
        days_ago = 10
        received = factory.Trait(steps=("received",))
        first_contact = factory.Trait(steps=("received", "first_contact"))
        waitlisted = factory.Trait(steps=("received", "first_contact", "waitlisted"))
        intake = factory.Trait(steps=("received", "intake"))
        started = factory.Trait(steps=("received", "intake", "started"))
        ended = factory.Trait(steps=("received", "intake", "started", "ended"))
        declined = factory.Trait(steps=("declined",))
        withdrawn = factory.Trait(steps=("withdrawn",))

    reference = factory.Sequence(lambda n: f"VW-T{n:07d}")
    family_code = factory.Sequence(lambda n: f"FC{n:08d}")
    service = factory.SubFactory(ServiceFactory)
    provider = factory.SelfAttribute("service.organisation")
    perceel = factory.SelfAttribute("service.perceel")
    referrer_organisation = factory.SubFactory(
        OrganisationFactory, kind=models.Organisation.Kind.JGZ
    )
    referrer_user = None
    referrer_role = "jgz_toegang"
    referrer_type = "01"
    child_initials = "J.B."
    child_birth_date = datetime.date(2015, 5, 17)
    help_question = "Angstig en somber; gaat al weken niet naar school."
    parent_name = "M. de Vries"
    parent_phone = "06 12345678"
    urgency = "regular"
    consent_by = "parent"
    referred_on = factory.LazyAttribute(
        lambda o: timezone.localdate() - datetime.timedelta(days=o.days_ago)
    )
    consent_date = factory.SelfAttribute("referred_on")
    steps = ()

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        steps = kwargs.pop("steps", ())
        referral = super()._create(model_class, *args, **kwargs)
        if steps:
            _referral_steps(referral, steps)
        return referral
