"""Forms for the account pages: shape only; the rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Membership


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_(
            "De 6 cijfers uit uw authenticator-app, of een van uw herstelcodes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text"}
        ),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code uit de app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres"))
    role = forms.ChoiceField(label=_("Rol"), choices=Membership.Role.choices)


class FirstAdminForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres van de eerste beheerder"))


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rol"), choices=Membership.Role.choices)


class NewAccountForm(forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=150)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150)
    password = forms.CharField(
        label=_("Wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Ten minste 12 tekens, niet alleen cijfers, niet te gewoon."),
    )
    password_again = forms.CharField(
        label=_("Wachtwoord nogmaals"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("De wachtwoorden zijn niet gelijk."))
        return data


class ExistingAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Uw huidige wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OrganisationChoiceForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisatie"), coerce=int)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]


class SsoEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Uw e-mailadres op het werk"),
        help_text=_("Daaraan zien we bij welke organisatie u inlogt."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
