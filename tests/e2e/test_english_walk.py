"""In Chromium, with English chosen: every role walks its pages (the public
map, the family status page, a referrer from JGZ, a GP and a school, a
provider's staff and admin, a subcontractor, the municipality) and no page
shows Dutch interface text.

Dutch interface text is a visible text (or a label a screen reader reads:
``aria-label``, ``title``, ``placeholder``, ``alt``, a button's value) that
equals a Dutch message of the catalogue whose English differs, or holds a
longer one as a whole phrase. Data stays as typed (service and organisation
names, a help question); the walk's data is written so it does not look like
a message. Text marked ``lang="nl"`` (the language switch's "Nederlands") is
Dutch on purpose.
"""

import importlib
import re
from pathlib import Path

from django.test import Client

import polib
import pytest

from dashboard.services import dashboard_refresh
from referrals.models import Referral
from registry.models import DeliveryForm, Organisation, ProblemArea
from registry.services import service_refresh_search
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

CATALOGUE = Path(__file__).resolve().parents[2] / "locale/en/LC_MESSAGES/django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
# Shorter messages count only when a text is exactly the message; longer ones
# also when a text holds them as a whole phrase.
PHRASE_WORDS = 3

# Every visible text node, and the names and values a reader hears, outside
# anything marked as another language than English.
_TEXTS = """() => {
  const out = [];
  const english = el => {
    const marked = el.closest('[lang]');
    return !marked || marked === document.documentElement ||
      marked.lang.toLowerCase().startsWith('en');
  };
  const shown = el => {
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === 'none') return false;
    }
    return true;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text && english(el) && shown(el)) out.push(text);
  }
  for (const el of document.querySelectorAll(
      '[aria-label], [title], [placeholder], img[alt], input[type=submit]')) {
    if (!english(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      const value = el.getAttribute(name);
      if (value) out.push(value.replace(/\\s+/g, ' ').trim());
    }
    if (el.type === 'submit' && el.value) out.push(el.value.trim());
  }
  out.push(document.title);
  return out;
}"""


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip()


def _dutch_messages():
    """(exact texts, [(phrase, pattern)]) of the Dutch messages whose English
    differs; a placeholder matches any text."""
    exact, phrases = set(), []
    for entry in polib.pofile(str(CATALOGUE)):
        forms = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            forms = [
                (entry.msgid, entry.msgstr_plural.get(0, "")),
                (entry.msgid_plural, entry.msgstr_plural.get(1, "")),
            ]
        for dutch, english in forms:
            dutch = _normal(dutch)
            if not dutch or dutch == _normal(english) or not re.search("[a-z]", dutch):
                continue
            literal = PLACEHOLDER.sub(" ", dutch)
            if PLACEHOLDER.search(dutch):
                if len(re.findall(r"[^\W\d_]{3,}", literal)) < 2:
                    continue
                parts = [re.escape(p) for p in PLACEHOLDER.split(dutch)]
                phrases.append((dutch, re.compile(r"\b" + ".+?".join(parts) + "$")))
            elif len(dutch.split()) >= PHRASE_WORDS:
                phrases.append((dutch, re.compile(r"\b" + re.escape(dutch) + r"\b")))
            else:
                exact.add(dutch)
    return exact, phrases


def _dutch_terms() -> set[str]:
    """The Dutch names of lots and search terms that have an English name: the
    English interface shows the English one."""
    from django.apps import apps

    from registry.models import EnglishNamed

    return {
        obj.name
        for model in apps.get_models()
        if issubclass(model, EnglishNamed)
        for obj in model.objects.exclude(name_en="")
        if obj.name != obj.name_en
    }


@pytest.fixture
def dutch(city):
    exact, phrases = _dutch_messages()
    terms = [
        (term, re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)"))
        for term in _dutch_terms()
    ]
    return exact, phrases + terms


def dutch_texts(page, dutch) -> list[str]:
    exact, phrases = dutch
    found = []
    for text in dict.fromkeys(page.evaluate(_TEXTS)):
        if text in exact:
            found.append(text)
            continue
        for message, pattern in phrases:
            if pattern.search(text) or (
                "{" not in message and "%" not in message and text == message
            ):
                found.append(f"{text!r} (message {message!r})")
                break
    return found


@pytest.fixture
def city():
    from django.apps import apps

    seed = importlib.import_module("registry.migrations.0002_seed_reference_data")
    seed.seed(apps, None)
    perceel = factories._perceel()
    main = factories.HoofdaanbiederFactory(name="Kindzorg Almere", percelen=[perceel])
    sub = factories.OnderaannemerFactory(
        name="Sterk Home Care", main_contractor=main, percelen=[perceel]
    )
    location = factories.LocationFactory(organisation=main, name="Vestiging Haven")
    service = factories.ServiceFactory(
        organisation=main, perceel=perceel, name="Kindzorg Home", description="Home."
    )
    service.locations.add(location)
    service.problem_areas.add(*ProblemArea.objects.all()[:2])
    service.forms.add(*DeliveryForm.objects.all()[:2])
    sub_service = factories.ServiceFactory(
        organisation=sub, perceel=perceel, name="Sterk Home"
    )
    service_refresh_search(services=[service, sub_service])
    jgz = factories.OrganisationFactory(kind=Organisation.Kind.JGZ, name="JGZ Almere")
    gp = factories.OrganisationFactory(
        kind=Organisation.Kind.HUISARTS, name="Praktijk Kruidhof"
    )
    school = factories.OrganisationFactory(
        kind=Organisation.Kind.SCHOOL, name="Het Baken"
    )
    municipality = factories.OrganisationFactory(
        kind=Organisation.Kind.GEMEENTE, name="Gemeente Almere"
    )
    referrals = [
        factories.ReferralFactory(
            service=service,
            referrer_organisation=jgz,
            help_question="Anxious.",
            parent_name="M. Smith",
            follower_school=school,
            school_consent=True,
            steps=steps,
        )
        for steps in (("received", "intake"), (), ("received", "intake", "started"))
    ]
    factories.ReferralFactory(
        service=service, referrer_organisation=gp, help_question="Sad.", steps=()
    )
    dashboard_refresh()
    users = {}
    for name, org, role in (
        ("staff", main, "staff"),
        ("admin", main, "admin"),
        ("sub", sub, "staff"),
        ("jgz", jgz, "staff"),
        ("gp", gp, "staff"),
        ("school", school, "staff"),
        ("regie", municipality, "staff"),
    ):
        users[name] = factories.UserFactory(username=name, first_name="Sam")
        factories.MembershipFactory(organisation=org, user=users[name], role=role)
    return {
        "main": main,
        "sub": sub,
        "service": service,
        "location": location,
        "referral": referrals[0],
        "users": users,
    }


