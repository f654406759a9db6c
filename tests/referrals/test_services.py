"""referral_create and referral_event_record: the one path that changes a status.

The transition tables of test_workflow.py run here again through the service and
the database: after every step the stored status and dates equal
``workflow.derive`` of the stored events, and a refused step changes nothing.
"""

import re
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

import pytest

from referrals import codes, services
from referrals import workflow as wf
from referrals.models import Referral, ReferralEvent
from tests import factories
from tests.referrals.test_workflow import ILLEGAL, LEGAL

TODAY = timezone.localdate


def valid_data(**overrides):
    data = {
        "child_initials": "J.B.",
        "child_birth_date": date(2015, 5, 17),
        "help_question": "Angstig en somber.",
        "urgency": "regular",
        "consent_by": "parent",
        "parent_phone": "06 12345678",
        "consent_date": TODAY(),
    }
    data.update(overrides)
    return data


def stored(referral: Referral) -> dict:
    referral.refresh_from_db()
    return {name: getattr(referral, name) for name in wf.Derived.FIELDS}


def derived_from_db(referral: Referral) -> dict:
    events = referral.events.order_by("id")
    return wf.derive(e.as_workflow_event() for e in events).as_dict()


TYPE_FIELDS = {
    wf.WAITLISTED: {"bridging_care": True, "expected_start_on": None},
    wf.ENDED: {"end_reason": "31"},
    wf.DECLINED: {"decline_reason": "no_capacity"},
}


@pytest.fixture
def record(provider_user, referrer_user):
    """``record(referral, step, day)``: the right actor records ``step``."""

    def do(referral, step, day, **fields):
        actor = referrer_user if step in wf.REFERRER_EVENTS else provider_user
        return services.referral_event_record(
            referral=referral,
            type=step,
            occurred_on=referral.referred_on + timedelta(days=day),
            actor=actor,
            **{**TYPE_FIELDS.get(step, {}), **fields},
        )

    return do


# --- referral_create ----------------------------------------------------------


@pytest.mark.django_db
def test_create_stores_a_sent_referral_with_no_events(referrer_user, service):
    referral = services.referral_create(
        actor=referrer_user, service=service, data=valid_data()
    )
    referral.refresh_from_db()
    assert referral.status == wf.SENT
    assert referral.events.count() == 0
    assert referral.provider == service.organisation
    assert referral.perceel == service.perceel
    assert referral.referred_on == TODAY()
    assert referral.referrer_user == referrer_user
    assert re.fullmatch(r"VW-[0-9A-HJKMNP-TV-Z]{8}", referral.reference)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", referral.family_code)
    assert referral.family_code not in referral.reference


@pytest.mark.django_db
def test_family_codes_are_random_not_derived_from_the_reference(referrer_user, service):
    made = [
        services.referral_create(
            actor=referrer_user,
            service=service,
            data=valid_data(child_birth_date=date(2015, 5, i + 1)),
        )
        for i in range(20)
    ]
    assert len({r.family_code for r in made}) == 20
    assert len({r.reference for r in made}) == 20


@pytest.mark.parametrize(
    ("kind", "chosen", "role", "cod327"),
    [
        ("jgz", {}, "jgz_toegang", "01"),
        ("jgz", {"referrer_role": "jeugdarts"}, "jeugdarts", "03"),
        (
            "jgz",
            {"referrer_role": "jeugdverpleegkundige"},
            "jeugdverpleegkundige",
            "01",
        ),
        ("jgz", {"referrer_type": "03"}, "jeugdarts", "03"),  # older clients
        ("huisartsenpraktijk", {}, "huisarts", "02"),
        ("gi", {}, "gi", "04"),
        ("ziekenhuis", {}, "medisch_specialist", "05"),
        ("wijkteam", {}, "wijkteam", "01"),
    ],
)
@pytest.mark.django_db
def test_the_role_follows_the_organisation_kind_and_maps_to_cod327(
    kind, chosen, role, cod327, service
):
    user = factories.MembershipFactory(
        organisation=factories.OrganisationFactory(kind=kind)
    ).user
    referral = services.referral_create(
        actor=user, service=service, data=valid_data(**chosen)
    )
    assert (referral.referrer_role, referral.referrer_type) == (role, cod327)
    assert referral.referrer_type in codes.ReferrerType.values  # only iJw codes


@pytest.mark.django_db
def test_a_wijkteam_cannot_refer_as_jeugdarts(service):
    user = factories.MembershipFactory(
        organisation=factories.OrganisationFactory(kind="wijkteam")
    ).user
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            actor=user, service=service, data=valid_data(referrer_role="jeugdarts")
        )
    assert "referrer_role" in caught.value.message_dict
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_huisarts_cannot_refer_as_jeugdarts(service):
    user = factories.MembershipFactory(
        organisation=factories.OrganisationFactory(kind="huisartsenpraktijk")
    ).user
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            actor=user, service=service, data=valid_data(referrer_type="03")
        )
    assert "referrer_type" in caught.value.message_dict
    assert not Referral.objects.exists()


