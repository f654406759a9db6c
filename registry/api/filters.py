"""Query parameters of the catalogue API.

``GET /api/v1/services`` takes the filters of the search page /zoeken under
English names and gives the same results in the same order: the parameters are
translated to the page's and parsed by ``registry.search.parse_params``. Unlike
the page, which ignores a bad value with a message, the API refuses it: 400
with every bad parameter named in ``invalid_params``.
"""

from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions

from registry import geo, search, selectors, validators
from registry.models import Organisation, Perceel

# API parameter -> (search page parameter, reference group).
CHOICE_PARAMS = {
    "lot": ("perceel", "perceel"),
    "district": ("stadsdeel", "district"),
    "problem": ("probleem", "problem"),
    "form": ("vorm", "form"),
}
# API parameter -> (search page parameter, lowest, highest).
NUMBER_PARAMS = {
    "age": ("leeftijd", validators.AGE_MIN, validators.AGE_MAX),
    "maxWaitWeeks": ("wachttijd", 0, validators.WAIT_WEEKS_MAX),
    "radiusKm": ("straal", geo.RADIUS_MIN_KM, geo.RADIUS_MAX_KM),
}
# API ordering -> the search page's sort. "-updated": most recently updated first.
ORDERINGS = {
    "relevance": "relevantie",
    "wait": "wachttijd",
    "-updated": "bijgewerkt",
    "distance": "afstand",
}
# API parameter -> search page parameter, passed on as given (parse_params checks).
PLACE_PARAMS = {"postcode": "postcode", "lat": "lat", "lon": "lon"}
TRUE, FALSE = ("true", "1"), ("false", "0")
_PAGE_TO_API = {
    "q": "q",
    "plek": "accepting",
    "sorteer": "ordering",
    **{page: api for api, page in PLACE_PARAMS.items()},
    **{page: api for api, (page, _group) in CHOICE_PARAMS.items()},
    **{page: api for api, (page, _low, _high) in NUMBER_PARAMS.items()},
}


def service_filters(params) -> tuple[search.SearchFilters, dict]:
    """The search of ``params`` (a QueryDict) and the reference values it was
    read against; ``ValidationError`` naming every bad parameter. Two queries:
    the reference values and (PostgreSQL, with words) the spelling
    corrections, exactly as /zoeken."""
    reference = selectors.search_reference()
    errors: dict[str, list[str]] = {}
    page = QueryDict(mutable=True)
    page["q"] = _text(params, errors)
    for name, (page_name, group) in CHOICE_PARAMS.items():
        page.setlist(page_name, _choices(params, name, reference[group], errors))
    for name, (page_name, low, high) in NUMBER_PARAMS.items():
        page[page_name] = _number(params, name, low, high, errors)
    page["plek"] = "ja" if _flag(params, "accepting", errors) else ""
    page["sorteer"] = _ordering(params, errors)
    for name, page_name in PLACE_PARAMS.items():
        page[page_name] = params.get(name, "")
    filters, leftover = search.parse_params(page, reference)
    if not leftover and not errors:
        # The postcode's place (PDOK Locatieserver, cached); unknown or not
        # reachable is a 400 naming ``postcode`` with the reason.
        filters = selectors.search_locate(filters, leftover)
    for error in leftover:
        errors.setdefault(_PAGE_TO_API.get(error.param, error.param), [str(error)])
    if errors:
        raise exceptions.ValidationError(errors)
    return selectors.search_prepare(filters, reference), reference


def _text(params, errors) -> str:
    text = " ".join(params.get("q", "").split())
    if len(text) > search.MAX_QUERY_LENGTH:
        errors["q"] = [_("Ten hoogste %(n)s tekens.") % {"n": search.MAX_QUERY_LENGTH}]
    return text


def _choices(params, name, options, errors) -> list[str]:
    known = {option.slug for option in options}
    values = params.getlist(name)
    unknown = [value for value in values if value not in known]
    if unknown:
        errors[name] = [
            _("Onbekende waarde “%(value)s”.") % {"value": value[:40]}
            for value in unknown
        ]
    return [value for value in values if value in known]


def _number(params, name, low, high, errors) -> str:
    raw = params.get(name)
    if raw is None:
        return ""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and low <= int(raw) <= high):
        errors[name] = [
            _("Een geheel getal van %(low)s tot en met %(high)s.")
            % {"low": low, "high": high}
        ]
        return ""
    return raw


def _flag(params, name, errors) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value not in TRUE + FALSE:
        errors[name] = [_("Kies true of false.")]
    return value in TRUE


def _ordering(params, errors) -> str:
    raw = params.get("ordering", "relevance").strip()
    if raw not in ORDERINGS:
        errors["ordering"] = [
            _("Kies een van: %(options)s.") % {"options": ", ".join(ORDERINGS)}
        ]
        return ORDERINGS["relevance"]
    return ORDERINGS[raw]


# --- organisations ---------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class PerceelCodeFilter(django_filters.ModelChoiceFilter):
    """A perceel by its code; an unknown code is 400."""


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=Organisation.Kind.choices,
        help_text="Only organisations of this kind (repeat for several). Only "
        "providers are listed, and schools for logged-in users and API tokens "
        "(for a referral's follower_school); other kinds give an empty list.",
    )
    lot = PerceelCodeFilter(
        queryset=Perceel.objects.all(),
        to_field_name="code",
        method="filter_lot",
        help_text="Only providers holding this perceel (code, see /lots): a "
        "hoofdaanbieder by contract, an onderaannemer by subcontract.",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=search.MAX_QUERY_LENGTH,
        help_text="Part of the name (case-insensitive).",
    )

    class Meta:
        model = Organisation
        fields = ["kind", "lot", "q"]

    def filter_lot(self, queryset, name, value):
        holds = Q(contracts__perceel=value) | Q(subcontracts__contract__perceel=value)
        return queryset.filter(pk__in=Organisation.objects.filter(holds).values("pk"))

    def filter_q(self, queryset, name, value):
        value = " ".join(value.split())
        return queryset.filter(name__icontains=value) if value else queryset


def service_organisations(params) -> list[int]:
    """The ids of ``organisation`` (slug or id, repeatable: any of them) on
    ``GET /services``; 400 naming the parameter for one that does not exist.
    One query, only when the parameter is given."""
    values = [v.strip() for v in params.getlist("organisation") if v.strip()]
    if not values:
        return []
    # An id is ASCII digits within the database's 64-bit range (a longer number
    # or "²" is no id: it is looked up as a slug and named as unknown).
    ids, slugs = set(), set()
    for value in values:
        if value.isascii() and value.isdigit() and len(value) < 19:
            ids.add(int(value))
        else:
            slugs.add(value)
    found = list(
        Organisation.objects.filter(active=True)
        .filter(Q(pk__in=ids) | Q(slug__in=slugs))
        .values_list("pk", "slug")
    )
    known = {str(pk) for pk, _slug in found} | {slug for _pk, slug in found}
    unknown = [v for v in values if v not in known]
    if unknown:
        raise exceptions.ValidationError(
            {
                "organisation": [
                    _("Onbekende organisatie: %(values)s.")
                    % {"values": ", ".join(unknown)}
                ]
            }
        )
    return [pk for pk, _slug in found]
