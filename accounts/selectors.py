"""Reads for the account pages, scoped by the caller's permission checks."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Invitation, OrganisationLogEntry, UserSession
from registry.models import Membership, Organisation

PEOPLE_LOG_SIZE = 100


@dataclass(frozen=True)
class SessionRow:
    key: str
    created_at: datetime
    expires_at: datetime
    user_agent: str
    method: str
    current: bool


def session_list(*, user, current_key: str | None) -> list[SessionRow]:
    """The user's sessions that have not expired, newest first."""
    rows = list(UserSession.objects.filter(user=user))
    expiry = dict(
        Session.objects.filter(
            session_key__in=[r.session_key for r in rows],
            expire_date__gt=timezone.now(),
        ).values_list("session_key", "expire_date")
    )
    return [
        SessionRow(
            key=r.session_key,
            created_at=r.created_at,
            expires_at=expiry[r.session_key],
            user_agent=r.user_agent,
            method=r.method,
            current=r.session_key == current_key,
        )
        for r in rows
        if r.session_key in expiry
    ]


def organisations_of(*, user) -> list[Organisation]:
    """Every active organisation the user belongs to (not only the chosen one)."""
    return list(
        Organisation.objects.filter(memberships__user=user, active=True).order_by(
            "name"
        )
    )


def member_list(*, organisation) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def open_invitations(*, organisation) -> list[Invitation]:
    now = timezone.now()
    return list(
        Invitation.objects.filter(
            organisation=organisation,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).select_related("created_by")
    )


def people_log(*, organisation) -> list[OrganisationLogEntry]:
    return list(
        OrganisationLogEntry.objects.filter(organisation=organisation)[:PEOPLE_LOG_SIZE]
    )


def organisation_list_with_people():
    return Organisation.objects.annotate(
        people=Count("memberships", distinct=True),
        admins=Count("memberships", filter=Q(memberships__role="admin"), distinct=True),
    ).order_by("kind", "name")


def user_by_email(*, email: str):
    return get_user_model().objects.filter(email__iexact=email).first()


def has_admin(*, organisation) -> bool:
    return Membership.objects.filter(
        organisation=organisation, role=Membership.Role.ADMIN, user__is_active=True
    ).exists()