@pytest.mark.parametrize("who", ["provider_user", "school_user", "municipality_user"])
@pytest.mark.django_db
def test_schools_providers_and_the_municipality_cannot_refer(who, request, service):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.referral_create(actor=actor, service=service, data=valid_data())
    assert not Referral.objects.exists()


def _in_years(years: int) -> date:
    today = TODAY()
    return today.replace(year=today.year - years)


BAD_INPUT = [
    ({"child_initials": ""}, "child_initials"),
    ({"child_initials": "Jansen"}, "child_initials"),
    ({"child_initials": "123456789"}, "child_initials"),
    ({"child_initials": "J.B. de Vries"}, "child_initials"),
    ({"child_birth_date": None}, "child_birth_date"),
    ({"child_birth_date": date(2999, 1, 1)}, "child_birth_date"),
    ({"child_birth_date": date(1990, 1, 1)}, "child_birth_date"),
    ({"help_question": "   "}, "help_question"),
    ({"urgency": "asap"}, "urgency"),
    ({"consent_by": "neighbour"}, "consent_by"),
    ({"consent_date": None}, "consent_date"),
    ({"consent_date": date(2999, 1, 1)}, "consent_date"),
    ({"consent_date": date(2015, 1, 1)}, "consent_date"),
    ({"parent_email": "not-an-address"}, "parent_email"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_INPUT)
@pytest.mark.django_db
def test_create_refuses_bad_input_naming_the_field_and_stores_nothing(
    overrides, field, referrer_user, service
):
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            actor=referrer_user, service=service, data=valid_data(**overrides)
        )
    assert field in caught.value.message_dict
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_create_accepts_initials_with_a_tussenvoegsel(referrer_user, service):
    referral = services.referral_create(
        actor=referrer_user,
        service=service,
        data=valid_data(child_initials="A. v.d. B"),
    )
    assert referral.child_initials == "A. v.d. B"


@pytest.mark.django_db
def test_a_follower_school_needs_the_familys_consent(
    referrer_user, service, school_org
):
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            actor=referrer_user,
            service=service,
            data=valid_data(follower_school=school_org, school_consent=False),
        )
    assert "school_consent" in caught.value.message_dict
    assert not Referral.objects.exists()
    referral = services.referral_create(
        actor=referrer_user,
        service=service,
        data=valid_data(follower_school=school_org, school_consent=True),
    )
    assert referral.follower_school == school_org


@pytest.mark.django_db
def test_a_follower_must_be_a_school(referrer_user, service, outsider_org):
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            actor=referrer_user,
            service=service,
            data=valid_data(follower_school=outsider_org, school_consent=True),
        )
    assert "follower_school" in caught.value.message_dict


@pytest.mark.django_db
def test_no_referral_to_an_inactive_service(referrer_user, service):
    service.active = False
    service.save()
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            actor=referrer_user, service=service, data=valid_data()
        )
    assert "service" in caught.value.message_dict


@pytest.mark.django_db
def test_a_member_of_two_referrer_organisations_must_choose(referrer_user, service):
    other = factories.OrganisationFactory(kind="wijkteam")
    factories.MembershipFactory(user=referrer_user, organisation=other)
    with pytest.raises(ValidationError) as caught:
        services.referral_create(
            actor=referrer_user, service=service, data=valid_data()
        )
    assert "referrer_organisation" in caught.value.message_dict
    referral = services.referral_create(
        actor=referrer_user,
        service=service,
        data=valid_data(referrer_organisation=other),
    )
    assert referral.referrer_organisation == other
    assert (referral.referrer_role, referral.referrer_type) == ("wijkteam", "01")


# --- every transition through the service -------------------------------------


@pytest.mark.parametrize(("history", "step"), LEGAL)
@pytest.mark.django_db
def test_every_legal_step_is_stored_and_the_stored_status_is_derived(
    history, step, make_referral, record
):
    referral = make_referral(days_ago=20)
    for day, earlier in enumerate(history, start=1):
        record(referral, earlier, day)
        assert stored(referral) == derived_from_db(referral)
    event = record(referral, step, len(history) + 1)
    assert event.pk is not None
    assert stored(referral) == derived_from_db(referral)
    assert referral.status == step
    assert referral.events.count() == len(history) + 1


