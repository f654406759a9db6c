"""Pages: the referral timeline via iJw, the messaging compliance report and
CSV (municipality only), the family questionnaire and the experience figures."""

import re
from datetime import date, timedelta

from django.urls import reverse

import pytest

from ijw import experience, services
from ijw.models import ExperienceAnswer, ExperienceInvitation, Report
from referrals.models import Notification
from tests import factories
from tests.ijw import helpers

pytestmark = pytest.mark.django_db
COMPLIANCE = reverse("ijw:compliance")
CSV = reverse("ijw:compliance-csv")
GOOD = {"on_time": "yes", "helped": "partly", "heard": "yes", "mark": "8", "remark": ""}


def receive(data):
    return services.ijw_message_receive(data=data)


def start(msg, referral, begin, number="300201"):
    receive(msg("JW315", reference=referral.reference))
    receive(msg("JW301", reference=referral.reference, allocation=number))
    receive(msg("JW305", allocation=number, begin_on=begin))


def end(msg, referral, begin, finish, number="300201"):
    start(msg, referral, begin, number)
    receive(
        msg("JW307", allocation=number, begin_on=begin, end_on=finish, end_reason="31")
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- the timeline ------------------------------------------------------------------


def test_the_referrer_sees_help_started_via_ijw(
    client, referrer_user, msg, ijw_referral
):
    start(msg, ijw_referral, date.today() - timedelta(days=2))
    client.force_login(referrer_user)
    page = text(client.get(ijw_referral.get_absolute_url()))
    day = (date.today() - timedelta(days=2)).day
    assert re.search(
        rf"Hulp gestart op {day} \w+\.? \d{{4}} \( ?via iJw-berichtenverkeer ?\)", page
    )
    assert "Toewijzing afgegeven op" in page


def test_a_different_hand_date_is_flagged(
    client, provider_user, msg, ijw_referral, today
):
    factories._referral_steps(ijw_referral, ("received", "intake", "started"))
    receive(msg("JW301", reference=ijw_referral.reference, allocation="1"))
    receive(msg("JW305", allocation="1", begin_on=today))
    hand = ijw_referral.events.get(type="started").occurred_on
    assert hand == today - timedelta(days=7)  # the factory: 3 steps after day -10
    client.force_login(provider_user)
    page = text(client.get(ijw_referral.get_absolute_url()))
    assert "Let op: in de app is" in page and "7 dagen verschil" in page


@pytest.mark.parametrize("who", ["outsider_user", "school_user", "municipality_user"])
def test_others_never_see_the_ijw_lines(client, who, request, msg, ijw_referral, today):
    start(msg, ijw_referral, today)
    client.force_login(request.getfixturevalue(who))
    response = client.get(ijw_referral.get_absolute_url())
    assert "via iJw-berichtenverkeer" not in response.content.decode()


# --- the compliance report ------------------------------------------------------


def test_the_municipality_sees_the_compliance_report(
    client, municipality_user, msg, ijw_referral, today
):
    start(msg, ijw_referral, today - timedelta(days=1))
    client.force_login(municipality_user)
    response = client.get(COMPLIANCE)
    assert response.status_code == 200
    page = text(response)
    assert ijw_referral.provider.name in page
    assert "Startberichten" in page and "100%" in page


@pytest.mark.parametrize(
    "who", ["provider_user", "outsider_user", "referrer_user", "school_user"]
)
def test_others_may_not_see_the_compliance_report(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(COMPLIANCE).status_code == 403
    assert client.get(CSV).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    for url in (COMPLIANCE, CSV):
        response = client.get(url)
        assert response.status_code == 302 and "inloggen" in response["Location"]


def test_the_csv_is_spreadsheet_safe(
    client, municipality_user, msg, ijw_referral, today, provider_org
):
    provider_org.name = "=HYPERLINK(1)"
    provider_org.save(update_fields=["name"])
    start(msg, ijw_referral, today - timedelta(days=1))
    client.force_login(municipality_user)
    response = client.get(CSV)
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in body and "\n=HYPERLINK" not in body
    assert "100,0" in body


def test_compliance_counts_late_reports_and_missing_starts(
    today, msg, make_referral, agbs
):
    from ijw.selectors import compliance_report, working_days_between  # noqa: PLC0415

    # Kingsday 2026-04-27 (Monday) is no working day.
    assert working_days_between(date(2026, 4, 24), date(2026, 5, 1)) == 4
    late = make_referral(child_birth_date=helpers.BORN, days_ago=40)
    receive(
        msg(
            "JW301",
            reference=late.reference,
            allocation="11",
            allocated_on=today - timedelta(days=39),
        )
    )
    receive(msg("JW305", allocation="11", begin_on=today - timedelta(days=20)))
    idle = make_referral(child_birth_date=helpers.BORN, days_ago=70)
    receive(
        msg(
            "JW301",
            reference=idle.reference,
            allocation="12",
            allocated_on=today - timedelta(days=60),
        )
    )
    by_hand = make_referral(started=True, days_ago=30)
    row = compliance_report(today=today).rows[0]
    assert (row.starts, row.starts_in_time) == (1, 0)
    assert (row.no_start_4_weeks, row.no_start_8_weeks) == (1, 1)
    assert row.hand_only_starts == 1
    assert by_hand.status == "started"


# --- the family questionnaire ----------------------------------------------------


def link_from_mail() -> str:
    body = Notification.objects.get(kind="experience").body
    return re.search(r"/ervaring/\w+", body).group()


def test_after_a_jw307_the_parent_gets_a_link_and_answers(
    client, msg, ijw_referral, today
):
    end(msg, ijw_referral, today - timedelta(days=5), today - timedelta(days=1))
    url = link_from_mail()
    assert client.get(url).status_code == 200
    response = client.post(url, {**GOOD, "remark": "Fijn dat het snel ging."})
    assert "Dank u wel" in response.content.decode()
    answer = ExperienceAnswer.objects.get()
    assert (answer.provider, answer.perceel) == (
        ijw_referral.provider,
        ijw_referral.perceel,
    )
    assert answer.month == (today - timedelta(days=1)).replace(day=1)
    # No way back to the child: the answer has no reference to referral or invitation.
    fields = {f.name for f in ExperienceAnswer._meta.get_fields()}
    assert fields == {
        "id",
        "provider",
        "perceel",
        "month",
        "on_time",
        "helped",
        "heard",
        "mark",
        "remark",
    }
    # Once only.
    again = client.post(url, GOOD)
    assert (
        ExperienceAnswer.objects.count() == 1 and "Dank u wel" in again.content.decode()
    )


@pytest.mark.parametrize(
    "remark",
    [
        "Mijn BSN is 111222333",
        "BSN 1112.22.333",
        "Het ging goed met Pietje bij de hulp.",
    ],
)
def test_a_remark_with_a_bsn_or_a_name_is_refused(
    client, msg, ijw_referral, today, remark
):
    end(msg, ijw_referral, today - timedelta(days=5), today - timedelta(days=1))
    response = client.post(link_from_mail(), {**GOOD, "remark": remark})
    assert response.status_code == 400
    assert "remark" in response.context["form"].errors
    assert not ExperienceAnswer.objects.exists()
    assert not ExperienceInvitation.objects.filter(answered=True).exists()


def test_an_unanswered_question_is_named(client, msg, ijw_referral, today):
    end(msg, ijw_referral, today - timedelta(days=5), today - timedelta(days=1))
    response = client.post(link_from_mail(), {**GOOD, "mark": "11"})
    assert response.status_code == 400 and "mark" in response.context["form"].errors
    assert not ExperienceAnswer.objects.exists()


def test_an_unknown_link_is_404(client):
    assert client.get(reverse("ijw:experience", args=["nope"])).status_code == 404


def test_the_family_status_page_links_to_the_questions_after_a_hand_end(
    client, make_referral
):
    referral = make_referral(ended=True)
    page = client.post(
        reverse("referrals:status"),
        {"family_code": referral.family_code, "birth_date": "2015-05-17"},
    ).content.decode()
    url = re.search(r'href="(/ervaring/\w+)"', page).group(1)
    assert client.post(url, GOOD).status_code == 200
    assert ExperienceAnswer.objects.count() == 1
    page = client.post(
        reverse("referrals:status"),
        {"family_code": referral.family_code, "birth_date": "2015-05-17"},
    ).content.decode()
    assert "/ervaring/" not in page


def test_figures_show_only_from_ten_families(
    client, municipality_user, provider_user, provider_org, perceel, settings
):
    def answers(n):
        for _ in range(n):
            ExperienceAnswer.objects.create(
                provider=provider_org,
                perceel=perceel,
                month=date(2026, 3, 1),
                on_time="yes",
                helped="yes",
                heard="no",
                mark=7,
            )

    answers(9)
    from ijw.selectors import experience_summary  # noqa: PLC0415

    assert experience_summary() == []
    answers(1)
    (row,) = experience_summary()
    assert (row.answers, row.on_time, row.heard, row.mark) == (10, 1.0, 0.0, 7.0)
    client.force_login(municipality_user)
    assert "Ervaring van gezinnen" in text(client.get(COMPLIANCE))
    client.force_login(provider_user)
    own = text(client.get(reverse("dashboard:own")))
    assert "Ervaring van gezinnen" in own and provider_org.name in own


def test_a_provider_never_sees_another_providers_experience(
    client, outsider_user, provider_org, perceel
):
    for _ in range(10):
        ExperienceAnswer.objects.create(
            provider=provider_org,
            perceel=perceel,
            month=date(2026, 3, 1),
            on_time="yes",
            helped="yes",
            heard="yes",
            mark=9,
        )
    client.force_login(outsider_user)
    own = text(client.get(reverse("dashboard:own")))
    assert provider_org.name not in own


def test_the_invite_command_reaches_families_whose_help_ended_by_hand(make_referral):
    referral = make_referral(ended=True, parent_email="ouder@example.org")
    assert experience.experience_invite_ended() == 1
    assert experience.experience_invite_ended() == 0
    assert (
        Notification.objects.filter(kind="experience", referral=referral).count() == 1
    )
    assert Report.objects.count() == 0


def test_the_compliance_page_query_count(
    client,
    municipality_user,
    msg,
    make_referral,
    agbs,
    today,
    django_assert_num_queries,
):
    for number in range(3):
        referral = make_referral(child_birth_date=helpers.BORN)
        start(msg, referral, today - timedelta(days=1), number=str(500 + number))
    factories.ReferralFactory(started=True, days_ago=30)
    client.force_login(municipality_user)
    # session, user, memberships; reported starts and ends; allocations without
    # a start; starts by hand only; family experience.
    with django_assert_num_queries(7):
        response = client.get(COMPLIANCE)
    assert response.status_code == 200
