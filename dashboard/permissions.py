"""Who sees which dashboard figures (pure functions of the user).

- Municipality staff (members of a ``gemeente`` organisation) see everything:
  the city, every perceel and every provider side by side.
- A provider's users see their own organisation's figures beside the
  city-wide figures, never another provider's. A hoofdaanbieder's users also
  see its current onderaannemers, each on its own, in the percelen of its own
  subcontract with them (it answers for them there; ``limit_to_viewer``).
- Referrers, schools and anonymous visitors see nothing.

Built on ``registry.permissions``, which memoises memberships per request.
"""

from dataclasses import replace

from registry import permissions as registry_permissions
from registry.models import Organisation


def can_view_city_figures(user) -> bool:
    return registry_permissions.is_municipality_staff(user)


def viewable_organisations(user) -> list[Organisation]:
    """Providers whose own figures ``user`` may see (municipality: all):
    hoofdaanbieders first, so a hoofdaanbieder's user starts at its own."""
    if not getattr(user, "is_authenticated", False):
        return []
    organisations = registry_permissions.editable_organisations(user)
    return sorted(
        organisations,
        key=lambda o: (o.kind != Organisation.Kind.HOOFDAANBIEDER, o.name, o.pk),
    )


def can_view_organisation_figures(user, organisation: Organisation) -> bool:
    return organisation.is_provider and organisation.pk in (
        registry_permissions.editable_organisation_ids(user)
    )


def limit_to_viewer(user, f):
    """``f`` (dashboard ``Filters``) limited to the percelen of its organisation
    that ``user`` reaches: all for its own organisation or the municipality, the
    subcontracted ones for a hoofdaanbieder looking at an onderaannemer."""
    if f.organisation is None or can_view_city_figures(user):
        return f
    reach = registry_permissions.provider_reach(user)
    return replace(f, percelen=reach.percelen_of(f.organisation.pk))