def _walks(city):
    main, service, referral = city["main"], city["service"], city["referral"]
    ref = referral.reference
    return {
        None: [
            "/",
            "/zoeken?q=kindzorg",
            "/zoeken?q=zzzz",
            main.get_absolute_url(),
            service.get_absolute_url(),
            "/status",
            "/inloggen",
            "/wachtwoord-vergeten",
            "/bestaat-niet",
        ],
        "staff": [
            "/mijn/aanbod",
            f"/mijn/aanbod/{service.pk}",
            f"/aanbod/{service.pk}/geschiedenis",
            "/inbox",
            f"/verwijzingen/{ref}",
            "/regie/aanbieder",
            "/mijn/account",
            "/mijn/wachtwoord",
        ],
        "admin": [
            f"/mijn/organisaties/{main.pk}",
            f"/mijn/organisaties/{main.pk}/locaties/nieuw",
            f"/mijn/locaties/{city['location'].pk}",
            "/mijn/api-sleutels",
            "/mijn/webhooks",
            f"/organisaties/{main.pk}/mensen",
        ],
        "sub": ["/mijn/aanbod", "/inbox"],
        "jgz": [
            "/verwijzingen",
            f"/aanbod/{service.pk}/verwijs",
            f"/verwijzingen/{ref}",
            f"/verwijzingen/{ref}/verstuurd",
            f"/verwijzingen/{ref}/brief",
        ],
        "gp": ["/verwijzingen", f"/aanbod/{service.pk}/verwijs"],
        "school": ["/verwijzingen", f"/verwijzingen/{ref}"],
        "regie": [
            "/regie",
            "/regie/aanbieders",
            "/regie/open",
            "/regie/ijw",
            "/verwijzingen/inzagelog",
        ],
    }


def _context(browser, live_server, user=None, language="en"):
    context = browser.new_context(locale="en-GB")
    context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies["sessionid"].value
        context.add_cookies(
            [{"name": "sessionid", "value": session, "url": live_server.url}]
        )
    return context


def test_every_role_sees_its_pages_in_english(live_server, browser, city, dutch):
    failures = []
    for who, paths in _walks(city).items():
        context = _context(browser, live_server, who and city["users"][who])
        page = context.new_page()
        for path in paths:
            response = page.goto(live_server.url + path)
            expected = 404 if path == "/bestaat-niet" else 200
            if response.status != expected:
                failures.append(f"{who} {path}: status {response.status}")
            if page.evaluate("document.documentElement.lang") != "en":
                failures.append(f"{who} {path}: lang is not en")
            failures += [f"{who} {path}: {t}" for t in dutch_texts(page, dutch)]
        context.close()
    assert not failures, "Dutch on English pages:\n" + "\n".join(failures)


def test_the_walk_sees_dutch_when_dutch_is_chosen(live_server, browser, city, dutch):
    context = _context(browser, live_server, city["users"]["staff"], language="nl")
    page = context.new_page()
    page.goto(live_server.url + "/mijn/aanbod")
    found = dutch_texts(page, dutch)
    assert "Mijn aanbod" in found
    assert "Uitloggen" in found
    context.close()


def test_the_family_sees_the_status_of_the_referral_in_english(
    live_server, browser, city, dutch
):
    referral = Referral.objects.get(pk=city["referral"].pk)
    context = _context(browser, live_server)
    page = context.new_page()
    page.goto(live_server.url + "/status")
    page.get_by_label("Your code").fill(referral.family_code)
    page.get_by_label("Your child's date of birth").fill(
        referral.child_birth_date.isoformat()
    )
    page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).count() == 1
    assert dutch_texts(page, dutch) == []
    context.close()


@pytest.mark.parametrize("language", ["en"])
def test_pa11y_finds_no_error_on_any_role_page(live_server, city, language):
    # Beside test_pa11y.py (the axe tests' pages in both languages): every page
    # of the walk, logged in as its role.
    from tests.e2e.test_pa11y import ROOT, pa11y_errors, session_cookie

    if not (ROOT / "node_modules" / "pa11y").is_dir():
        pytest.skip("npm ci has not run (bin/test runs it)")
    sessions, pages = {}, []
    for who, paths in _walks(city).items():
        cookie = f"django_language={language}"
        if who:
            sessions.setdefault(who, session_cookie(city["users"][who]))
            cookie += f"; sessionid={sessions[who]}"
        pages += [{"url": live_server.url + path, "cookie": cookie} for path in paths]
    found = pa11y_errors(pages)
    assert not found, f"{len(found)} pa11y errors:\n" + "\n".join(found)
