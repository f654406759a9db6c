"""Issue 14: the family's contact for the provider, and referrals that cannot
work are refused (age range, aanmeldstop, a BSN in free text). Page and API
alike; every refusal stores nothing."""

# ruff: noqa: F811

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

import pytest
from rest_framework.test import APIClient

from referrals import services
from referrals.models import AccessLogEntry, Referral, ReferralEvent
from referrals.validators import contains_bsn, is_bsn, normalise_dutch_phone
from registry.models import Capacity
from tests.referrals.fixtures import (  # noqa: F401 - fixtures
    make_referral,
    outsider_referrer_user,
    outsider_school_user,
    referral,
    school_org,
    school_user,
)

TODAY = timezone.localdate
LIST = "/api/v1/referrals"
# 111222333 passes the 11-proef; 123456789 does not.
BSN = "111222333"


def born_years_ago(years: int) -> date:
    today = TODAY()
    return today.replace(year=today.year - years, day=1)


def data(**overrides) -> dict:
    values = {
        "child_initials": "S.V.",
        "child_birth_date": born_years_ago(9),
        "help_question": "Somber, trekt zich terug.",
        "urgency": "regular",
        "consent_by": "parent",
        "consent_date": TODAY(),
        "parent_name": "A. Jansen",
        "parent_phone": "06 12345678",
        "parent_email": "",
    }
    values.update(overrides)
    return values


def api_body(service, **overrides) -> dict:
    body = {k: str(v) for k, v in data(**overrides).items()}
    return {**body, "service": service.pk}


# --- validators ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (BSN, True),
        ("BSN 111.222.333 bekend", True),
        ("nummer 111 222 333.", True),
        ("111-22-2333", True),
        ("123456789", False),  # fails the 11-proef
        ("bel 0612345678", False),  # a phone number has ten digits
        ("bel 06 1234 5678", False),
        ("036 123 45 67", False),
        ("1111222333", False),  # ten digits
        ("000000000", False),
        ("Angstig sinds 2019, 3 keer per week", False),
    ],
)
def test_a_bsn_is_found_in_free_text(text, found):
    assert contains_bsn(text) is found


def test_the_11_proef():
    assert is_bsn("111222333")
    assert not is_bsn("111222334")
    assert not is_bsn("11122233")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0612345678", "06 12345678"),
        ("+31 6 12345678", "06 12345678"),
        ("036-1234567", "036 123 4567"),
        ("", ""),
    ],
)
def test_a_dutch_phone_number_is_stored_in_national_notation(raw, stored):
    assert normalise_dutch_phone(raw) == stored


@pytest.mark.parametrize("raw", ["12345", "+32 2 123 45 67", "06-1234", "bel mij"])
def test_a_phone_number_that_is_not_dutch_is_refused(raw):
    with pytest.raises(Exception, match="Nederlands telefoonnummer"):
        normalise_dutch_phone(raw)


# --- the service ----------------------------------------------------------------


def _refused(referrer_user, service, field, **overrides):
    with pytest.raises(services.ValidationError) as exc:
        services.referral_create(
            actor=referrer_user, service=service, data=data(**overrides)
        )
    assert field in exc.value.message_dict, exc.value.message_dict
    assert not Referral.objects.exists()
    return exc.value.message_dict[field][0]


@pytest.mark.django_db
def test_the_parent_contact_is_stored(referrer_user, service):
    referral = services.referral_create(
        actor=referrer_user,
        service=service,
        data=data(parent_phone="+31612345678", parent_email="ouder@example.org"),
    )
    referral.refresh_from_db()
    assert referral.parent_name == "A. Jansen"
    assert referral.parent_phone == "06 12345678"
    assert referral.parent_email == "ouder@example.org"


@pytest.mark.django_db
def test_an_email_alone_is_enough(referrer_user, service):
    referral = services.referral_create(
        actor=referrer_user,
        service=service,
        data=data(parent_phone="", parent_email="ouder@example.org"),
    )
    assert referral.parent_phone == ""


