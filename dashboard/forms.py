"""The dashboard's filters, read from the query string (GET).

Bad values get a Dutch message naming the field; the page then shows the
message instead of figures (status 400), never an error page.
"""

import html
import re
from datetime import date

from django import forms
from django.core.cache import cache
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dashboard import definitions as d
from dashboard.periods import add_months, month_start
from dashboard.selectors import SORTS, Filters
from referrals import codes
from registry.catalogue_version import catalogue_version
from registry.models import Organisation, Perceel

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
MAX_MONTHS = 120
PROVIDER_CHOICES_SECONDS = 3600
DEFAULT_MONTHS = 12


class OptionsSelect(forms.Widget):
    """A select rendered in Python: the provider filter lists thousands of
    organisations, too many for a template (or ``format_html``) per option."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs)
        self.choices = list(choices)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = "" if value is None else str(value)
        options = "".join(
            f'<option value="{html.escape(str(key))}"'
            f"{' selected' if str(key) == selected else ''}>"
            f"{html.escape(str(label))}</option>"
            for key, label in self.choices
        )
        # Every value and label is escaped above; flatatt escapes the attributes.
        return mark_safe(f"<select{flatatt(attrs)}>{options}</select>")  # noqa: S308


def provider_choices() -> list[tuple[str, str]]:
    """(slug, name) of every provider, by name: thousands of rows, read once
    per catalogue version (every write to an organisation makes a new one)."""

    def read():
        providers = Organisation.objects.filter(kind__in=Organisation.PROVIDER_KINDS)
        return list(providers.order_by("name", "pk").values_list("slug", "name"))

    key = f"dashboard:provider-choices:{catalogue_version()}"
    return cache.get_or_set(key, read, PROVIDER_CHOICES_SECONDS)


def _within_norm(metric: d.Metric) -> str:
    return gettext("Binnen norm: %(m)s") % {"m": metric.label}


# Lazy: the choices are built once, at import, before any language is active.
_within_norm_label = lazy(_within_norm, str)


def _median(metric) -> str:
    return gettext("Mediaan, langste eerst: %(m)s") % {"m": metric.label}


_median_label = lazy(_median, str)


class MonthField(forms.CharField):
    """A month as YYYY-MM (``<input type="month">``), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": _("JJJJ-MM")})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = _MONTH.match(value.strip())
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
            raise forms.ValidationError(
                _("Vul een maand in als JJJJ-MM, bijvoorbeeld 2025-01."),
                code="invalid_month",
            )
        return date(int(match[1]), int(match[2]), 1)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve months, this month included."""
    last = month_start(today or timezone.localdate())
    return add_months(last, 1 - DEFAULT_MONTHS), last


class TermChoiceField(forms.ModelChoiceField):
    """A lot or term by its name in the active language."""

    def label_from_instance(self, obj) -> str:
        return obj.display_name


class FilterForm(forms.Form):
    van = MonthField(label=_("Van (maand)"), required=False)
    tot = MonthField(label=_("Tot en met (maand)"), required=False)
    perceel = TermChoiceField(
        label=_("Perceel"),
        queryset=Perceel.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Alle percelen"),
        error_messages={"invalid_choice": _("Kies een perceel uit de lijst.")},
    )
    verwijzer = forms.ChoiceField(
        label=_("Soort verwijzer"),
        choices=[("", _("Alle verwijzers")), *codes.ReferrerType.choices],
        required=False,
        error_messages={"invalid_choice": _("Kies een soort verwijzer uit de lijst.")},
    )
    # A slug checked against the list in clean_aanbieder (a ChoiceField would
    # normalise thousands of choices on every request).
    aanbieder = forms.CharField(
        label=_("Aanbieder"),
        required=False,
        widget=OptionsSelect,
        help_text=_("Een hoofdaanbieder telt met zijn onderaannemers."),
    )

    def __init__(self, data=None, *, organisations=None, **kwargs):
        """``organisations``: the providers to choose from (a provider's own);
        None: every provider, for municipality staff; []: no provider field."""
        if data is not None:
            # Show the period the figures are about, also when none was chosen.
            data = data.copy()
            first, last = default_period()
            data.setdefault("van", first.strftime("%Y-%m"))
            data.setdefault("tot", last.strftime("%Y-%m"))
        super().__init__(data, **kwargs)
        self._own = {o.slug: o for o in organisations or []}
        field = self.fields["aanbieder"]
        if organisations is None:
            field.widget.choices = [("", _("Alle aanbieders")), *provider_choices()]
        elif organisations:
            field.widget.choices = [(o.slug, o.name) for o in organisations]
            field.help_text = ""
        else:
            del self.fields["aanbieder"]

    def clean_aanbieder(self) -> Organisation | None:
        slug = self.cleaned_data.get("aanbieder")
        if not slug:
            return None
        if slug in self._own:
            return self._own[slug]
        known = {key for key, _label in self.fields["aanbieder"].widget.choices}
        organisation = Organisation.objects.filter(slug=slug).first()
        if slug not in known or organisation is None:
            raise forms.ValidationError(_("Kies een aanbieder uit de lijst."))
        return organisation

    def clean(self):
        cleaned = super().clean()
        first, last = default_period()
        van = cleaned.get("van") or (None if "van" in self.errors else first)
        tot = cleaned.get("tot") or (None if "tot" in self.errors else last)
        if van and tot:
            if van > tot:
                self.add_error("tot", _("De maand ‘tot en met’ ligt vóór ‘van’."))
            elif (tot.year - van.year) * 12 + tot.month - van.month >= MAX_MONTHS:
                self.add_error(
                    "van",
                    _("Kies een periode van ten hoogste %(n)s maanden.")
                    % {"n": MAX_MONTHS},
                )
        cleaned["van"], cleaned["tot"] = van, tot
        return cleaned

    def filters(self, organisation: Organisation | None = None) -> Filters:
        """The cleaned filters; ``organisation`` overrides the field."""
        data = self.cleaned_data
        return Filters(
            first=data["van"],
            last=data["tot"],
            perceel=data.get("perceel"),
            referrer_type=data.get("verwijzer") or "",
            organisation=organisation or data.get("aanbieder"),
        )


class OverdueFilterForm(FilterForm):
    """/regie/open is live (now), so it has no period fields: every filter
    shown applies to what is shown."""

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        del self.fields["van"]
        del self.fields["tot"]


class OrganisationTableForm(FilterForm):
    """The organisations table: level, sort order and page as well."""

    niveau = forms.ChoiceField(
        label=_("Niveau"),
        choices=[
            ("hoofdaanbieder", _("Hoofdaanbieders met hun onderaannemers")),
            ("aanbieder", _("Elke aanbieder afzonderlijk")),
        ],
        required=False,
        error_messages={"invalid_choice": _("Kies een niveau uit de lijst.")},
    )
    sorteer = forms.ChoiceField(
        label=_("Sorteer op"),
        choices=[
            ("verwezen", _("Aantal verwijzingen")),
            ("naam", _("Naam")),
            *((m.code, _within_norm_label(m)) for m in d.METRICS),
            *((f"mediaan-{m.code}", _median_label(m)) for m in d.METRICS),
        ],
        required=False,
        error_messages={"invalid_choice": _("Kies een sortering uit de lijst.")},
    )
    pagina = forms.IntegerField(
        label=_("Pagina"),
        min_value=1,
        max_value=100000,
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("Het paginanummer moet een geheel getal zijn."),
            "min_value": _("Het paginanummer begint bij 1."),
            "max_value": _("Dat paginanummer bestaat niet."),
        },
    )

    def __init__(self, data=None, **kwargs):
        kwargs["organisations"] = []  # side by side: no single provider
        super().__init__(data, **kwargs)

    @property
    def level(self) -> str:
        niveau = self.cleaned_data.get("niveau") or "hoofdaanbieder"
        return d.GROUP if niveau == "hoofdaanbieder" else d.PROVIDER

    @property
    def sort(self) -> str:
        sort = self.cleaned_data.get("sorteer") or "verwezen"
        return sort if sort in SORTS else "verwezen"
