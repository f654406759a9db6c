"""Forms for the provider pages: they parse and validate input only.

Saving goes through ``registry.services``; a view passes ``form.changes()`` to
the matching service function. Model forms reuse the model's validators, so a
form and the API refuse the same values with the same Dutch messages.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import permissions
from registry import validators as v
from registry.models import ApiToken, Capacity, Location, Organisation, Service


class _ChangesMixin:
    def changes(self) -> dict:
        """The submitted values of the form's model fields, for a service call."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


def _weeks_widget():
    return forms.NumberInput(attrs={"min": 0, "max": v.WAIT_WEEKS_MAX, "step": 1})


class CapacityForm(_ChangesMixin, forms.ModelForm):
    """Status, waiting times, free places and note of one service.

    ``version`` is the version the user saw; saving refuses a stale version so
    two people editing at once do not overwrite each other unnoticed.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = Capacity
        fields = [
            "status",
            "intake_wait_weeks",
            "treatment_wait_weeks",
            "free_places",
            "note",
        ]
        widgets = {
            "intake_wait_weeks": _weeks_widget(),
            "treatment_wait_weeks": _weeks_widget(),
            "free_places": forms.NumberInput(attrs={"min": 0, "step": 1}),
            "note": forms.TextInput(attrs={"maxlength": 1000}),
        }
        help_texts = {
            "intake_wait_weeks": _("Van aanmelding tot intake."),
            "treatment_wait_weeks": _("Van intake tot start van de hulp."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            self.fields["version"].initial = self.instance.version


class ServiceDetailsForm(_ChangesMixin, forms.ModelForm):
    class Meta:
        model = Service
        fields = ["description", "how_to_refer", "intake_phone", "intake_email"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "how_to_refer": forms.Textarea(attrs={"rows": 3}),
            "intake_phone": forms.TextInput(attrs={"type": "tel"}),
        }


class LocationForm(_ChangesMixin, forms.ModelForm):
    """A location's address as the BAG keeps it. "Zoek adres" (the ``lookup``
    button) fills street, city and pin from PDOK for the postcode and house
    number; every field stays editable, so it also works by hand."""

    # What "Zoek adres" reads; the other fields are what PDOK fills in.
    LOOKUP_FIELDS = (
        "postcode",
        "house_number",
        "house_letter",
        "house_number_addition",
    )

    class Meta:
        model = Location
        fields = [
            "name",
            "postcode",
            "house_number",
            "house_letter",
            "house_number_addition",
            "street",
            "city",
            "district",
            "phone",
            "latitude",
            "longitude",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel"}),
            "postcode": forms.TextInput(
                attrs={"autocomplete": "postal-code", "size": 7, "maxlength": 7}
            ),
            "house_number": forms.TextInput(
                attrs={"inputmode": "numeric", "size": 5, "maxlength": 5}
            ),
            "house_letter": forms.TextInput(attrs={"size": 1, "maxlength": 1}),
            "house_number_addition": forms.TextInput(attrs={"size": 4, "maxlength": 4}),
            "latitude": forms.TextInput(attrs={"inputmode": "decimal", "size": 9}),
            "longitude": forms.TextInput(attrs={"inputmode": "decimal", "size": 9}),
        }
        help_texts = {
            "latitude": _(
                "De speld op de kaart; vul zelf in of versleep de speld. "
                "Bijvoorbeeld 52.37020."
            ),
            "longitude": _("Bijvoorbeeld 5.21890."),
        }
        error_messages = {
            "house_number": {
                "invalid": _("Vul als huisnummer een getal van 1 tot en met 99999 in.")
            },
            "latitude": {
                "invalid": _("Vul de breedtegraad in als getal, zoals 52.37020."),
                "max_digits": _("Vul de breedtegraad in als getal, zoals 52.37020."),
                "max_decimal_places": _(
                    "Geef de breedtegraad in hoogstens 5 decimalen."
                ),
            },
            "longitude": {
                "invalid": _("Vul de lengtegraad in als getal, zoals 5.21890."),
                "max_digits": _("Vul de lengtegraad in als getal, zoals 5.21890."),
                "max_decimal_places": _(
                    "Geef de lengtegraad in hoogstens 5 decimalen."
                ),
            },
        }

    def posted_values(self) -> dict:
        """What the user typed, as initial values for the next form."""
        return {
            name: field.widget.value_from_datadict(self.data, self.files, name)
            for name, field in self.fields.items()
        }

    def lookup_query(self) -> dict | None:
        """The cleaned postcode and house number (plus letter and addition) to
        look up, or None with errors on the form when they are missing or bad.
        Only these fields are validated: the rest (a new location's name, say)
        may still be empty and shows no error yet."""
        self._errors, self.cleaned_data = ErrorDict(), {}
        values = {}
        for name in self.LOOKUP_FIELDS:
            field = self.fields[name]
            raw = field.widget.value_from_datadict(self.data, self.files, name)
            try:
                value = field.clean(raw)
                for validator in Location._meta.get_field(name).validators:
                    if value not in (None, ""):
                        validator(value)
            except forms.ValidationError as error:
                self.add_error(name, error)
                continue
            values[name] = value
        for name in ("postcode", "house_number"):
            if name in values and values[name] in (None, ""):
                self.add_error(name, _("Vul de postcode en het huisnummer in."))
        if self._errors:
            return None
        values["postcode"] = v.normalise_postcode(values["postcode"])
        return values


class OrganisationContactForm(_ChangesMixin, forms.ModelForm):
    website = forms.URLField(
        label=_("Website"), max_length=200, required=False, assume_scheme="https"
    )

    class Meta:
        model = Organisation
        fields = ["phone", "email", "website"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel"})}


class ApiTokenCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none()
    )
    name = forms.CharField(
        label=_("Omschrijving"),
        max_length=100,
        help_text=_("Bijvoorbeeld het systeem dat de sleutel gebruikt."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Bevoegdheden"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Geef een sleutel alleen wat het systeem nodig heeft."),
    )
    expires_on = forms.DateField(
        label=_("Geldig tot en met"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leeg: geen einddatum. Wij raden hoogstens een jaar aan."),
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in organisations]
        )
        if len(organisations) == 1:
            field.initial = organisations[0].pk
            field.widget = forms.HiddenInput()
        allowed = []
        for organisation in organisations:
            for scope in permissions.token_scopes_allowed(organisation):
                if scope not in allowed:
                    allowed.append(scope)
        self.fields["scopes"].choices = [
            (scope, f"{ApiToken.SCOPE_LABELS[scope]} ({scope})") for scope in allowed
        ]
        if len(organisations) == 1:
            self.fields["scopes"].initial = list(
                permissions.token_scopes_default(organisations[0])
            )
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=365)

    def clean_expires_on(self):
        value = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("Kies vandaag of een datum in de toekomst."))
        return value

    def expires_at(self):
        """The end of the chosen day (local time), or None."""
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.max))
