"""Admin for municipality staff: percelen, contracts, organisations and their offer.

The admin is an adapter like any page. Capacity changes go through
``services.capacity_update`` (one history row with the user, lost-update check);
a service created here gets its capacity row from ``services.capacity_create``.
History (django-simple-history) is an audit trail: it can be read here, never
reverted or edited. Staff get their permissions from the "Gemeente" group
(``registry.services.groups.municipality_group_ensure`` sets it up).
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from simple_history.admin import SimpleHistoryAdmin

from registry import (
    permissions,
    services,
    token_admin,  # noqa: F401 - registers the API-token admin
)
from registry.models import (
    Capacity,
    CapacityReminder,
    Contract,
    DeliveryForm,
    District,
    Location,
    Membership,
    Organisation,
    Perceel,
    ProblemArea,
    Service,
    Subcontract,
    ThesaurusEntry,
    User,
)

admin.site.site_header = _("Sociale Kaart Jeugd – beheer")
admin.site.site_title = _("Sociale Kaart Jeugd")
admin.site.index_title = _("Beheer van de sociale kaart")

Kind = Organisation.Kind


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Shows an object's history but never reverts or edits it (an audit trail)."""

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        if _is_history_form(request):
            opts = self.model._meta
            return [f.name for f in [*opts.fields, *opts.many_to_many] if f.editable]
        return super().get_readonly_fields(request, obj)


def _is_history_form(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and (match.url_name or "").endswith("_simple_history"))


class SearchRefreshMixin:
    """Refresh the search documents of the services a saved object shows up in."""

    def services_to_refresh(self, obj) -> QuerySet[Service]:
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.service_refresh_search(
            services=self.services_to_refresh(form.instance)
        )


# --- reference data ---------------------------------------------------------------


@admin.register(Perceel)
class PerceelAdmin(SearchRefreshMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "active", "position"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}

    def services_to_refresh(self, obj):
        return obj.services.all()