@pytest.mark.django_db
def test_without_any_way_to_reach_the_family_it_is_refused(referrer_user, service):
    message = _refused(referrer_user, service, "parent_phone", parent_phone="")
    assert "telefoonnummer of e-mailadres" in message


@pytest.mark.django_db
def test_a_foreign_phone_number_is_refused(referrer_user, service):
    _refused(referrer_user, service, "parent_phone", parent_phone="+32 2 123 45 67")


@pytest.mark.django_db
def test_a_toddler_is_not_referred_to_a_service_from_four(referrer_user, service):
    assert (service.age_min, service.age_max) == (4, 17)
    message = _refused(
        referrer_user, service, "child_birth_date", child_birth_date=born_years_ago(2)
    )
    assert "4 tot en met 17 jaar" in message
    assert "2 jaar" in message


@pytest.mark.django_db
def test_the_age_counts_in_full_years_on_the_day_of_referral(referrer_user, service):
    today = TODAY()
    fourth_birthday_tomorrow = born_years_ago(4).replace(month=today.month) + timedelta(
        days=today.day
    )  # the day after today, four years ago
    _refused(
        referrer_user,
        service,
        "child_birth_date",
        child_birth_date=fourth_birthday_tomorrow,
    )
    services.referral_create(
        actor=referrer_user,
        service=service,
        data=data(child_birth_date=born_years_ago(17)),
    )


@pytest.mark.django_db
def test_a_service_in_aanmeldstop_is_refused_with_a_link(referrer_user, service):
    Capacity.objects.filter(service=service).update(status="closed")
    service.refresh_from_db()
    message = _refused(referrer_user, service, "service")
    assert "aanmeldstop" in message
    assert f"/zoeken?perceel={service.perceel.code}&plek=1" in message


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["help_question", "parent_name"])
def test_a_bsn_in_free_text_is_refused(referrer_user, service, field):
    message = _refused(referrer_user, service, field, **{field: f"BSN {BSN}"})
    assert "BSN" in message


@pytest.mark.django_db
def test_a_bsn_in_a_step_note_is_refused(referral, provider_user):
    with pytest.raises(services.ValidationError) as exc:
        services.referral_event_record(
            referral=referral,
            type="received",
            occurred_on=TODAY(),
            actor=provider_user,
            note="Moeder belde, bsn 111.222.333",
        )
    assert "note" in exc.value.message_dict
    assert not ReferralEvent.objects.filter(referral=referral).exists()
    referral.refresh_from_db()
    assert referral.status == "sent"


# --- page and API ------------------------------------------------------------------


def _form(**overrides):
    values = {k: str(v) for k, v in data(**overrides).items()}
    values["referrer_role"] = "jgz_toegang"
    return values


