"""Forms for the provider pages: they parse and validate input only.

Saving goes through ``registry.services``; a view passes ``form.changes()`` to
the matching service function. Model forms reuse the model's validators, so a
form and the API refuse the same values with the same Dutch messages.
"""

from datetime import datetime, time, timedelta

from django import forms
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
    class Meta:
        model = Location
        fields = ["name", "address", "postcode", "city", "district", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel"})}


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
