"""Keeps the cached norms table in step with the municipality's edits."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from referrals.models import ResponseNorm
from referrals.selectors import NORMS_CACHE_KEY


@receiver(post_save, sender=ResponseNorm)
@receiver(post_delete, sender=ResponseNorm)
def norms_cache_clear(**_kwargs) -> None:
    # Now (this transaction reads its own change) and after the commit (no
    # other request caches the old table between the two).
    cache.delete(NORMS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(NORMS_CACHE_KEY), robust=True)