class TaxonomyAdmin(SearchRefreshMixin, admin.ModelAdmin):
    """A facet's terms. A new term gets its bit slot when saved (the model refuses
    one more than a facet can hold); deleting goes through the service so the
    search documents forget the term's slot before another term reuses it."""

    list_display = ["name", "name_en", "slug", "bit_slot"]
    readonly_fields = ["bit_slot"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def services_to_refresh(self, obj):
        return obj.services.all()

    def delete_model(self, request, obj):
        services.facet_terms_delete(terms=[obj])

    def delete_queryset(self, request, queryset):
        services.facet_terms_delete(terms=queryset)


admin.site.register(District, TaxonomyAdmin)
admin.site.register(ProblemArea, TaxonomyAdmin)
admin.site.register(DeliveryForm, TaxonomyAdmin)


# --- organisations ------------------------------------------------------------------


class ContractInline(admin.TabularInline):
    model = Contract
    fields = ["perceel", "start_date", "end_date"]
    extra = 0
    show_change_link = True


class SubcontractorInline(admin.TabularInline):
    """On an onderaannemer: the hoofdaanbieders' contracts it works under."""

    model = Subcontract
    fk_name = "subcontractor"
    fields = ["contract", "start_date", "end_date"]
    autocomplete_fields = ["contract"]
    extra = 0
    verbose_name_plural = _("werkt als onderaannemer onder")


class LocationInline(admin.TabularInline):
    model = Location
    fields = [
        "name",
        "is_main",
        *Location.ADDRESS_FIELDS,
        "district",
        "phone",
    ]
    extra = 0
    show_change_link = True


class ServiceInline(admin.TabularInline):
    """A list with links; services are added and edited on their own page."""

    model = Service
    fields = ["name", "perceel", "age_min", "age_max", "active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("perceel")


class MembershipWritesMixin:
    """Memberships are written in the admin by superusers (the operator) only,
    whatever permissions a group grants: municipality staff manage
    organisations and contracts, never who belongs to a referrer, provider or
    school (``permissions.can_write_memberships_in_admin``). Staff without the
    right see the rows read-only; an inline they may not write takes no rows
    from a hand-made POST."""

    def has_add_permission(self, request, *args) -> bool:
        return permissions.can_write_memberships_in_admin(
            request.user
        ) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.can_write_memberships_in_admin(
            request.user
        ) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return permissions.can_write_memberships_in_admin(
            request.user
        ) and super().has_delete_permission(request, obj)


class MembershipInline(MembershipWritesMixin, admin.TabularInline):
    model = Membership
    fields = ["user", "role", "notify_referrals", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(SearchRefreshMixin, ReadOnlyHistoryAdmin):
    list_display = ["name", "kind", "kvk", "agb", "phone", "active"]
    list_filter = ["kind", "active", "contracts__perceel"]
    search_fields = ["name", "slug", "kvk", "agb", "email"]
    readonly_fields = ["created_at", "updated_at"]
    history_list_display = ["name", "kind", "phone", "email"]

    def get_readonly_fields(self, request, obj=None):
        """The kind of an existing organisation is the operator's (superuser's):
        turning the municipality's own organisation into a hoofdaanbieder would
        let its staff subcontract themselves into providers' referrals."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            fields.append("kind")
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        # Only on add: a slug is part of public URLs. (Not the class attribute:
        # simple-history's read-only history form would look for the field.)
        return {"slug": ["name"]} if obj is None else {}

    def get_inlines(self, request, obj):
        if obj is None:
            return [ContractInline, SubcontractorInline, LocationInline]
        inlines = {
            Kind.HOOFDAANBIEDER: [ContractInline, ServiceInline],
            Kind.ONDERAANNEMER: [SubcontractorInline, ServiceInline],
        }.get(obj.kind, [])
        return [*inlines, LocationInline, MembershipInline]

    def get_search_results(self, request, queryset, search_term):
        """Autocomplete offers only the kind of organisation the field accepts."""
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        wanted = AUTOCOMPLETE_KINDS.get(
            (request.GET.get("model_name"), request.GET.get("field_name"))
        )
        if wanted:
            queryset = queryset.filter(kind__in=wanted)
        return queryset, may_have_duplicates

    def services_to_refresh(self, obj):
        return obj.services.all()


AUTOCOMPLETE_KINDS = {
    ("contract", "organisation"): [Kind.HOOFDAANBIEDER],
    ("subcontract", "subcontractor"): [Kind.ONDERAANNEMER],
    ("service", "organisation"): list(Organisation.PROVIDER_KINDS),
}


class SubcontractInline(admin.TabularInline):
    """On a contract: the onderaannemers working under it."""

    model = Subcontract
    fk_name = "contract"
    fields = ["subcontractor", "start_date", "end_date"]
    autocomplete_fields = ["subcontractor"]
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["organisation", "perceel", "start_date", "end_date"]
    list_filter = ["perceel", "start_date", "end_date"]
    list_select_related = ["organisation", "perceel"]
    search_fields = ["organisation__name", "organisation__kvk", "perceel__name"]
    autocomplete_fields = ["organisation"]
    inlines = [SubcontractInline]

    def get_search_results(self, request, queryset, search_term):
        queryset = queryset.select_related("organisation", "perceel")
        return super().get_search_results(request, queryset, search_term)


@admin.register(Subcontract)
class SubcontractAdmin(admin.ModelAdmin):
    list_display = ["subcontractor", "main_contractor", "perceel", "start_date"]
    list_filter = ["contract__perceel"]
    list_select_related = [
        "subcontractor",
        "contract__organisation",
        "contract__perceel",
    ]
    search_fields = ["subcontractor__name", "contract__organisation__name"]
    autocomplete_fields = ["contract", "subcontractor"]

    @admin.display(description=_("hoofdaanbieder"), ordering="contract__organisation")
    def main_contractor(self, obj):
        return obj.contract.organisation

    @admin.display(description=_("perceel"), ordering="contract__perceel")
    def perceel(self, obj):
        return obj.contract.perceel


@admin.register(Location)
class LocationAdmin(SearchRefreshMixin, ReadOnlyHistoryAdmin):
    list_display = ["name", "organisation", "is_main", "postcode", "district"]
    list_filter = ["is_main", "district"]
    list_select_related = ["organisation", "district"]
    search_fields = ["name", "organisation__name", "street", "postcode", "city"]
    autocomplete_fields = ["organisation"]
    history_list_display = ["name", "street", "house_number", "postcode"]

    def services_to_refresh(self, obj):
        return obj.services.all()


# --- services and capacity ------------------------------------------------------------


class CapacityInline(admin.StackedInline):
    """Read-only here: capacity is changed on its own page (with history)."""

    model = Capacity
    fields = [
        "status",
        "intake_wait_weeks",
        "treatment_wait_weeks",
        "free_places",
        "note",
        "updated_at",
        "updated_by",
        "version",
    ]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Service)
class ServiceAdmin(SearchRefreshMixin, ReadOnlyHistoryAdmin):
    list_display = [
        "name",
        "organisation",
        "perceel",
        "age_range",
        "capacity_status",
        "active",
    ]
    list_filter = [
        "perceel",
        "active",
        "capacity__status",
        "organisation__kind",
        "districts",
        "forms",
        "problem_areas",
    ]
    list_select_related = ["organisation", "perceel", "capacity"]
    search_fields = ["name", "description", "organisation__name"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["problem_areas", "forms", "districts", "locations"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CapacityInline]
    history_list_display = ["name", "age_min", "age_max", "active"]

    @admin.display(description=_("leeftijd"))
    def age_range(self, obj):
        return f"{obj.age_min}–{obj.age_max}"

    @admin.display(description=_("capaciteit"), ordering="capacity__status")
    def capacity_status(self, obj):
        capacity = getattr(obj, "capacity", None)
        return capacity.get_status_display() if capacity else "–"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "locations":
            queryset = Location.objects.select_related("organisation")
            service_id = request.resolver_match.kwargs.get("object_id")
            if service_id:  # offer the provider's own locations, not all of them
                queryset = queryset.filter(organisation__services=service_id)
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.capacity_create(service=obj, actor=request.user, reason="admin")

    def services_to_refresh(self, obj):
        return [obj]


class StaleListFilter(admin.SimpleListFilter):
    title = _("actualiteit")
    parameter_name = "verouderd"

    def lookups(self, request, model_admin):
        return [("ja", _("Verouderd")), ("nee", _("Actueel"))]

    def queryset(self, request, queryset):
        stale = Capacity.objects.stale().values("pk")
        if self.value() == "ja":
            return queryset.filter(pk__in=stale)
        if self.value() == "nee":
            return queryset.exclude(pk__in=stale)
        return queryset


class CapacityAdminForm(forms.ModelForm):
    """Carries the version the editor saw, so a concurrent change is not lost."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Capacity
        fields = list(services.CAPACITY_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("expected_version") != self.instance.version:
            raise forms.ValidationError(
                _(
                    "Iemand anders heeft deze capaciteit intussen gewijzigd. "
                    "Open de pagina opnieuw en voer uw wijziging nog eens in."
                ),
                code="stale_version",
            )
        return cleaned


@admin.register(Capacity)
class CapacityAdmin(ReadOnlyHistoryAdmin):
    form = CapacityAdminForm
    list_display = [
        "service",
        "organisation",
        "perceel",
        "status",
        "intake_wait_weeks",
        "treatment_wait_weeks",
        "free_places",
        "updated_at",
        "is_stale",
    ]
    list_filter = ["status", StaleListFilter, "service__perceel"]
    list_select_related = ["service__organisation", "service__perceel"]
    search_fields = ["service__name", "service__organisation__name"]
    fields = [
        "service",
        *services.CAPACITY_FIELDS,
        "expected_version",
        "updated_at",
        "updated_by",
        "version",
    ]
    readonly_fields = ["service", "updated_at", "updated_by", "version"]
    history_list_display = [*services.CAPACITY_FIELDS]

    @admin.display(description=_("aanbieder"), ordering="service__organisation")
    def organisation(self, obj):
        return obj.service.organisation

    @admin.display(description=_("perceel"), ordering="service__perceel")
    def perceel(self, obj):
        return obj.service.perceel

    @admin.display(description=_("verouderd"), boolean=True)
    def is_stale(self, obj):
        return obj.is_stale

    def has_add_permission(self, request) -> bool:
        return False  # a service gets its capacity row when it is created

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # it goes with its service

    def save_model(self, request, obj, form, change):
        services.capacity_update(
            capacity=obj,
            actor=request.user,
            data={name: form.cleaned_data[name] for name in services.CAPACITY_FIELDS},
            expected_version=form.cleaned_data["expected_version"],
            reason="admin",
        )
        obj.refresh_from_db()


# --- people -------------------------------------------------------------------------


@admin.register(Membership)
class MembershipAdmin(MembershipWritesMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


class UserMembershipInline(MembershipWritesMixin, admin.TabularInline):
    model = Membership
    fields = ["organisation", "role"]
    autocomplete_fields = ["organisation"]
    extra = 0


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    inlines = [UserMembershipInline]

    def get_readonly_fields(self, request, obj=None):
        """Only a superuser grants rights: staff who may change users (a group
        could give them that) still cannot make anyone, themselves included, a
        superuser or give groups and permissions."""
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return fields


@admin.register(CapacityReminder)
class CapacityReminderAdmin(admin.ModelAdmin):
    """A log of reminders sent: read-only."""

    list_display = ["organisation", "period", "service_count", "sent_at"]
    list_filter = ["period"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ThesaurusEntry)
class ThesaurusEntryAdmin(admin.ModelAdmin):
    """The municipality's thesaurus: applied to every search at once (read per
    search), so no search documents need refreshing."""

    list_display = ["term", "relation", "related"]
    list_filter = ["relation"]
    search_fields = ["term", "related"]
