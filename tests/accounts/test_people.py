"""Organisations manage their own people: invitations (72 hours, once),
roles, removal and deactivation, all in the organisation's history."""

import re
from datetime import timedelta

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine

from accounts import login_flow, services
from accounts.models import Invitation, OrganisationLogEntry
from registry import services as registry_services
from registry.models import Membership, User
from tests import factories

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "lange zin als wachtwoord 42"


@pytest.fixture(autouse=True)
def _immediate_mail(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def admin(provider_org):
    user = factories.UserFactory(username="beheer", first_name="Bea", last_name="Eer")
    factories.MembershipFactory(user=user, organisation=provider_org, role="admin")
    return user


@pytest.fixture
def colleague(provider_org):
    user = factories.UserFactory(username="collega", first_name="Cor")
    factories.MembershipFactory(user=user, organisation=provider_org)
    return user


@pytest.fixture
def municipality_admin(municipality_org):
    user = factories.UserFactory(username="gemeente", is_staff=True)
    factories.MembershipFactory(user=user, organisation=municipality_org)
    return user


def _invite(client, org, email="nieuw@example.org", role="staff"):
    url = reverse("accounts:people-invite", args=[org.pk])
    return client.post(url, {"email": email, "role": role})


def _link_from_mail() -> str:
    return re.search(r"http://testserver(/uitnodiging/\S+)", mail.outbox[-1].body)[1]


def test_an_admin_invites_a_colleague_who_sets_a_password_and_second_factor(
    client, admin, provider_org, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, provider_org, role="admin")
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["nieuw@example.org"]
    assert "72 uur" in mail.outbox[-1].body
    link = _link_from_mail()
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == timedelta(hours=72)
    assert link.split("/")[-1] not in invitation.token_hash  # only a hash stored

    newcomer = Client()
    assert newcomer.get(link).status_code == 200
    response = newcomer.post(
        link,
        {
            "first_name": "Nina",
            "last_name": "Nieuw",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert response["Location"] == reverse("accounts:second-factor-setup")
    user = User.objects.get(email="nieuw@example.org")
    assert user.memberships.get().role == "admin"
    assert SESSION_KEY not in newcomer.session  # logged in only after the 2nd factor
    log = list(OrganisationLogEntry.objects.values_list("action", "actor"))
    assert log == [("joined", user.pk), ("invited", admin.pk)]
    # Once only.
    assert newcomer.get(link).status_code == 404


def test_an_invitation_link_stops_working_after_72_hours(client, admin, provider_org):
    _invitation, secret = services.invitation_create(
        actor=admin, organisation=provider_org, email="laat@example.org", role="staff"
    )
    url = reverse("accounts:invitation", args=[secret])
    with time_machine.travel(timezone.now() + timedelta(hours=72, minutes=1)):
        response = Client().post(
            url,
            {
                "first_name": "Laat",
                "last_name": "Komer",
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD,
            },
        )
    assert response.status_code == 404
    assert not User.objects.filter(email="laat@example.org").exists()


def test_a_weak_password_is_refused_and_nothing_is_created(admin, provider_org):
    _invitation, secret = services.invitation_create(
        actor=admin, organisation=provider_org, email="zwak@example.org", role="staff"
    )
    url = reverse("accounts:invitation", args=[secret])
    response = Client().post(
        url,
        {
            "first_name": "<b>Z</b>",
            "last_name": "Wak",
            "password": "12345678",
            "password_again": "12345678",
        },
    )
    assert response.status_code == 400
    assert "Wachtwoord" in response.content.decode()
    assert not User.objects.filter(email="zwak@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_staff_cannot_invite(client, colleague, provider_org):
    client.force_login(colleague)
    assert _invite(client, provider_org).status_code == 404
    assert (
        client.get(reverse("accounts:people", args=[provider_org.pk])).status_code
        == 404
    )
    assert not Invitation.objects.exists()


def test_an_admin_of_one_organisation_cannot_invite_into_another(
    client, admin, outsider_org
):
    client.force_login(admin)
    assert _invite(client, outsider_org, role="admin").status_code == 404
    assert not Invitation.objects.exists()
    assert not OrganisationLogEntry.objects.exists()


def test_the_municipality_invites_a_first_admin_only_where_there_is_none(
    client, municipality_admin, provider_org, outsider_org, admin
):
    client.force_login(municipality_admin)
    # provider_org has an admin: the organisation does this itself.
    assert _invite(client, provider_org).status_code == 404
    response = _invite(client, outsider_org, email="eerste@example.org")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.organisation, invitation.role) == (outsider_org, "admin")


def test_the_municipality_never_joins_a_provider(
    client, municipality_admin, outsider_org
):
    client.force_login(municipality_admin)
    response = _invite(client, outsider_org, email=municipality_admin.email)
    assert response.status_code == 400
    assert "gemeente" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not Membership.objects.filter(organisation=outsider_org).exists()


def test_a_municipality_user_cannot_accept_an_invitation_to_a_provider(
    admin, provider_org, municipality_org
):
    # Invited before joining the municipality: refused when accepting.
    _invitation, secret = services.invitation_create(
        actor=admin, organisation=provider_org, email="dubbel@example.org", role="staff"
    )
    user = factories.UserFactory(username="dubbel", email="dubbel@example.org")
    factories.MembershipFactory(user=user, organisation=municipality_org)
    response = Client().post(
        reverse("accounts:invitation", args=[secret]),
        {"password": "correct horse battery staple"},
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user=user, organisation=provider_org).exists()


def test_an_admin_changes_a_role_but_the_last_admin_stays(
    client, admin, colleague, provider_org
):
    client.force_login(admin)
    member = colleague.memberships.get()
    url = reverse("accounts:people-role", args=[provider_org.pk, member.pk])
    client.post(url, {"role": "admin"})
    member.refresh_from_db()
    assert member.role == "admin"
    # Now two admins; demote the admin herself via the colleague.
    own = admin.memberships.get()
    services.membership_change_role(actor=colleague, membership=own, role="staff")
    own.refresh_from_db()
    assert own.role == "staff"
    with pytest.raises(Exception, match="laatste beheerder"):
        services.membership_change_role(
            actor=colleague, membership=member, role="staff"
        )
    member.refresh_from_db()
    assert member.role == "admin"
    entry = OrganisationLogEntry.objects.filter(action="role_changed").first()
    assert entry.detail == "Beheerder → Medewerker"


def test_removing_someone_ends_their_sessions_and_keys_at_once(
    client, admin, colleague, provider_org
):
    # The colleague, an admin too (only admins make keys), is logged in
    # elsewhere and made an API key.
    Membership.objects.filter(user=colleague).update(role=Membership.Role.ADMIN)
    colleague_browser = Client()
    colleague_browser.force_login(colleague)
    colleague_browser.get(reverse("provider:my-services"))  # registers nothing yet
    services.session_register(
        user=colleague,
        session_key=colleague_browser.session.session_key,
        user_agent="test",
        method="password",
    )
    token, _key = registry_services.api_token_create(
        organisation=provider_org, actor=colleague, name="Planning"
    )
    client.force_login(admin)
    member = colleague.memberships.get()
    response = client.post(
        reverse("accounts:people-remove", args=[provider_org.pk, member.pk])
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    colleague.refresh_from_db()
    assert not colleague.is_active  # no organisation left
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not Session.objects.filter(
        session_key=colleague_browser.session.session_key
    ).exists()
    # Thrown out mid-session.
    response = colleague_browser.get(reverse("provider:my-services"))
    assert response["Location"].startswith(reverse("login"))
    assert OrganisationLogEntry.objects.filter(
        action="removed", subject=colleague, actor=admin
    ).exists()


def test_a_deactivated_account_is_out_even_without_a_tracked_session(
    client, municipality_admin, colleague, provider_org
):
    colleague_browser = Client()
    colleague_browser.force_login(colleague)  # session not registered
    client.force_login(municipality_admin)
    member = colleague.memberships.get()
    response = client.post(
        reverse("accounts:people-deactivate", args=[provider_org.pk, member.pk])
    )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active
    response = colleague_browser.get(reverse("provider:my-services"))
    assert response["Location"].startswith(reverse("login"))
    entry = OrganisationLogEntry.objects.get(action="account_deactivated")
    assert (entry.organisation, entry.actor) == (provider_org, municipality_admin)


def test_the_municipality_cannot_remove_or_change_memberships(
    client, municipality_admin, colleague, provider_org
):
    client.force_login(municipality_admin)
    member = colleague.memberships.get()
    for name in ("accounts:people-remove", "accounts:people-role"):
        url = reverse(name, args=[provider_org.pk, member.pk])
        assert client.post(url, {"role": "admin"}).status_code == 404
    member.refresh_from_db()
    assert member.role == "staff"


def test_an_admin_cannot_deactivate_accounts(client, admin, colleague, provider_org):
    client.force_login(admin)
    member = colleague.memberships.get()
    url = reverse("accounts:people-deactivate", args=[provider_org.pk, member.pk])
    assert client.post(url).status_code == 404
    colleague.refresh_from_db()
    assert colleague.is_active


def test_the_people_page_shows_members_and_history_escaped(
    client, admin, provider_org, django_assert_num_queries
):
    factories.MembershipFactory(
        organisation=provider_org,
        user=factories.UserFactory(first_name="<script>x</script>"),
    )
    services.invitation_create(
        actor=admin, organisation=provider_org, email="a@example.org", role="staff"
    )
    client.force_login(admin)
    url = reverse("accounts:people", args=[provider_org.pk])
    # session, user, organisation, the admin's memberships (permission),
    # members with their users, open invitations, the history
    with django_assert_num_queries(7):
        response = client.get(url)
    page = response.content.decode()
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;" in page
    assert "a@example.org" in page
    assert "Uitgenodigd" in page


def test_accepting_with_an_existing_account_adds_the_membership(
    admin, provider_org, referrer_user
):
    _invitation, secret = services.invitation_create(
        actor=admin, organisation=provider_org, email=referrer_user.email, role="staff"
    )
    browser = Client()
    url = reverse("accounts:invitation", args=[secret])
    wrong = browser.post(url, {"password": "fout"})
    assert wrong.status_code == 400
    assert not Membership.objects.filter(
        user=referrer_user, organisation=provider_org
    ).exists()
    response = browser.post(url, {"password": "correct horse battery staple"})
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=referrer_user, organisation=provider_org
    ).exists()
    assert login_flow.PENDING_KEY in browser.session


def test_an_admin_resets_a_lost_second_factor_and_others_cannot(
    client, admin, colleague, provider_org, outsider_user
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=colleague, name="app", confirmed=True)
    member = colleague.memberships.get()
    url = reverse(
        "accounts:people-second-factor-reset", args=[provider_org.pk, member.pk]
    )
    for intruder in (colleague, outsider_user):
        other = Client()
        other.force_login(intruder)
        assert other.post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=colleague, name="app").exists()
    client.force_login(admin)
    assert client.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert OrganisationLogEntry.objects.filter(
        action="second_factor_reset", subject=colleague, actor=admin
    ).exists()


def test_the_menu_links_admins_to_their_people(client, admin, colleague, provider_org):
    client.force_login(admin)
    people = reverse("accounts:people", args=[provider_org.pk])
    assert people in client.get(reverse("accounts:account")).content.decode()
    client.force_login(colleague)
    assert people not in client.get(reverse("accounts:account")).content.decode()


def test_provider_staff_are_not_invited_into_the_municipality(
    municipality_org, colleague
):
    gemeente_admin = factories.UserFactory(username="gb")
    factories.MembershipFactory(
        user=gemeente_admin, organisation=municipality_org, role="admin"
    )
    with pytest.raises(Exception, match="gemeente"):
        services.invitation_create(
            actor=gemeente_admin,
            organisation=municipality_org,
            email=colleague.email,
            role="staff",
        )
    assert not Invitation.objects.exists()
    assert not Membership.objects.filter(
        user=colleague, organisation=municipality_org
    ).exists()
