"""Who may manage an organisation's people. Pure functions of the actor.

Rules (DESIGN.md, second round; issue 13):
- an organisation's admins invite colleagues, change their role and take them
  out of the organisation, in the organisation they act for (the active one);
- staff manage nobody;
- the municipality's admins create an organisation's first admin (an
  invitation when the organisation has no admin) and deactivate any account,
  but never join a provider, referrer or school themselves.

Memberships come from ``registry.permissions.memberships``, which is limited to
the organisation the user chose for this session (``accounts.middleware``).
"""

from registry import permissions as registry_permissions
from registry.models import Membership, Organisation


def _admin_of(user, organisation_id) -> bool:
    return any(
        m.organisation_id == organisation_id and m.role == Membership.Role.ADMIN
        for m in registry_permissions.memberships(user)
    )


def is_municipality_admin(user) -> bool:
    """A member of the municipality with admin rights: its organisation's
    admin role, or access to the admin (``is_staff``)."""
    return any(
        m.organisation.is_municipality
        and (m.role == Membership.Role.ADMIN or user.is_staff)
        for m in registry_permissions.memberships(user)
    )


def can_manage_people(user, organisation: Organisation) -> bool:
    """Invite, change roles and remove members of ``organisation``."""
    return organisation.active and _admin_of(user, organisation.pk)


def can_view_people(user, organisation: Organisation) -> bool:
    return can_manage_people(user, organisation) or is_municipality_admin(user)


def can_invite_first_admin(user, organisation: Organisation, has_admin: bool) -> bool:
    return is_municipality_admin(user) and organisation.active and not has_admin


def can_deactivate_account(user, subject) -> bool:
    """Switch off an account everywhere (not only one membership)."""
    return is_municipality_admin(user) and subject.pk != user.pk


def may_join(user, organisation: Organisation) -> bool:
    """Municipality staff never hold a membership in a provider, referrer or
    school (DESIGN.md: they see anonymous figures, never personal data), and
    so nobody from those joins the municipality either."""
    kinds = set(
        Membership.objects.filter(user=user).values_list(
            "organisation__kind", flat=True
        )
    )
    gemeente = Organisation.Kind.GEMEENTE
    if organisation.is_municipality:
        return kinds <= {gemeente}
    return gemeente not in kinds


def second_factor_required(user, memberships=None) -> bool:
    """Everyone who can see a referral's personal data, and everyone who can
    open the admin: referrers, providers and schools; staff with admin rights."""
    if user.is_staff or user.is_superuser:
        return True
    if memberships is None:
        memberships = Membership.objects.filter(
            user=user, organisation__active=True
        ).select_related("organisation")
    return any(
        not m.organisation.is_municipality or m.role == Membership.Role.ADMIN
        for m in memberships
    )
