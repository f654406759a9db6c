"""Read paths of the social map: QuerySets scoped for their caller."""

from registry.models import Perceel


def perceel_list():
    return Perceel.objects.filter(active=True)
