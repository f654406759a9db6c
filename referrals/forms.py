"""Forms of the referral pages. They parse input; the rules live in services."""

import html

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from referrals import codes
from referrals import workflow as wf
from referrals.selectors import SORT_COLUMNS
from registry.models import Organisation


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class LongSelect(forms.Select):
    """A select whose options are built in Python, not one template each: the
    service filter of a referrer that refers widely has thousands of options
    (the same HTML as Django's ``select.html``, about 40 times faster)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        # html.escape is what django.utils.html.escape applies, without its
        # lazy-string wrapper: a few microseconds less per option.
        options = "".join(
            f'\n  <option value="{html.escape(str(key))}"'
            f"{' selected' if str(key) in chosen else ''}>"
            f"{html.escape(str(label))}</option>"
            for key, label in self.choices
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe(options),  # noqa: S308 - every value escaped above
        )


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (others: top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class Form(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # no trailing colon (NL Design System)
        super().__init__(*args, **kwargs)


class ReferralForm(Form):
    referrer_organisation = forms.ModelChoiceField(
        label=_("Ik verwijs namens"), queryset=Organisation.objects.none()
    )
    referrer_role = forms.ChoiceField(
        label=_("Ik verwijs als"), choices=codes.ReferrerRole.choices
    )
    child_initials = forms.CharField(
        label=_("Initialen van het kind"),
        max_length=10,
        help_text=_("Bijvoorbeeld J.B. Geen volledige naam en nooit een BSN."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    child_birth_date = forms.DateField(
        label=_("Geboortedatum van het kind"), widget=DateInput()
    )
    help_question = forms.CharField(
        label=_("Hulpvraag"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Alleen wat de aanbieder nodig heeft om de vraag te beoordelen."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgentie"),
        choices=codes.Urgency.choices,
        initial=codes.Urgency.REGULAR,
        widget=forms.RadioSelect,
    )
    consent_by = forms.ChoiceField(
        label=_("Toestemming voor de verwijzing gegeven door"),
        choices=codes.ConsentBy.choices,
        widget=forms.RadioSelect,
    )
    consent_date = forms.DateField(
        label=_("Datum van de toestemming"), widget=DateInput()
    )
    parent_name = forms.CharField(
        label=_("Naam van de ouder (niet verplicht)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    parent_phone = forms.CharField(
        label=_("Telefoonnummer van de ouder"),
        required=False,
        max_length=20,
        help_text=_(
            "Voor het eerste contact door de aanbieder. Vul telefoon of e-mail in "
            "(of allebei)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    parent_email = forms.EmailField(
        label=_("E-mailadres van de ouder"),
        required=False,
        help_text=_(
            "De aanbieder kan hiermee contact opnemen; de ouder krijgt een bericht "
            "als de hulp start of als de aanbieder de verwijzing afwijst. Nooit "
            "met de hulpvraag."
        ),
    )
    follower_school = forms.ModelChoiceField(
        label=_("School die de status mag volgen (niet verplicht)"),
        queryset=Organisation.objects.filter(
            kind=Organisation.Kind.SCHOOL, active=True
        ),
        required=False,
        help_text=_(
            "De school ziet alleen de status en de datums, nooit de hulpvraag."
        ),
    )
    school_consent = forms.BooleanField(
        label=_("Het gezin geeft toestemming dat de school de status volgt"),
        required=False,
    )
    previous_referral = forms.CharField(
        required=False, max_length=20, widget=forms.HiddenInput
    )
    confirm_duplicate = forms.BooleanField(
        label=_("Ik wil toch verwijzen"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, referrer_organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_date"].initial = timezone.localdate()
        own = list(referrer_organisations)
        if len(own) > 1:
            self.fields["referrer_organisation"].queryset = Organisation.objects.filter(
                pk__in=[o.pk for o in own]
            )
        else:
            del self.fields["referrer_organisation"]
        jgz = own and own[0].kind == Organisation.Kind.JGZ
        if len(own) == 1 and jgz:
            self.fields["referrer_role"].choices = [
                (role, codes.ReferrerRole(role).label)
                for role in (
                    codes.ReferrerRole.JGZ_TOEGANG,
                    codes.ReferrerRole.JEUGDARTS,
                    codes.ReferrerRole.JEUGDVERPLEEGKUNDIGE,
                )
            ]
        else:
            del self.fields["referrer_role"]


class EventForm(Form):
    """One step. ``event_type`` picks the fields that belong to it."""

    occurred_on = forms.DateField(label=_("Datum"), widget=DateInput())
    expected_start_on = forms.DateField(
        label=_("Verwachte startdatum (niet verplicht)"),
        required=False,
        widget=DateInput(),
    )
    bridging_care = forms.TypedChoiceField(
        label=_("Overbruggingszorg"),
        choices=[("true", _("Ja")), ("false", _("Nee"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    end_reason = forms.ChoiceField(
        label=_("Reden beëindiging"),
        choices=[("", "---------"), *codes.EndReason.choices],
    )
    decline_reason = forms.ChoiceField(
        label=_("Reden afwijzing"),
        choices=[("", "---------"), *codes.DeclineReason.choices],
    )
    note = forms.CharField(
        label=_("Toelichting (niet verplicht)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    OWN_FIELDS = {
        wf.WAITLISTED: ("expected_start_on", "bridging_care"),
        wf.ENDED: ("end_reason",),
        wf.DECLINED: ("decline_reason",),
    }

    def __init__(self, *args, event_type: str, **kwargs):
        kwargs.setdefault("prefix", event_type)
        super().__init__(*args, **kwargs)
        self.event_type = event_type
        self.label = wf.STATUS_LABELS[event_type]
        self.fields["occurred_on"].initial = timezone.localdate()
        own = self.OWN_FIELDS.get(event_type, ())
        for name in ("expected_start_on", "bridging_care"):
            if name not in own:
                del self.fields[name]
        for name in ("end_reason", "decline_reason"):
            if name not in own:
                del self.fields[name]

    def type_fields(self) -> dict:
        names = self.OWN_FIELDS.get(self.event_type, ())
        return {name: self.cleaned_data.get(name) for name in names}


class FamilyStatusForm(Form):
    family_code = forms.CharField(
        label=_("Uw code"),
        max_length=20,
        help_text=_(
            "De code staat op de brief van de verwijzer, bijvoorbeeld ABCD-EFGH-JK."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )
    birth_date = forms.DateField(
        label=_("Geboortedatum van uw kind"), widget=DateInput()
    )


class AccessLogFilterForm(Form):
    reference = forms.CharField(label=_("Referentie"), required=False, max_length=16)


# Every sortable column has a label (the sorts themselves: selectors).
SORT_LABELS = {
    "referentie": _("Referentie"),
    "verwezen": _("Verwezen op"),
    "status": _("Status"),
    "gestart": _("Hulp gestart op"),
}
INBOX_SORTS = ("referentie", "verwezen", "status")
LIST_SORTS = ("referentie", "verwezen", "status", "gestart")
assert set(SORT_LABELS) == set(SORT_COLUMNS)


def _sort_choices(keys) -> list:
    choices = [("", _("Standaard"))]
    for key in keys:
        choices += [
            (key, _("%(column)s, oplopend") % {"column": SORT_LABELS[key]}),
            (f"-{key}", _("%(column)s, aflopend") % {"column": SORT_LABELS[key]}),
        ]
    return choices


class WorkingListForm(Form):
    """Search, filters and sort of the inbox and the referral list (GET).

    ``sorts`` are the column keys this list sorts on; ``services`` the
    ``(id, label)`` pairs of the services the actor may filter on (None: no
    service filter); more than ``services_max`` of them: a search on the
    service's name instead of the list. A field with a bad value is reported
    and left out; the others still apply."""

    q = forms.CharField(
        label=_("Zoek op referentie of initialen"), required=False, max_length=20
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alle")), *wf.STATUS_LABELS.items()],
    )
    urgentie = forms.ChoiceField(
        label=_("Urgentie"),
        required=False,
        choices=[("", _("Alle")), *codes.Urgency.choices],
    )
    te_laat = forms.BooleanField(label=_("Alleen over een norm"), required=False)
    aanbod = forms.TypedChoiceField(
        label=_("Aanbod"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=LongSelect,
    )
    aanbod_naam = forms.CharField(
        label=_("Aanbod"),
        help_text=_("De naam of een deel ervan."),
        required=False,
        max_length=100,
    )
    van = forms.DateField(label=_("Verwezen vanaf"), required=False, widget=DateInput())
    tot = forms.DateField(
        label=_("Verwezen tot en met"), required=False, widget=DateInput()
    )
    sorteer = forms.ChoiceField(
        label=_("Sorteer op"),
        required=False,
        error_messages={
            "invalid_choice": _(
                "“%(value)s” is geen kolom om op te sorteren. "
                "Kies een kolomkop of een keuze uit de lijst."
            )
        },
    )

    def __init__(
        self, *args, sorts=INBOX_SORTS, services=None, services_max=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["sorteer"].choices = _sort_choices(sorts)
        if services is not None and services_max and len(services) > services_max:
            # Too many to list: the service filter searches on the name.
            del self.fields["aanbod"]
            return
        del self.fields["aanbod_naam"]
        if services is None:
            del self.fields["aanbod"]
        else:
            self.fields["aanbod"].choices = [("", _("Alle")), *services]

    def filters(self) -> dict:
        """The valid fields' values (all of them when nothing was sent)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return dict(self.cleaned_data)

    def sort(self) -> str:
        return self.filters().get("sorteer") or ""