@pytest.mark.parametrize(("history", "step", "message"), ILLEGAL)
@pytest.mark.django_db
def test_every_illegal_step_is_refused_and_changes_nothing(
    history, step, message, make_referral, record
):
    referral = make_referral(days_ago=20)
    for day, earlier in enumerate(history, start=1):
        record(referral, earlier, day)
    before = stored(referral)
    count = referral.events.count()
    with pytest.raises(wf.TransitionNotAllowed) as caught:
        record(referral, step, len(history) + 1)
    assert message in caught.value.message_dict["type"][0]
    assert stored(referral) == before == derived_from_db(referral)
    assert referral.events.count() == count


@pytest.mark.django_db
def test_event_type_fields_are_stored(make_referral, record):
    referral = make_referral(days_ago=20)
    record(referral, wf.RECEIVED, 1)
    record(referral, wf.FIRST_CONTACT, 2)
    start = referral.referred_on + timedelta(days=40)
    record(referral, wf.WAITLISTED, 3, bridging_care=True, expected_start_on=start)
    assert (referral.expected_start_on, referral.bridging_care) == (start, True)
    record(referral, wf.INTAKE, 4)
    record(referral, wf.STARTED, 5)
    record(referral, wf.ENDED, 6, end_reason="34")
    ended = referral.events.get(type=wf.ENDED)
    assert ended.end_reason == "34"
    assert stored(referral)["ended_on"] == referral.referred_on + timedelta(days=6)


@pytest.mark.django_db
def test_a_decline_stores_its_reason(referral, record):
    event = record(referral, wf.DECLINED, 1, decline_reason="not_right_help")
    assert event.decline_reason == "not_right_help"
    assert stored(referral)["status"] == wf.DECLINED


TYPE_FIELD_ERRORS = [
    (wf.DECLINED, {"decline_reason": ""}, "decline_reason"),
    (wf.DECLINED, {"decline_reason": "bored"}, "decline_reason"),
    (wf.RECEIVED, {"end_reason": "31"}, "end_reason"),
    (wf.RECEIVED, {"bridging_care": True}, "bridging_care"),
]


@pytest.mark.parametrize(("step", "fields", "field"), TYPE_FIELD_ERRORS)
@pytest.mark.django_db
def test_type_fields_are_checked_and_a_refusal_changes_nothing(
    step, fields, field, referral, record
):
    with pytest.raises(ValidationError) as caught:
        record(referral, step, 1, **fields)
    assert field in caught.value.message_dict
    assert stored(referral)["status"] == wf.SENT
    assert not referral.events.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"bridging_care": None}, "bridging_care"),
        ({"expected_start_on": date(2000, 1, 1)}, "expected_start_on"),
    ],
)
@pytest.mark.django_db
def test_waitlisted_needs_bridging_care_and_a_start_after_it(
    fields, field, referral, record
):
    record(referral, wf.RECEIVED, 1)
    record(referral, wf.FIRST_CONTACT, 2)
    with pytest.raises(ValidationError) as caught:
        record(referral, wf.WAITLISTED, 3, **fields)
    assert field in caught.value.message_dict
    assert stored(referral)["status"] == wf.FIRST_CONTACT


@pytest.mark.django_db
def test_ended_needs_a_jz588_reason(make_referral, record):
    referral = make_referral(started=True)
    with pytest.raises(ValidationError) as caught:
        record(referral, wf.ENDED, 5, end_reason="99")
    assert "end_reason" in caught.value.message_dict
    assert stored(referral)["status"] == wf.STARTED


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (lambda r: TODAY() - r.referred_on + timedelta(days=1), "toekomst"),
        (lambda r: timedelta(days=-1), "vóór de verwijzing"),
    ],
)
@pytest.mark.django_db
def test_a_step_is_never_in_the_future_or_before_the_referral(
    offset, message, referral, provider_user
):
    with pytest.raises(ValidationError) as caught:
        services.referral_event_record(
            referral=referral,
            type=wf.RECEIVED,
            occurred_on=referral.referred_on + offset(referral),
            actor=provider_user,
        )
    assert message in caught.value.message_dict["occurred_on"][0]
    assert not referral.events.exists()


@pytest.mark.django_db
def test_a_step_may_be_back_dated_but_not_before_the_previous_step(referral, record):
    record(referral, wf.RECEIVED, 5)
    with pytest.raises(ValidationError) as caught:
        record(referral, wf.INTAKE, 4)
    assert "vorige stap" in caught.value.message_dict["occurred_on"][0]
    record(referral, wf.INTAKE, 5)
    assert stored(referral)["status"] == wf.INTAKE


# --- who records --------------------------------------------------------------


@pytest.mark.django_db
def test_an_outsider_gets_not_found_and_nothing_changes(referral, outsider_user):
    with pytest.raises(Http404):
        services.referral_event_record(
            referral=referral,
            type=wf.RECEIVED,
            occurred_on=TODAY(),
            actor=outsider_user,
        )
    assert not referral.events.exists()


