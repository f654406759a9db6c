"""The search page's result cards, built from values in Python
(``registry.cards``), say exactly what the former template said over model
instances: same text, links, classes and data attributes, in Dutch and English,
with and without distance, capacity and places."""

import math
import re
from datetime import timedelta

from django.db.models import Prefetch
from django.http import QueryDict
from django.template import Context, Template
from django.utils import timezone, translation

import pytest

from registry import search, selectors
from registry.models import Capacity, Location
from registry.services import service_refresh_search
from tests import factories
from tests.registry.search_data import make_service

pytestmark = pytest.mark.django_db

# The cards as search.html rendered them before they were built in Python.
FORMER_CARDS = Template(
    """{% load i18n registry_tags %}{% for service in result.services %}
<li class="result">
  <h3 class="utrecht-heading-3"><a class="utrecht-link" href="{{ service.get_absolute_url }}">{{ service.name }}</a></h3>
  <p class="result__meta utrecht-paragraph"><a class="utrecht-link" href="{{ service.organisation.get_absolute_url }}">{{ service.organisation.name }}</a> · {{ service.perceel.display_name }} · {% blocktranslate trimmed with low=service.age_min high=service.age_max %}{{ low }} tot en met {{ high }} jaar{% endblocktranslate %}</p>
  {% if service.where or service.distance_km is not None %}<p class="result__where utrecht-paragraph">{% if service.where %}<span class="result__label">{% translate "Waar:" %}</span> {{ service.where }}{% endif %}{% if service.distance_km is not None %}{% if service.where %} · {% endif %}<span class="result__label">{% translate "Afstand:" %}</span> {% blocktranslate trimmed with km=service.distance_km|floatformat:1 origin=result.filters.origin.label %}{{ km }} km van {{ origin }}{% endblocktranslate %}{% endif %}</p>{% endif %}
  {% capacity_summary service.capacity %}
  {% with places=service.locations.all %}{% if places %}
    <details class="result__places"><summary>{% blocktranslate count n=places|length trimmed %}{{ n }} locatie{% plural %}{{ n }} locaties{% endblocktranslate %}</summary>
      <ul>{% for place in places %}<li data-lat="{{ place.latitude|stringformat:'s' }}" data-lng="{{ place.longitude|stringformat:'s' }}" data-label="{{ service.name }} – {{ place.name }}" data-href="{{ service.get_absolute_url }}">{{ place.name }}{% if place.address %}, {{ place.address }}{% endif %}{% if place.city %}, {{ place.city }}{% endif %}</li>{% endfor %}</ul>
    </details>
  {% endif %}{% endwith %}
</li>
{% endfor %}"""  # noqa: E501
)
NEW_CARDS = Template("{% load registry_tags %}{% result_cards result %}")


def _normalised(html: str) -> str:
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


def _former_page(params: QueryDict):
    """The page as model instances, read the straightforward way."""
    reference = selectors.search_reference()
    filters, errors = search.parse_params(params, reference)
    filters = selectors.search_locate(
        selectors.search_prepare(filters, reference), errors
    )
    placed = Location.objects.filter(latitude__isnull=False, longitude__isnull=False)
    services = selectors.service_search(filters=filters).prefetch_related(
        Prefetch("locations", queryset=placed)
    )
    districts = {o.slot: o.label for o in reference["district"]}
    page = list(services[: search.PAGE_SIZE])
    for service in page:
        service.where = search.where_label(service.search_district_bits, districts)
        squared = getattr(service, "nearest_squared_km", None)
        service.distance_km = math.sqrt(squared) if squared is not None else None
    return filters, page


@pytest.fixture
def varied(provider_org, subcontractor_org):
    ago = timezone.now() - timedelta(days=30)
    made = [
        make_service(
            provider_org,
            "begeleiding",
            'Angst & <paniek> "training"',
            districts=["almere-haven", "almere-buiten"],
            capacity={"status": "open", "free_places": 3, "intake_wait_weeks": 2},
        ),
        make_service(
            subcontractor_org,
            "behandeling-psychiatrie",
            "Behandeling angst jongeren",
            age_min=12,
            age_max=23,
            capacity={
                "status": "waitlist",
                "intake_wait_weeks": 9,
                "treatment_wait_weeks": 20,
                "updated_at": ago,
            },
        ),
        make_service(provider_org, "begeleiding", "Angst thuis", districts=[]),
        make_service(
            provider_org, "begeleiding", "Angst gesloten", capacity={"status": "closed"}
        ),
    ]
    here = factories.LocationFactory(
        organisation=provider_org,
        name="Haven <hoofd>",
        latitude="52.34000",
        longitude="5.22000",
        house_letter="A",
        house_number_addition="2",
    )
    bare = factories.LocationFactory(
        organisation=provider_org,
        name="Zonder adres",
        street="",
        house_number=None,
        city="",
        latitude="52.37300",
        longitude="5.21800",
    )
    hidden = factories.LocationFactory(organisation=provider_org, name="Geen pin")
    made[0].locations.add(here, bare, hidden)
    made[1].locations.add(bare)
    service_refresh_search(services=made)
    return made


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=angst",
        "q=angst&sorteer=wachttijd",
        "lat=52.35&lon=5.21&sorteer=afstand",
        "lat=52.35&lon=5.21&straal=3",
        "sorteer=bijgewerkt",
    ],
)
def test_the_cards_say_what_the_former_template_said(varied, language, query):
    with translation.override(language):
        params = QueryDict(query)
        filters, former = _former_page(params)
        result = selectors.search_run(params)
        assert [card.pk for card in result.services] == [s.pk for s in former]
        assert result.services, query
        expected = FORMER_CARDS.render(
            Context(
                {"result": search.SearchResult(**{**vars(result), "services": former})}
            )
        )
        built = NEW_CARDS.render(Context({"result": result}))
        # Again: the page's ids now come from the cache, its rows by key alone.
        again = NEW_CARDS.render(Context({"result": selectors.search_run(params)}))
    assert _normalised(built) == _normalised(expected)
    assert again == built
    if "lat=" in query:
        assert "km" in built
    assert "&lt;paniek&gt;" in built or "paniek" not in expected


def test_a_card_without_capacity_or_places_says_so(varied):
    # (the former template failed here: every service has a capacity row)
    Capacity.objects.filter(service=varied[2]).delete()
    selectors.search_run(QueryDict("q=thuis"))
    result = selectors.search_run(QueryDict("q=thuis"))  # the page's ids cached
    (card,) = result.services
    assert card.capacity is None and card.places == ()
    html = NEW_CARDS.render(Context({"result": result}))
    assert "Geen capaciteit bekend." in html
    assert "result__places" not in html
