"""Who may deliver iJw messages and see the messaging figures.

- Delivering (``POST /api/v1/ijw/messages``): only an active API key of an
  active municipality (gemeente) organisation with scope ``ijw``. No session,
  no provider key, no other scope: the messages carry children's BSNs.
- The messaging compliance report (/regie/ijw and its CSV): municipality staff.
- Family experience figures: municipality staff for all; a provider's users for
  their own organisations (``dashboard.permissions``).
"""

from registry import permissions as registry_permissions
from registry.models import ApiToken


def can_deliver_messages(actor) -> bool:
    token = getattr(actor, "api_token", None)
    if token is None:
        return False
    organisation = token.organisation
    return (
        token.is_active
        and organisation.active
        and organisation.is_municipality
        and token.has_scope(ApiToken.SCOPE_IJW)
    )


def can_view_compliance(user) -> bool:
    return registry_permissions.is_municipality_staff(user)