@pytest.mark.django_db
def test_the_referrer_cannot_record_provider_steps(referral, referrer_user):
    with pytest.raises(PermissionDenied):
        services.referral_event_record(
            referral=referral,
            type=wf.RECEIVED,
            occurred_on=TODAY(),
            actor=referrer_user,
        )
    assert not referral.events.exists()


@pytest.mark.django_db
def test_the_provider_cannot_withdraw(referral, provider_user):
    with pytest.raises(PermissionDenied):
        services.referral_event_record(
            referral=referral,
            type=wf.WITHDRAWN,
            occurred_on=TODAY(),
            actor=provider_user,
        )
    assert stored(referral)["status"] == wf.SENT


@pytest.mark.django_db
def test_a_school_cannot_record_anything(referral, school_user):
    with pytest.raises(PermissionDenied):
        services.referral_event_record(
            referral=referral, type=wf.WITHDRAWN, occurred_on=TODAY(), actor=school_user
        )
    assert not referral.events.exists()


@pytest.mark.django_db
def test_the_hoofdaanbieder_records_for_its_onderaannemer(
    make_referral, subcontractor_service, provider_user, provider_org
):
    referral = make_referral(service=subcontractor_service)
    event = services.referral_event_record(
        referral=referral, type=wf.RECEIVED, occurred_on=TODAY(), actor=provider_user
    )
    assert event.actor_organisation == provider_org
    assert stored(referral)["status"] == wf.RECEIVED


@pytest.mark.django_db
def test_an_onderaannemer_does_not_see_its_hoofdaanbieders_referrals(
    referral, subcontractor_user
):
    with pytest.raises(Http404):
        services.referral_event_record(
            referral=referral,
            type=wf.RECEIVED,
            occurred_on=TODAY(),
            actor=subcontractor_user,
        )


@pytest.mark.django_db
def test_the_event_names_its_actor_and_organisation(referral, provider_user):
    event = services.referral_event_record(
        referral=referral, type=wf.RECEIVED, occurred_on=TODAY(), actor=provider_user
    )
    assert (event.actor, event.actor_organisation) == (provider_user, referral.provider)


# --- idempotency and the database guard ---------------------------------------


@pytest.mark.django_db
def test_the_same_idempotency_key_records_once_and_returns_the_first_event(
    referral, provider_user
):
    kwargs = {
        "referral": referral,
        "type": wf.RECEIVED,
        "occurred_on": TODAY(),
        "actor": provider_user,
        "idempotency_key": "abc-123",
    }
    first = services.referral_event_record(**kwargs)
    again = services.referral_event_record(**kwargs)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.pk == first.pk
    assert referral.events.count() == 1


@pytest.mark.django_db
def test_an_idempotency_key_reused_for_another_step_is_refused(referral, provider_user):
    services.referral_event_record(
        referral=referral,
        type=wf.RECEIVED,
        occurred_on=TODAY(),
        actor=provider_user,
        idempotency_key="k1",
    )
    with pytest.raises(services.IdempotencyKeyReused):
        services.referral_event_record(
            referral=referral,
            type=wf.DECLINED,
            occurred_on=TODAY(),
            actor=provider_user,
            idempotency_key="k1",
            decline_reason="no_capacity",
        )
    assert referral.events.count() == 1
    assert stored(referral)["status"] == wf.RECEIVED


@pytest.mark.django_db
def test_the_database_refuses_a_second_recording_of_a_step_with_the_same_message(
    referral, provider_user, monkeypatch
):
    """If two recordings pass the workflow check at once (no row lock), the
    unique constraint refuses the second with the workflow's own message."""
    services.referral_event_record(
        referral=referral, type=wf.RECEIVED, occurred_on=TODAY(), actor=provider_user
    )
    monkeypatch.setattr(wf, "check_transition", lambda derived, event_type: None)
    with pytest.raises(wf.TransitionNotAllowed) as caught:
        services.referral_event_record(
            referral=referral,
            type=wf.RECEIVED,
            occurred_on=TODAY(),
            actor=provider_user,
        )
    assert "al vastgelegd" in caught.value.message_dict["type"][0]
    assert ReferralEvent.objects.filter(referral=referral).count() == 1
    assert stored(referral)["status"] == wf.RECEIVED


@pytest.mark.django_db
def test_the_callers_referral_object_gets_the_new_status(referral, provider_user):
    services.referral_event_record(
        referral=referral, type=wf.RECEIVED, occurred_on=TODAY(), actor=provider_user
    )
    assert referral.status == wf.RECEIVED
    assert referral.received_on == TODAY()
