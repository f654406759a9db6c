"""Catalogue writes through the ORM bump the catalogue version, capacity
writes only the capacity version (see ``registry.catalogue_version``);
connected in ``RegistryConfig.ready``."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from registry.catalogue_version import capacity_version_bump, catalogue_version_bump


def _bump(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loaddata: the fixture's own bump follows via the importer/commands
    catalogue_version_bump()


def _bump_capacity(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    capacity_version_bump()


def _bump_on_links(sender, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        catalogue_version_bump()


def connect() -> None:
    from registry import models

    for model in (
        models.Organisation,
        models.Service,
        models.Location,
        models.Perceel,
        models.District,
        models.ProblemArea,
        models.DeliveryForm,
        # What a search's words also look for (memoised per catalogue version).
        models.ThesaurusEntry,
    ):
        post_save.connect(_bump, sender=model, dispatch_uid=f"catalogue-{model}")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"catalogue-d-{model}")
    post_save.connect(_bump_capacity, sender=models.Capacity, dispatch_uid="capacity")
    post_delete.connect(
        _bump_capacity, sender=models.Capacity, dispatch_uid="capacity-d"
    )
    for field in ("districts", "problem_areas", "forms", "locations"):
        through = getattr(models.Service, field).through
        m2m_changed.connect(
            _bump_on_links, sender=through, dispatch_uid=f"catalogue-{field}"
        )
