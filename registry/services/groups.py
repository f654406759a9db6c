"""The municipality staff's admin group ("Gemeente") and its permissions.

Every database gets it after migrate (registry.apps), so a superuser only has
to add staff to it; the demo log-ins (sampledata) use it too.
"""

from django.contrib.auth.models import Group, Permission

MUNICIPALITY_GROUP = "Gemeente"
# What municipality staff may do in the admin. Capacity changes go through the
# capacity service (the admin calls it); capacity rows come and go with services.
MUNICIPALITY_PERMISSIONS = {
    "perceel": ("add", "change", "delete", "view"),
    "district": ("add", "change", "delete", "view"),
    "problemarea": ("add", "change", "delete", "view"),
    "deliveryform": ("add", "change", "delete", "view"),
    "organisation": ("add", "change", "delete", "view"),
    "contract": ("add", "change", "delete", "view"),
    "subcontract": ("add", "change", "delete", "view"),
    "location": ("add", "change", "delete", "view"),
    "service": ("add", "change", "delete", "view"),
    "capacity": ("change", "view"),
    # Who is a member of a referrer, provider or school is that organisation's
    # own admin's business: a membership there opens children's data. Likewise
    # a provider's API key. Staff may see both and revoke a key.
    "membership": ("view",),
    "capacityreminder": ("view",),
    "thesaurusentry": ("add", "change", "delete", "view"),
    "user": ("view",),
    "apitoken": ("change", "view"),  # change = revoke; never add or delete
    "responsenorm": ("change", "view"),  # referrals: norms per urgency and step
}


def municipality_group_ensure() -> Group:
    """The "Gemeente" group with the admin permissions municipality staff need.

    Side effects: creates the group if missing and sets its permissions to exactly
    ``MUNICIPALITY_PERMISSIONS`` (idempotent).
    """
    group, _ = Group.objects.get_or_create(name=MUNICIPALITY_GROUP)
    codenames = [
        f"{action}_{model}"
        for model, actions in MUNICIPALITY_PERMISSIONS.items()
        for action in actions
    ]
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=("registry", "referrals"),
            codename__in=codenames,
        )
    )
    return group
