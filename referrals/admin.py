"""Admin for referrals: read-only, and without the child's personal data.

Status and dates change only through ``services.referral_event_record``; the
admin never adds, edits or deletes a referral, an event or a log entry. The
child's initials and date of birth, the help question, the parent's e-mail and
the family code are left out entirely: reading them belongs in the logged pages
(and municipality staff do not open personal data, see permissions.py).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from referrals.models import (
    AccessLogEntry,
    Notification,
    Referral,
    ReferralEvent,
    ResponseNorm,
)

PERSONAL_FIELDS = (
    "child_initials",
    "child_birth_date",
    "help_question",
    "parent_email",
    "family_code",
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    fields = ("type", "occurred_on", "actor_organisation", "recorded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "provider",
        "service",
        "perceel",
        "referrer_organisation",
        "status",
        "referred_on",
        "started_on",
    )
    list_filter = ("status", "perceel", "urgency", "referrer_type")
    search_fields = ("reference",)
    date_hierarchy = "referred_on"
    exclude = PERSONAL_FIELDS
    inlines = [ReferralEventInline]
    list_select_related = ("provider", "service", "perceel", "referrer_organisation")


@admin.register(ReferralEvent)
class ReferralEventAdmin(ReadOnlyAdmin):
    list_display = ("referral", "type", "occurred_on", "actor_organisation")
    list_filter = ("type",)
    search_fields = ("referral__reference",)
    exclude = ("note", "idempotency_key")
    list_select_related = ("referral", "actor_organisation")


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "organisation", "referral", "purpose")
    list_filter = ("purpose",)
    search_fields = ("referral__reference", "user__username")
    date_hierarchy = "at"
    list_select_related = ("user", "organisation", "referral")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "referral",
        "recipient",
        "sent_at",
        "attempts",
    )
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("referral__reference",)
    exclude = ("recipient_email", "body")
    list_select_related = ("referral", "recipient_user")

    @admin.display(description=_("ontvanger"))
    def recipient(self, obj: Notification) -> str:
        return str(obj.recipient_user) if obj.recipient_user else _("ouder (e-mail)")


@admin.register(ResponseNorm)
class ResponseNormAdmin(admin.ModelAdmin):
    """The municipality sets how soon each step must follow, per urgency. One row
    per urgency and step (seeded); rows are changed, never added or deleted, so a
    step never loses its norm."""

    list_display = ("urgency", "step", "amount", "unit", "updated_at")
    list_editable = ("amount", "unit")
    list_filter = ("urgency",)
    fields = ("urgency", "step", "amount", "unit")
    readonly_fields = ("urgency", "step")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
