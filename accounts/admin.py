"""Admin: single sign-on per organisation; invitations and the people log
read-only (the organisation's admins manage people on /organisaties/<id>/mensen)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import Invitation, OidcProvider, OrganisationLogEntry


class OidcProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        label=_("client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leeg laten om het bewaarde geheim te houden."),
    )

    class Meta:
        model = OidcProvider
        fields = [
            "organisation",
            "issuer",
            "client_id",
            "client_secret",
            "email_domains",
            "require_app_second_factor",
            "active",
        ]

    def clean_client_secret(self):
        secret = self.cleaned_data.get("client_secret")
        if secret:
            return secret
        if self.instance.pk and self.instance.client_secret:
            return self.instance.client_secret
        raise forms.ValidationError(_("Vul het client secret in."))


@admin.register(OidcProvider)
class OidcProviderAdmin(admin.ModelAdmin):
    form = OidcProviderForm
    list_display = ["organisation", "issuer", "email_domains", "active"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "issuer", "email_domains"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at"]
    list_select_related = ["organisation"]
    exclude = ["token_hash"]
    search_fields = ["email", "organisation__name"]


@admin.register(OrganisationLogEntry)
class OrganisationLogEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "organisation",
        "actor_label",
        "action",
        "subject_label",
    ]
    list_select_related = ["organisation"]
    list_filter = ["action"]
    search_fields = ["organisation__name", "subject_label", "actor_label"]
