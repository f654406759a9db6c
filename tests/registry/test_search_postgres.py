"""Search quality on PostgreSQL: Dutch stemming, accents, typos and ranking."""

from django.db import connection
from django.http import QueryDict

import pytest

from registry import selectors
from registry.services import service_refresh_search
from tests.registry.search_data import make_service

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def found(query: str) -> list[str]:
    result = selectors.search_run(QueryDict(query))
    return [service.name for service in result.services]


@pytest.fixture
def services(provider_org):
    made = [
        make_service(
            provider_org, "begeleiding", "Weerbaar worden",
            description="Training bij angst en onzekerheid.",
        ),
        make_service(
            provider_org, "begeleiding", "Gezinsbehandeling",
            description="Een behandeling voor het hele gezin, met cliënten thuis.",
        ),
        make_service(
            provider_org, "begeleiding", "Sociale vaardigheden",
            description="Voor kinderen met autisme.",
        ),
        make_service(
            provider_org, "begeleiding", "Angstklachten bij jongeren",
            description="Behandeling van angst.",
        ),
        make_service(
            provider_org, "begeleiding", "Opvoedsteun",
            description="Steun voor ouders.", problems=["angst"],
        ),
    ]  # fmt: skip
    service_refresh_search(services=made)
    return made


def test_dutch_stemming_finds_the_singular_from_a_plural(services):
    assert "Weerbaar worden" in found("q=angsten")
    assert "Gezinsbehandeling" in found("q=behandelingen")


def test_accents_do_not_matter(services):
    assert found("q=clienten") == ["Gezinsbehandeling"]
    assert found("q=cliënten") == ["Gezinsbehandeling"]


def test_a_small_typo_still_finds_the_word_and_suggests_it(services):
    result = selectors.search_run(QueryDict("q=autsime"))
    assert [s.name for s in result.services] == ["Sociale vaardigheden"]
    assert result.suggestion == "autisme"


def test_a_known_word_gets_no_suggestion(services):
    assert selectors.search_run(QueryDict("q=autisme")).suggestion == ""


def test_results_are_ranked_name_before_tags_before_description(services):
    assert found("q=angst") == [
        "Angstklachten bij jongeren",
        "Opvoedsteun",
        "Weerbaar worden",
    ]


def test_the_stored_vector_uses_the_dutch_unaccent_configuration(services):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('dutch_unaccent', 'Cliënten angsten')")
        assert cursor.fetchone()[0] == "'angst':2 'client':1"


def test_refresh_adds_new_words_to_the_spelling_vocabulary(services):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM registry_search_term WHERE term = ANY(%s)",
            [["autisme", "clienten"]],
        )
        assert cursor.fetchone()[0] == 2
