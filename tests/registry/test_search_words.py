"""Search in the professional's own words, the same on SQLite and PostgreSQL:
Dutch plurals and compounds, accents, the thesaurus, English, typos, ranking."""

import unicodedata

from django.db import connection
from django.http import QueryDict

import pytest

from registry import search_text, selectors
from registry.models import Service, ThesaurusEntry
from registry.services import service_refresh_search
from tests.registry.search_data import make_service

pytestmark = pytest.mark.django_db


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


def test_a_dutch_plural_finds_the_singular(services):
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


@pytest.mark.postgres
def test_the_stored_vector_holds_the_python_index_tokens(services):
    service = Service.objects.get(name="Gezinsbehandeling")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_to_string(tsvector_to_array(search_vector), ' ') "
            "FROM registry_service WHERE id = %s",
            [service.pk],
        )
        lexemes = set(cursor.fetchone()[0].split())
    assert lexemes == set(service.search_text.split()) - {"|"}
    assert {"gezinsbehandeling", "gezin", "behandeling", "clienten"} <= lexemes


def test_refresh_adds_new_words_to_the_spelling_vocabulary(services):
    with connection.cursor() as cursor:
        cursor.execute("SELECT term FROM registry_search_term")
        terms = {term for (term,) in cursor.fetchall()}
    assert {"autisme", "clienten", "gezinsbehandeling", "gezin"} <= terms


@pytest.fixture
def compounds(provider_org):
    made = [
        make_service(
            provider_org, "behandeling-psychiatrie", "Traumabehandeling",
            description="EMDR voor jongeren.",
        ),
        make_service(
            provider_org, "behandeling-psychiatrie", "Hulp bij angststoornissen",
            description="Cognitieve gedragstherapie.",
        ),
        make_service(
            provider_org, "begeleiding", "Gezinsbegeleiding thuis",
            description="Praktische steun.",
        ),
        make_service(
            provider_org, "begeleiding", "Steun bij ADHD",
            description="Training voor ouders.", problems=["adhd"],
        ),
        make_service(
            provider_org, "begeleiding", "Kinderen en echtscheiding",
            description="Groep voor kinderen van gescheiden ouders.",
            problems=["scheiding"],
        ),
        make_service(
            provider_org, "behandeling-lvb", "Behandeling bij LVB",
            description="Voor jongeren met een lichte beperking.",
        ),
    ]  # fmt: skip
    service_refresh_search(services=made)
    return made


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=behandelingen", "Traumabehandeling"),  # a plural finds a compound's part
        ("q=trauma", "Traumabehandeling"),
        ("q=stoornis", "Hulp bij angststoornissen"),  # a part finds the whole
        ("q=angst", "Hulp bij angststoornissen"),
        ("q=angststoornis", "Hulp bij angststoornissen"),  # the whole its plural
        ("q=gezin", "Gezinsbegeleiding thuis"),
        ("q=begeleiding", "Gezinsbegeleiding thuis"),
    ],
)
def test_compounds_are_split_both_ways(compounds, query, expected):
    assert expected in found(query)


def test_a_compound_query_finds_its_parts_apart(provider_org):
    make_service(
        provider_org, "begeleiding", "Begeleiding",
        description="Voor het hele gezin.",
    )  # fmt: skip
    service_refresh_search(services=Service.objects.all())
    assert found("q=gezinsbegeleiding") == ["Begeleiding"]


def test_the_decompounder_uses_the_dutch_dictionary():
    assert search_text.split("angststoornissen") == ("angst", "stoornis")
    assert search_text.split("gezinsbegeleiding") == ("gezin", "begeleiding")
    assert search_text.split("aandachtstekortstoornis") == (
        "aandacht", "tekort", "stoornis",
    )  # fmt: skip
    # Words that only look like compounds stay whole.
    assert search_text.split("begeleiding") == ()
    assert search_text.split("stoornis") == ()
    assert search_text.split("verslaving") == ()
    assert search_text.stem("behandelingen") == "behandeling"
    assert search_text.stem("problemen") == "probleem"


@pytest.mark.parametrize(
    "query, expected, also",
    [
        ("q=aandachtstekortstoornis", "Steun bij ADHD", "adhd"),
        ("q=scheiding", "Kinderen en echtscheiding", "echtscheiding"),
        (
            "q=licht+verstandelijke+beperking",
            "Behandeling bij LVB",
            "lvb",
        ),
    ],
)
def test_the_thesaurus_widens_the_search_and_says_so(compounds, query, expected, also):
    result = selectors.search_run(QueryDict(query))
    assert expected in [s.name for s in result.services]
    assert also in result.also


def test_a_thesaurus_entry_from_the_admin_applies_at_once(compounds):
    assert found("q=ontwrichting") == []
    ThesaurusEntry.objects.create(term="ontwrichting", related="trauma")
    assert found("q=ontwrichting") == ["Traumabehandeling"]


