"""Drop the cached profile whenever a profile row changes (admin edits included)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from policy import models as m
from policy.profile import invalidate_profile_cache

_PROFILE_MODELS = (m.PolicyProfile, m.LicenceApproval, m.MatrixCell, m.MatrixAssist,
                   m.MatrixStep, m.ComplaintRoute, m.RuleParameter)


@receiver(post_save)
@receiver(post_delete)
def _profile_changed(sender: type, **kwargs: object) -> None:
    if sender in _PROFILE_MODELS:
        invalidate_profile_cache()
        transaction.on_commit(invalidate_profile_cache)
