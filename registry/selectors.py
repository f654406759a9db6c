"""Read paths of the social map. Every function returns a QuerySet scoped for its caller."""

from registry.models import Perceel


def perceel_list():
    return Perceel.objects.filter(active=True)
