from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = _("Institutions")

    def ready(self) -> None:
        from cases import kinds
        from institutions import abilities
        from institutions import kinds as institution_kinds
        from institutions.models import Institution
        from org.feed import track

        abilities.load()
        track(Institution, kind="institution", key_field="uscc")
        # A change to the register or to a region's name starts a new version of the
        # cached public lists, once the change commits.
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from institutions.selectors import public_lists_changed
        from org.models import Region

        def changed(**_kwargs: object) -> None:
            # Now, and again once committed: a reader who cached the old rows under the
            # first new version in between is not kept from the change.
            public_lists_changed()
            transaction.on_commit(public_lists_changed)

        for model in (Institution, Region):
            post_save.connect(changed, sender=model, weak=False,
                              dispatch_uid=f"public-lists-{model.__name__}")
            post_delete.connect(changed, sender=model, weak=False,
                                dispatch_uid=f"public-lists-del-{model.__name__}")
        kinds.register(institution_kinds.SUPERVISION)
        kinds.register_audit_labels(institution_kinds.AUDIT_LABELS)