def test_a_changed_or_deleted_thesaurus_entry_applies_at_once(compounds):
    entry = ThesaurusEntry.objects.create(term="ontwrichting", related="trauma")
    assert found("q=ontwrichting") == ["Traumabehandeling"]
    entry.related = "lvb"
    entry.save()
    assert found("q=ontwrichting") == ["Behandeling bij LVB"]
    entry.delete()
    assert found("q=ontwrichting") == []


def test_the_thesaurus_is_read_once_per_catalogue_version(compounds):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found("q=trauma")
    with CaptureQueriesContext(connection) as queries:
        assert found("q=angst") != []
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "registry_thesaurusentry" not in read


def test_a_narrower_term_is_not_found_the_other_way_round(compounds):
    ThesaurusEntry.objects.create(
        term="zorgen", related="cognitieve", relation=ThesaurusEntry.Relation.NARROWER
    )
    assert "Hulp bij angststoornissen" in found("q=zorgen")
    assert selectors.search_run(QueryDict("q=cognitieve")).also == []


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=attention+deficit", None),
        ("q=adhd", "Steun bij ADHD"),
        ("q=divorce", "Kinderen en echtscheiding"),
    ],
)
def test_an_english_query_finds_the_dutch_terms(compounds, query, expected):
    names = found(query)
    assert (expected in names) if expected else names == []


def test_english_names_of_problem_areas_are_searched(compounds):
    # "Anxiety" is the English name of the problem area Angst.
    make_service(compounds[0].organisation, "begeleiding", "Moed", problems=["angst"])
    service_refresh_search(services=Service.objects.all())
    # Both: "Moed" by its problem area's English name, the other by the Dutch
    # name the thesaurus adds (which of the two ranks first is relevance, judged
    # in benchmarks/search_relevance.py, not what this test is about).
    assert sorted(found("q=anxiety")) == ["Hulp bij angststoornissen", "Moed"]
    assert "Autisme" in selectors.search_run(QueryDict("q=autism")).also


def test_a_typo_is_corrected_on_both_databases_with_a_suggestion(compounds):
    result = selectors.search_run(QueryDict("q=gezinsbegeleidnig"))
    assert [s.name for s in result.services] == ["Gezinsbegeleiding thuis"]
    assert result.suggestion == "gezinsbegeleiding"


def test_the_python_trigram_similarity_matches_pg_trgm():
    # PostgreSQL 15: SELECT similarity('autisme', 'autsime'), similarity('word',
    # 'words') gives 0.33333334 and 0.5714286.
    assert round(search_text.similarity("autisme", "autsime"), 6) == 0.333333
    assert round(search_text.similarity("word", "words"), 6) == 0.571429


# --- Memoised word work (issue 18: an import looks up millions of words) ----------


def _words_to_check() -> list[str]:
    sample = sorted(search_text.dictionary())[::400]
    inflected = [word + ending for word in sample[::3] for ending in ("en", "s", "e")]
    odd = ["covid19", "3d", "jgz", "angststoornissen", "kinderen", "problemen"]
    return sample + inflected + odd + ["gezinsbegeleidingen", "probleemgedrag"]


def _uncached_forms(word: str) -> list[str]:
    stem = search_text.stem.__wrapped__(word)
    return list(dict.fromkeys([word, stem, *search_text.split.__wrapped__(word)]))


@pytest.mark.parametrize("warm", [False, True])
def test_memoised_word_forms_equal_the_uncached_ones(warm):
    words = _words_to_check()
    assert len(words) > 500
    for cached in (search_text.stem, search_text.split, search_text._word_forms):
        cached.cache_clear()
    if warm:
        for word in words:
            search_text.word_forms(word)

    for word in words:
        assert search_text.stem(word) == search_text.stem.__wrapped__(word)
        assert search_text.split(word) == search_text.split.__wrapped__(word)
        assert search_text.word_forms(word) == _uncached_forms(word)


def test_the_word_caches_are_bounded_and_hand_out_copies():
    for cached in (search_text.stem, search_text.split, search_text._word_forms):
        assert cached.cache_info().maxsize == search_text.WORD_CACHE_SIZE
    forms = search_text.word_forms("angststoornissen")
    forms.append("changed")
    assert search_text.word_forms("angststoornissen") == [
        "angststoornissen", "angststoornis", "angst", "stoornis",
    ]  # fmt: skip


def test_index_tokens_are_those_of_the_uncached_word_forms():
    text = "Gezinsbegeleiding bij angststoornissen en problemen van kinderen, Cliënten"
    words = search_text.tokens(text)
    expected = list(
        dict.fromkeys(words + [f for w in words for f in _uncached_forms(w)[1:]])
    )

    assert search_text.index_tokens(text) == expected
    assert search_text.index_text(text, "", text) == search_text.joined_sections(
        [" ".join(expected), "", " ".join(expected)]
    )


@pytest.mark.parametrize(
    "text",
    ["Gezinsbegeleiding THUIS", "Cliënten", "Coöperatie", "suïcidaliteit", "ﬁ ½", ""],
)
def test_folding_ascii_text_takes_a_short_cut_with_the_same_result(text):
    decomposed = unicodedata.normalize("NFKD", text)
    expected = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    assert search_text.fold(text) == expected
    assert search_text.fold(None) == ""