@pytest.mark.django_db
def test_the_form_names_the_birth_date_for_a_toddler(client, referrer_user, service):
    client.force_login(referrer_user)
    url = reverse("referrals:referral-create", args=[service.pk])
    response = client.post(url, _form(child_birth_date=born_years_ago(2)))
    assert response.status_code == 200
    assert "4 tot en met 17 jaar" in response.text
    assert 'href="#id_child_birth_date"' in response.text
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_form_of_a_service_in_aanmeldstop_links_to_alternatives(
    client, referrer_user, service
):
    Capacity.objects.filter(service=service).update(status="closed")
    client.force_login(referrer_user)
    url = reverse("referrals:referral-create", args=[service.pk])
    page = client.get(url)
    assert "Dit aanbod heeft een aanmeldstop" in page.text
    assert f"/zoeken?perceel={service.perceel.code}&amp;plek=1" in page.text
    response = client.post(url, _form())
    assert "Verwijzen kan nu niet" in response.text
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_form_refuses_a_bsn_in_the_help_question(client, referrer_user, service):
    client.force_login(referrer_user)
    url = reverse("referrals:referral-create", args=[service.pk])
    response = client.post(url, _form(help_question=f"Kind met BSN {BSN}"))
    assert 'href="#id_help_question"' in response.text
    assert not Referral.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"child_birth_date": born_years_ago(2)}, "child_birth_date"),
        ({"help_question": f"bsn {BSN}"}, "help_question"),
        ({"parent_phone": "", "parent_email": ""}, "parent_phone"),
        ({"parent_phone": "12345"}, "parent_phone"),
    ],
)
def test_the_api_names_the_field_and_stores_nothing(
    referrer_user, service, overrides, field
):
    client = APIClient()
    client.force_authenticate(referrer_user)
    response = client.post(LIST, api_body(service, **overrides), format="json")
    assert response.status_code == 400, response.content
    names = [p["name"] for p in response.json()["invalid_params"]]
    assert field in names
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_aanmeldstop_on_service(referrer_user, service):
    Capacity.objects.filter(service=service).update(status="closed")
    client = APIClient()
    client.force_authenticate(referrer_user)
    response = client.post(LIST, api_body(service), format="json")
    assert response.status_code == 400
    params = {p["name"]: p["reason"] for p in response.json()["invalid_params"]}
    assert "/zoeken?perceel=" in params["service"]
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_bsn_in_a_step_note(referral, provider_user):
    client = APIClient()
    client.force_authenticate(provider_user)
    response = client.post(
        f"{LIST}/{referral.reference}/events",
        {"type": "received", "occurred_on": TODAY().isoformat(), "note": BSN},
        format="json",
    )
    assert response.status_code == 400
    assert [p["name"] for p in response.json()["invalid_params"]] == ["note"]
    assert not referral.events.exists()


# --- who sees the parent's contact ----------------------------------------------


@pytest.mark.django_db
def test_the_provider_sees_the_parent_contact_and_the_read_is_logged(
    client, referral, provider_user
):
    client.force_login(provider_user)
    response = client.get(referral.get_absolute_url())
    assert "M. de Vries" in response.text
    assert 'href="tel:0612345678"' in response.text
    assert AccessLogEntry.objects.filter(
        referral=referral, user=provider_user, organisation=referral.provider
    ).exists()


@pytest.mark.django_db
def test_the_referrer_sees_the_parent_contact(client, referral, referrer_user):
    client.force_login(referrer_user)
    assert "06 12345678" in client.get(referral.get_absolute_url()).text


@pytest.mark.django_db
def test_a_school_never_sees_the_parent_contact(client, referral, school_user):
    client.force_login(school_user)
    response = client.get(referral.get_absolute_url())
    assert response.status_code == 200
    assert "06 12345678" not in response.text
    assert "M. de Vries" not in response.text
    api = APIClient()
    api.force_authenticate(school_user)
    body = api.get(f"{LIST}/{referral.reference}").json()
    assert body["parent_phone"] is None
    assert body["parent_name"] is None
    assert body["parent_email"] is None


@pytest.mark.django_db
def test_the_municipality_never_sees_the_parent_contact(
    client, referral, municipality_user
):
    client.force_login(municipality_user)
    assert client.get(referral.get_absolute_url()).status_code == 404
    api = APIClient()
    api.force_authenticate(municipality_user)
    assert api.get(f"{LIST}/{referral.reference}").status_code == 404
    assert api.get(LIST).json()["results"] == []


@pytest.mark.django_db
def test_the_family_page_never_shows_the_parent_contact(client, referral):
    from referrals import identifiers

    response = client.post(
        reverse("referrals:status"),
        {
            "family_code": identifiers.format_family_code(referral.family_code),
            "birth_date": referral.child_birth_date.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Status" in response.text or referral.reference in response.text
    assert "06 12345678" not in response.text
    assert "M. de Vries" not in response.text
