"""iJw closes the loop in Chromium with no extra registration.

A JGZ nurse refers a child; the provider never opens the app: its JW315, the
municipality's JW301 and the provider's JW305 arrive through ``import_ijw``,
and the nurse sees "Hulp gestart op … (via iJw-berichtenverkeer)". After the
JW307 the family opens its status page with the code and answers the four
questions about the help.
"""

import re
from datetime import date
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

import pytest
from playwright.sync_api import expect

from ijw.models import ExperienceAnswer
from tests import factories
from tests.e2e.two_factor import complete_log_in
from tests.ijw import helpers

PASSWORD = "correct horse battery staple"
BIRTH_DATE = date(2014, 3, 8)
AGB = "42420001"


def log_in(page, live_server, username, next_url):
    page.goto(f"{live_server.url}{reverse('login')}?next={next_url}")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    complete_log_in(page, username)


@pytest.fixture
def cast():
    perceel = factories._perceel()
    provider = factories.HoofdaanbiederFactory(
        name="Kindzorg Almere", percelen=[perceel], agb=AGB
    )
    service = factories.ServiceFactory(
        organisation=provider, perceel=perceel, name="Gezinsbegeleiding Regenboog"
    )
    jgz = factories.OrganisationFactory(kind="jgz", name="JGZ Almere")
    factories.MembershipFactory(
        organisation=jgz, user=factories.UserFactory(username="nurse")
    )
    return service


def deliver(tmp_path, name: str, **values) -> None:
    kind = name.split("-")[1].upper()
    values.setdefault("birth_date", BIRTH_DATE)
    values.setdefault("dated_on", timezone.localdate())
    values.setdefault("identification", name.split("-")[0])
    if kind == "JW301":
        values.update(sender=helpers.MUNICIPALITY, receiver=AGB)
    else:
        values.update(sender=AGB, receiver=helpers.MUNICIPALITY)
    folder = tmp_path / name
    folder.mkdir()
    (folder / f"{name}.xml").write_bytes(helpers.message(kind, **values))
    call_command("import_ijw", str(folder), stdout=StringIO())


@pytest.mark.browser_context_args(locale="nl-NL")
@pytest.mark.django_db(transaction=True)
def test_ijw_messages_start_and_end_help_and_the_family_answers(
    live_server, page, screenshot, cast, tmp_path
):
    service = cast
    today = timezone.localdate()
    with translation.override("nl"):
        today_text = date_format(today, "DATE_FORMAT")

    log_in(page, live_server, "nurse", "/")
    page.goto(live_server.url + reverse("referrals:referral-create", args=[service.pk]))
    page.get_by_label("Initialen van het kind").fill("L.M.")
    page.get_by_label("Geboortedatum van het kind").fill(BIRTH_DATE.isoformat())
    page.get_by_label("Hulpvraag").fill("Veel angst, slaapt slecht.")
    page.get_by_label("Ouder of voogd").check()
    page.get_by_label("Telefoonnummer van de ouder").fill("06 12345678")
    page.get_by_role("button", name="Verwijzing versturen").click()
    expect(page.get_by_role("heading", name="Verwijzing verstuurd")).to_be_visible()
    family_code = page.get_by_test_id("family-code").inner_text().strip()
    reference = re.search(r"VW-[0-9A-Z]{8}", page.url).group()

    # The provider's and the municipality's messages arrive; nobody clicks.
    deliver(tmp_path, "1-jw315", reference=reference)
    deliver(
        tmp_path,
        "2-jw301",
        reference=reference,
        allocation="300201",
        allocated_on=today,
        valid_from=today,
    )
    deliver(
        tmp_path, "3-jw305", allocation="300201", begin_on=today, start_valid_from=today
    )

    page.goto(live_server.url + reverse("referrals:referral-detail", args=[reference]))
    expect(page.locator(".timeline--ijw")).to_contain_text(
        f"Hulp gestart op {today_text} (via iJw-berichtenverkeer)"
    )
    expect(page.locator(".lead")).to_contain_text("Hulp gestart")
    screenshot("ijw-01-referrer-sees-start")

    deliver(
        tmp_path,
        "4-jw307",
        allocation="300201",
        begin_on=today,
        end_on=today,
        end_reason="31",
        start_valid_from=today,
    )
    page.reload()
    expect(page.locator(".timeline--ijw")).to_contain_text(
        f"Afgesloten op {today_text}"
    )
    page.get_by_role("button", name="Uitloggen").click()

    # The family checks the status and answers the four questions.
    page.goto(live_server.url + reverse("referrals:status"))
    page.get_by_label("Uw code").fill(family_code)
    page.get_by_label("Geboortedatum van uw kind").fill(BIRTH_DATE.isoformat())
    page.get_by_role("button", name="Bekijk de status").click()
    page.get_by_role("link", name="Vertel ons hoe de hulp was").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoe was de hulp?")
    page.get_by_role("group", name="Kreeg uw kind op tijd hulp?").get_by_label(
        "Ja"
    ).check()
    page.get_by_role("group", name="Heeft de hulp geholpen?").get_by_label(
        "Een beetje"
    ).check()
    page.get_by_role(
        "group", name="Werd er goed naar u en uw kind geluisterd?"
    ).get_by_label("Ja").check()
    page.get_by_role("group", name=re.compile("Welk cijfer")).get_by_label(
        "8", exact=True
    ).check()
    screenshot("ijw-02-questionnaire")
    page.get_by_role("button", name="Versturen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dank u wel")
    answer = ExperienceAnswer.objects.get()
    assert (answer.on_time, answer.helped, answer.mark) == ("yes", "partly", 8)
