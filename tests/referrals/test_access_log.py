"""Every read of a referral's personal data is logged: who, when, which, where."""

from django.urls import reverse

import pytest

from referrals.models import AccessLogEntry


def purposes():
    return list(AccessLogEntry.objects.values_list("purpose", flat=True))


@pytest.mark.parametrize(
    ("who", "page", "purpose"),
    [
        ("referrer_user", "referral-detail", "detail_referrer"),
        ("provider_user", "referral-detail", "detail_provider"),
        ("school_user", "referral-detail", "detail_school"),
        ("referrer_user", "referral-slip", "slip"),
        ("referrer_user", "referral-created", "created"),
    ],
)
@pytest.mark.django_db
def test_opening_a_referral_logs_who_which_and_where(
    who, page, purpose, request, client, referral
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse(f"referrals:{page}", args=[referral.reference]))
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.referral, entry.purpose) == (user, referral, purpose)
    assert entry.organisation == user.memberships.get().organisation
    assert entry.at is not None


@pytest.mark.django_db
def test_list_pages_log_each_row_with_personal_data_in_one_insert(
    client, provider_user, referrer_user, make_referral
):
    made = [make_referral() for _ in range(3)]
    client.force_login(provider_user)
    client.get(reverse("referrals:inbox"))
    assert purposes() == ["inbox"] * 3
    AccessLogEntry.objects.all().delete()
    client.force_login(referrer_user)
    client.get(reverse("referrals:referral-list"))
    logged = set(AccessLogEntry.objects.values_list("referral_id", flat=True))
    assert logged == {r.pk for r in made}


@pytest.mark.django_db
def test_a_school_list_shows_its_pupils_initials_and_logs_the_read(
    client, school_user, referral
):
    client.force_login(school_user)
    client.get(reverse("referrals:referral-list"))
    assert purposes() == ["list"]


@pytest.mark.django_db
def test_refused_reads_are_not_logged_as_reads(client, outsider_user, referral):
    client.force_login(outsider_user)
    assert client.get(referral.get_absolute_url()).status_code == 404
    assert purposes() == []


@pytest.mark.django_db
def test_the_duplicate_warning_logs_the_referral_it_shows(
    client, referrer_user, referral
):
    client.force_login(referrer_user)
    client.post(
        reverse("referrals:referral-create", args=[referral.service_id]),
        {
            "referrer_role": "jgz_toegang",
            "child_initials": referral.child_initials,
            "child_birth_date": referral.child_birth_date.isoformat(),
            "help_question": "x",
            "urgency": "regular",
            "consent_by": "parent",
            "parent_phone": "06 12345678",
            "consent_date": referral.referred_on.isoformat(),
        },
    )
    assert purposes() == ["duplicate_warning"]


@pytest.mark.django_db
def test_the_admin_shows_the_log_read_only(admin_client, referral):
    AccessLogEntry.objects.create(referral=referral, purpose="detail_referrer")
    url = reverse("admin:referrals_accesslogentry_changelist")
    assert admin_client.get(url).status_code == 200
    add = reverse("admin:referrals_accesslogentry_add")
    assert admin_client.get(add).status_code == 403


@pytest.mark.django_db
def test_the_referral_admin_shows_no_personal_data(admin_client, referral):
    url = reverse("admin:referrals_referral_change", args=[referral.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert referral.help_question not in response.text
    assert referral.family_code not in response.text
