"""Admin for API tokens: see them and revoke them; never create one here.

Imported from ``registry/admin.py``. A key is made by the provider's own admin on
/mijn/api-sleutels, which shows it once in the page. The admin makes none: the
municipality may not hold a key for a provider (it would open the provider's
referrals to them), and a key shown through Django's messages would travel in
the messages cookie. Tokens are never edited or deleted, only revoked, so their
use stays traceable. A municipality's key for delivering iJw messages (scope
``ijw``) is made with ``manage.py create_ijw_key`` (docs/ijw.md).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from registry import services
from registry.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "organisation__name"]
    list_select_related = ["organisation"]
    fields = readonly_fields = [
        "organisation",
        "name",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        """Nothing to save: every field is read-only."""

    @admin.action(
        description=_("Geselecteerde API-sleutels intrekken"),
        permissions=["change"],
    )
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token, actor=request.user)
        messages.success(request, _("De API-sleutels zijn ingetrokken."))
