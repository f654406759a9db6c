"""Read-only admin for municipality staff: received messages, allocations and
the queue (numbers, codes and dates only; nothing to edit)."""

from django.contrib import admin

from ijw.models import Allocation, Message, PendingProduct


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(_ReadOnly):
    list_display = [
        "kind",
        "sender",
        "receiver",
        "identification",
        "dated_on",
        "received_at",
        "outcome",
    ]
    list_filter = ["kind", "outcome"]
    search_fields = ["identification", "sender"]


@admin.register(Allocation)
class AllocationAdmin(_ReadOnly):
    list_display = [
        "municipality_code",
        "number",
        "referral",
        "provider_agb",
        "allocated_on",
    ]
    search_fields = ["number", "referral__reference"]
    list_select_related = ["referral"]


@admin.register(PendingProduct)
class PendingProductAdmin(_ReadOnly):
    list_display = ["municipality_code", "allocation_number", "status", "expires_on"]
    exclude = ["birth_date_digest"]
